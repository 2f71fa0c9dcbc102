"""Load the rights catalogue from its JSON file (data migration and tests)."""

import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "rights_v1.json"
FIELDS = [
    "title_nb",
    "title_en",
    "description_nb",
    "description_en",
    "legal_reference_nb",
    "legal_reference_en",
    "source",
    "tracks",
    "child_cannot_decline",
    "provided_by",
    "order",
]


def load_rights(right_model: Any) -> None:
    # A migration's historical model may predate some fields of today's file (provided_by came in 0003).
    fields = [field for field in FIELDS if field in {f.name for f in right_model._meta.get_fields()}]
    for item in json.loads(FIXTURE.read_text(encoding="utf-8")):
        right_model.objects.update_or_create(code=item["code"], defaults={field: item[field] for field in fields})
