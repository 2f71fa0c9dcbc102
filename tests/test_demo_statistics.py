"""The demo's national statistics: a report for each demo year in which persons several organisations registered
count once (demo/statistics.py)."""

import html
from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from demo import cases as demo_cases
from demo.seeding import DemoResult, seed_demo
from demo.statistics import OUTSIDE, demo_years
from national_statistics import report
from national_statistics.models import Contribution, LinkedPerson, PersonRecord, YearLinkage
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = date(2026, 3, 2)  # the history ends before it: the demo years are 2025 and 2026
STATISTICIAN = "nasjonal.kom.statistiker@demo.vern.invalid"


@pytest.fixture
def seeded() -> DemoResult:
    return seed_demo(seed=7, scale=1, today=DAY)


def test_each_demo_year_has_a_report_where_persons_count_once(seeded: DemoResult) -> None:
    assert demo_years(DAY) == [2025, 2026]
    assert report.years_with_data() == [2026, 2025]
    assert seeded.statistics is not None
    for figures in seeded.statistics.years:
        linkage = YearLinkage.objects.get(year=figures.year)
        assert (linkage.records, linkage.persons) == (figures.records, figures.persons)
        assert linkage.persons < linkage.records  # persons registered by several organisations count once
        assert report.annual_report(figures.year).persons == linkage.persons
    # The earlier year is the police's and UDI's alone (the demo's cases are all from this year).
    assert not PersonRecord.objects.filter(year=2025, contribution__source=Contribution.Source.VERN).exists()
    assert LinkedPerson.objects.filter(year=2025, records=2).count() >= 10


def test_the_twin_cases_link_to_the_first_case_of_their_person(seeded: DemoResult) -> None:
    vern = PersonRecord.objects.filter(year=2026, contribution__source=Contribution.Source.VERN)
    assert vern.count() == seeded.cases.cases == 12 + demo_cases.MIN_TWINS
    twice_in_vern = [
        cluster for cluster, records in Counter(vern.values_list("cluster", flat=True)).items() if records > 1
    ]
    assert len(twice_in_vern) == seeded.cases.twins == demo_cases.MIN_TWINS


def test_some_persons_are_known_to_vern_the_police_and_udi_and_the_table_shows_it(seeded: DemoResult) -> None:
    assert LinkedPerson.objects.filter(year=2026, records__gte=3).count() >= 5
    by_organisations = report.annual_report(2026).tables[5]
    three_or_more = next(row for row in by_organisations.rows if str(row.label) == "Three or more")
    assert three_or_more.values[0] is not None  # published: five or more
    assert three_or_more.values[0] >= 5


def test_the_uploads_page_lists_the_files_and_the_lines_left_out(seeded: DemoResult) -> None:
    assert seeded.statistics is not None
    assert (seeded.statistics.files, seeded.statistics.lines_left_out) == (2 * len(OUTSIDE), 2)
    statistician = User.objects.get(email=STATISTICIAN)
    organisation = statistician.memberships.get().organisation
    page = client_acting_in(statistician, organisation).get(reverse("national_statistics:uploads"))
    text = html.unescape(page.content.decode())
    assert list(page.context["files"].values_list("organisation_name", "year", "created_by")) == [
        (name, year, statistician.pk) for year in (2026, 2025) for name in ("UDI", "Politiet (Kripos)")
    ]
    assert "udi-2026-kodet.csv" in text
    assert "the same row as line" not in text  # a repeated row is kept and linked, not left out
    assert "statsborgerskapet «Romania» er ikke en landkode på to bokstaver" in text  # the reason in bokmål
    assert "ukjent form for utnytting: tvangsarbeid" in text
    report_page = client_acting_in(statistician, organisation).get(reverse("national_statistics:report"))
    assert report_page.context["year"] == 2026
    assert report_page.context["report"].persons == YearLinkage.objects.get(year=2026).persons


def test_seeding_again_adds_no_file_and_links_the_same_persons(seeded: DemoResult) -> None:
    again = seed_demo(seed=7, scale=1, today=DAY)
    assert again.statistics is not None
    assert seeded.statistics is not None
    assert again.statistics.files == 0
    assert again.statistics.years == seeded.statistics.years
    assert Contribution.objects.filter(source=Contribution.Source.UPLOAD).count() == 2 * len(OUTSIDE)


class _Rollback(Exception):
    pass


def _files_seeded_with(seed: int) -> list[str]:
    try:
        with transaction.atomic():
            seed_demo(seed=seed, scale=1, today=DAY)
            files = sorted(
                Contribution.objects.filter(source=Contribution.Source.UPLOAD).values_list("sha256", flat=True)
            )
            raise _Rollback
    except _Rollback:
        return files


def test_the_files_are_the_same_for_the_same_seed_and_key() -> None:
    first = _files_seeded_with(7)
    assert first == _files_seeded_with(7)
    assert set(first).isdisjoint(_files_seeded_with(8))


def test_without_a_linkage_key_the_demo_is_seeded_and_says_why_statistics_are_not(settings: object) -> None:
    settings.VERN_LINKAGE_KEY = ""  # type: ignore[attr-defined]
    result = seed_demo(seed=7, scale=1, today=DAY)
    assert result.statistics is not None
    assert "No linkage key is configured" in result.statistics.not_built
    assert result.cases.cases > 0
    assert not Contribution.objects.exists()


def test_the_command_prints_records_and_persons_per_year() -> None:
    out = StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=out)
    line = next(line for line in out.getvalue().splitlines() if line.startswith("Demo statistics: "))
    for figures in YearLinkage.objects.order_by("year"):
        assert f"{figures.year}: {figures.records} records, {figures.persons} persons" in line
    assert line.endswith("(4 files from outside Vern added, 2 lines left out).")


def test_the_national_scale_builds_no_statistics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cases, "CASES_PER_SCALE", 10)
    assert seed_demo(seed=7, scale=2, today=DAY).statistics is None
    assert not YearLinkage.objects.exists()


def test_the_demo_statistician_sees_a_dark_figure_for_the_latest_year(seeded: DemoResult) -> None:
    statistician = User.objects.get(email=STATISTICIAN)
    organisation = statistician.memberships.get().organisation
    page = client_acting_in(statistician, organisation).get(reverse("dark_figure:estimate"))
    analysis = page.context["analysis"]
    estimate = analysis["result"].estimate
    assert analysis["year"] == 2026
    assert estimate is not None, analysis["result"].reason
    assert estimate.observed <= estimate.lower <= estimate.total <= estimate.upper
    # 2025 has only the police and UDI: too few lists, said rather than estimated.
    earlier = client_acting_in(statistician, organisation).get(reverse("dark_figure:estimate"), {"year": "2025"})
    assert earlier.context["analysis"]["result"].reason.code == "fewer_than_three_lists"
