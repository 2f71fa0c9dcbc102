"""A year's tables, downloads and HTCDS release are one publication: no hidden number can be narrowed (issue 16).

The auditor (tests/disclosure_audit.py) reads only what the downloads print.
"""

import io
import time
from collections.abc import Hashable
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from dark_figure.capture import histories_for_year
from dark_figure.services import published_table
from demo.seeding import seed_demo
from disclosure import exports
from disclosure.htcds import columns
from disclosure.kanonymity import KAnonymised
from disclosure.publication import PROTECTION_WIDTH, Cell, Relation
from disclosure.suppression import protect
from national_statistics import report, services
from organisations.models import Organisation
from screening.models import ExploitationForm
from tests import disclosure_audit
from tests.conftest import Cast
from tests.disclosure_audit import sparse_year
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = date(2026, 3, 2)
STATISTICIAN = "nasjonal.kom.statistiker@demo.vern.invalid"
# The row of the issue: with zeros published, both hidden cells must be 1.
ISSUE_ROW = (
    b'"Presumed victims, by gender and age"\r\n'
    b"Gender,Minors,Adults,Age not known,Total\r\n"
    b"Women and girls,:,46,:,48\r\n"
    b"Men and boys,:,21,:,40\r\n"
    b"Total,10,67,11,88\r\n"
)


def _form_labels() -> dict[str, str]:
    labels = {form.code: str(form.localised("label")) for form in ExploitationForm.objects.order_by("-version__number")}
    return {**labels, "several": "More than one form"}


def _published(year: int) -> tuple[bytes, bytes]:
    annual = report.annual_report(year)
    tables, release = io.BytesIO(), io.BytesIO()
    exports.write_csv([*annual.tables, annual.anonymous_contacts], tables)
    exports.write_records_csv(columns(), annual.release.records, release)
    return tables.getvalue(), release.getvalue()


def test_the_auditor_undoes_the_issues_row() -> None:
    narrow = disclosure_audit.audit(ISSUE_ROW, width=PROTECTION_WIDTH, zeros_hidden=False)
    women = {(found.column, found.low, found.high) for found in narrow if found.row == "Women and girls"}
    assert women == {("Minors", 1, 1), ("Age not known", 1, 1)}


def test_the_auditor_undoes_one_table_at_a_time_suppression_of_the_demo_years() -> None:
    """What the report published before issue 16: each table protected on its own, zeros shown."""
    seed_demo(seed=7, scale=1, today=DAY)
    for year in (2026, 2025):
        old = io.BytesIO()
        exports.write_csv([protect(table) for table in report.annual_tables(year)], old)
        found = disclosure_audit.ranges(old.getvalue(), year=year, zeros_hidden=False)
        narrow = [each for each in found if not disclosure_audit.protected(each, PROTECTION_WIDTH)]
        assert len(narrow) >= 10
        assert any(each.low == each.high for each in narrow)  # some are given away outright


def test_no_hidden_number_of_either_demo_year_can_be_narrowed_from_the_downloads() -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    statistician = User.objects.get(email=STATISTICIAN)
    client = client_acting_in(statistician, statistician.memberships.get().organisation)
    for year in (2026, 2025):
        tables = client.get(reverse("national_statistics:download", args=[year, "csv"])).content
        release = client.get(reverse("national_statistics:htcds", args=[year])).content
        found = disclosure_audit.ranges(tables, year=year, release=release, form_labels=_form_labels())
        assert found  # the demo years have small cells
        assert [each for each in found if not disclosure_audit.protected(each, PROTECTION_WIDTH)] == []


@pytest.mark.parametrize(("seed", "persons"), [(1, 12), (2, 25), (3, 40), (4, 90)])
def test_no_hidden_number_of_a_sparse_year_can_be_narrowed(seed: int, persons: int) -> None:
    sparse_year(seed, 2024, persons)
    tables, release = _published(2024)
    found = disclosure_audit.ranges(tables, year=2024, release=release, form_labels=_form_labels())
    assert [each for each in found if not disclosure_audit.protected(each, PROTECTION_WIDTH)] == []


