"""The legal bases are data with their references, loaded on a fresh database."""

import json
from pathlib import Path

import pytest
from django.utils import translation

from sharing.models import LegalBasis

FIXTURE = Path(__file__).resolve().parent.parent / "sharing" / "fixtures" / "legal_bases.json"

pytestmark = pytest.mark.django_db


def test_the_catalogue_is_loaded_by_the_migrations() -> None:
    codes = {item["code"] for item in json.loads(FIXTURE.read_text(encoding="utf-8"))}
    assert set(LegalBasis.objects.values_list("code", flat=True)) == codes


def test_every_legal_basis_names_its_law_section_source_and_status_in_both_languages() -> None:
    for basis in LegalBasis.objects.all():
        for field in ("title", "title_en", "law", "section", "explanation", "explanation_en", "source"):
            assert getattr(basis, field).strip(), (basis.code, field)
        assert basis.status in LegalBasis.Status.values


def test_the_issue_s_required_grounds_are_present() -> None:
    required = {"child-welfare-duty-to-notify", "duty-to-avert", "danger-to-life-or-health", "court-order"}
    assert required <= set(LegalBasis.objects.values_list("code", flat=True))
    assert LegalBasis.objects.filter(code__startswith="public-body").exists()


def test_it_is_shown_in_the_user_s_language() -> None:
    basis = LegalBasis.objects.get(code="danger-to-life-or-health")
    with translation.override("nb"):
        assert basis.localised_title == "Fare for liv eller helse"
    with translation.override("en"):
        assert basis.localised_title == "Danger to life or health"
