"""Reload the catalogues the data migrations load, for transactional (browser) tests.

A transactional test empties every table when it ends, migration data included;
the next one reloads the same files here instead of relying on serialized rollback.
"""

from pathlib import Path

from django.apps import apps

from chain.catalogue import load_decision_kinds
from core.fixtures import load_by_code
from rights.catalogue import load_rights
from screening.catalogue import load_catalogue, read_fixture

ROOT = Path(__file__).resolve().parent.parent


def ensure_reference_data() -> None:
    if not apps.get_model("screening", "CatalogueVersion").objects.exists():
        load_catalogue(
            read_fixture("catalogue_v1.json"), get_model=lambda n: apps.get_model("screening", n), activate=True
        )
    if not apps.get_model("rights", "Right").objects.exists():
        load_rights(apps.get_model("rights", "Right"))
    if not apps.get_model("sharing", "LegalBasis").objects.exists():
        load_by_code(apps.get_model("sharing", "LegalBasis"), ROOT / "sharing" / "fixtures" / "legal_bases.json")
    if not apps.get_model("chain", "DeadlineRule").objects.exists():
        load_by_code(apps.get_model("chain", "DeadlineRule"), ROOT / "chain" / "fixtures" / "deadline_rules.json")
    if not apps.get_model("chain", "DecisionKind").objects.exists():
        load_decision_kinds(apps.get_model)
    if not apps.get_model("meetings", "FindingCategory").objects.exists():
        load_by_code(
            apps.get_model("meetings", "FindingCategory"), ROOT / "meetings" / "fixtures" / "finding_categories_v1.json"
        )
    if not apps.get_model("meetings", "MeetingRole").objects.exists():
        load_by_code(
            apps.get_model("meetings", "MeetingRole"), ROOT / "meetings" / "fixtures" / "meeting_roles_v1.json"
        )