def test_a_year_with_too_few_persons_publishes_nothing_and_says_why(cast: Cast) -> None:
    sparse_year(5, 2024, 3)
    client = client_acting_in(cast.statistician)
    page = client.get(reverse("national_statistics:report"), {"year": 2024})
    assert page.status_code == 200
    assert "2024 har for få personer til at noen tabell kan publiseres (færre enn 5)" in page.content.decode()
    assert b"national-report-2024.csv" not in page.content
    for url in (
        reverse("national_statistics:download", args=[2024, "csv"]),
        reverse("national_statistics:htcds", args=[2024]),
    ):
        response = client.get(url, follow=True)
        assert response.redirect_chain
        assert "for få personer" in response.content.decode()


def test_the_dark_figures_capture_table_is_protected_beside_the_year(cast: Cast) -> None:
    sparse_year(6, 2024, 30)
    lists = {"Police": ["police_district"], "NGO": ["ngo_project"], "NAV": ["nav_office"], "Shelter": ["shelter"]}
    labels = dict(Organisation.Kind.choices)
    table = histories_for_year(2024, lists)
    capture = io.BytesIO()
    exports.write_csv(
        [published_table(table, lists, year=2024, title="Seen", history_heading="Seen by", persons="Persons")],
        capture,
    )
    tables, release = _published(2024)
    found = disclosure_audit.ranges(
        tables,
        year=2024,
        release=release,
        form_labels=_form_labels(),
        capture=capture.getvalue(),
        capture_lists={name: str(labels[kinds[0]]) for name, kinds in lists.items()},
    )
    assert any(each.table == "Seen" for each in found)
    assert [each for each in found if not disclosure_audit.protected(each, PROTECTION_WIDTH)] == []


def test_figures_before_and_after(capsys: pytest.CaptureFixture[str]) -> None:
    """The figures in docs/national-statistics.md: run with -s to print them."""
    seed_demo(seed=7, scale=1, today=DAY)
    lines = [
        "year | hidden before | not protected before | exact before | hidden after | not protected after | seconds"
    ]
    for year in (2026, 2025):
        old = io.BytesIO()
        exports.write_csv([protect(table) for table in report.annual_tables(year)], old)
        before = disclosure_audit.ranges(old.getvalue(), year=year, zeros_hidden=False)
        started = time.perf_counter()
        tables, release = _published(year)
        seconds = time.perf_counter() - started
        after = disclosure_audit.ranges(tables, year=year, release=release, form_labels=_form_labels())
        narrowed_before = [each for each in before if not disclosure_audit.protected(each, PROTECTION_WIDTH)]
        narrowed_after = [each for each in after if not disclosure_audit.protected(each, PROTECTION_WIDTH)]
        exact = sum(each.low == each.high for each in narrowed_before)
        lines.append(
            f"{year} | {len(before)} | {len(narrowed_before)} | {exact} | {len(after)} | {len(narrowed_after)}"
            f" | {seconds:.1f}"
        )
        assert not narrowed_after
    with capsys.disabled():
        print("\n" + "\n".join(lines))


@pytest.mark.django_db
def test_a_release_of_gender_and_age_group_bounds_the_cells_of_the_table_by_gender_and_age() -> None:
    woman: dict[str, Hashable] = {"gender": "Female", "majorityStatus": "Adult"}
    records = (woman,) * 11
    release = KAnonymised(records=records, k=11, levels={}, hierarchies=(), suppressed=2)
    relations = report.release_relations([], release)
    women_adults = Cell(report.GENDER, 0, 1)
    assert Relation(((women_adults, 1),), lower=11, upper=13) in relations
    assert Relation(((Cell(report.GENDER, 1, 0), 1),), lower=0, upper=2) in relations  # men, minors


def test_the_release_is_made_once_per_linkage_of_the_year(monkeypatch: pytest.MonkeyPatch) -> None:
    seed_demo(seed=7, scale=1, today=DAY)
    made = []
    export = services.htcds_export

    def counted(*args: Any, **kwargs: Any) -> KAnonymised:
        made.append(1)
        return export(*args, **kwargs)

    monkeypatch.setattr(services, "htcds_export", counted)
    first = report.annual_report(2026)
    assert report.annual_report(2026) == first
    assert len(made) == 1
    services.link_year(2026)
    report.annual_report(2026)
    assert len(made) == 2
