"""Load a catalogue kept as a JSON list of rows with a unique `code` (data migrations and tests)."""

import json
from pathlib import Path
from typing import Any


def load_by_code(model: Any, fixture: Path) -> None:
    """Create or update one row per item; `model` may be a historical model from a migration."""
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        code = item.pop("code")
        model.objects.update_or_create(code=code, defaults=item)
