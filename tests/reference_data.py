"""Reload the catalogues the data migrations load, for transactional (browser) tests.

A transactional test empties every table when it ends, migration data included;
the next one reloads the same files here instead of relying on serialized rollback.
"""

import json
from pathlib import Path

from django.apps import apps

from rights.catalogue import load_rights
from screening.catalogue import load_catalogue, read_fixture

ROOT = Path(__file__).resolve().parent.parent


def _load_rows(model_label: str, fixture: Path) -> None:
    model = apps.get_model(model_label)
    for item in json.loads(fixture.read_text(encoding="utf-8")):
        code = item.pop("code")
        model.objects.update_or_create(code=code, defaults=item)


def ensure_reference_data() -> None:
    if not apps.get_model("screening", "CatalogueVersion").objects.exists():
        load_catalogue(
            read_fixture("catalogue_v1.json"), get_model=lambda n: apps.get_model("screening", n), activate=True
        )
    if not apps.get_model("rights", "Right").objects.exists():
        load_rights(apps.get_model("rights", "Right"))
    if not apps.get_model("sharing", "LegalBasis").objects.exists():
        _load_rows("sharing.LegalBasis", ROOT / "sharing" / "fixtures" / "legal_bases.json")
    if not apps.get_model("chain", "DeadlineRule").objects.exists():
        _load_rows("chain.DeadlineRule", ROOT / "chain" / "fixtures" / "deadline_rules.json")
