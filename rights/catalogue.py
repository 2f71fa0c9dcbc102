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
    "legal_reference",
    "source",
    "tracks",
    "child_cannot_decline",
    "order",
]


def load_rights(right_model: Any) -> None:
    for item in json.loads(FIXTURE.read_text(encoding="utf-8")):
        right_model.objects.update_or_create(code=item["code"], defaults={field: item[field] for field in FIELDS})
