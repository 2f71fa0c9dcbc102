"""Load a catalogue kept as a JSON list of rows with a unique `code` (data migrations and tests)."""

import json
from pathlib import Path
from typing import Any


def load_by_code(model: Any, fixture: Path) -> None:
    """Create or update one row per item; `model` may be a historical model from a migration.

    Keys for fields the model does not have yet are left out: an early migration
    loads today's file into yesterday's table, and a later one fills the new field.
    """
    fields = {field.name for field in model._meta.get_fields()}
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        code = item.pop("code")
        model.objects.update_or_create(code=code, defaults={key: item[key] for key in item if key in fields})
