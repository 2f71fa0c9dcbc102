"""The statistician's dark-figure page: lists chosen, the estimate with its models, refusals, downloads."""

from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dark_figure import estimation, services
from dark_figure.capture import CaptureTable
from dark_figure.forms import default_letters
from dark_figure.simulation import independent, simulate
from national_statistics.models import Contribution, LinkedPerson, PersonAttribute, PersonRecord
from tests.conftest import Cast
from tests.helpers import client_acting_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
YEAR = 2025
KINDS = ("police_district", "ngo_project", "nav_office", "udi")


def _store(year: int, kinds: tuple[str, ...], *, size: int = 400, seed: int = 1) -> int:
    """Linked persons of a year seen by the kinds as a simulated population would be; returns the persons seen."""
    table = simulate(independent(size, (0.3, 0.25, 0.35, 0.2)[: len(kinds)]), np.random.default_rng(seed))
    return _store_table(year, kinds, table, seed=seed)


def _store_table(year: int, kinds: tuple[str, ...], table: CaptureTable, *, seed: int = 1) -> int:
    """The table's persons as linked persons of the year, list i being the kind i; returns the persons seen."""
    contribution = Contribution.objects.create(
        source="upload", year=year, organisation_name="x", key_fingerprint="0", sha256=f"{year}-{seed}"
    )
    seen = 0
    for history, count in table.rows():
        for _n in range(count):
            person = LinkedPerson.objects.create(year=year, records=sum(history))
            for kind, on in zip(kinds, history, strict=True):
                if on:
                    PersonAttribute.objects.create(
                        person=person, year=year, kind=PersonAttribute.Kind.ORGANISATION_KIND, value=kind
                    )
                    PersonRecord.objects.create(
                        contribution=contribution, source=kind, year=year, clk=b"", organisation_kind=kind
                    )
            seen += 1
    return seen


def _page(cast: Cast, **params: str) -> tuple[Client, object]:
    client = client_acting_in(cast.statistician)
    return client, client.get(reverse("dark_figure:estimate"), params)


def test_the_statistician_sees_the_estimate_models_and_assumptions(cast: Cast) -> None:
    seen = _store(YEAR, KINDS)
    _client, response = _page(cast)
    assert response.status_code == 200  # type: ignore[attr-defined]
    analysis = response.context["analysis"]  # type: ignore[attr-defined]
    estimate = analysis["result"].estimate
    assert estimate.observed == seen
    assert estimate.lower <= estimate.total <= estimate.upper
    assert 300 <= estimate.total <= 550  # the simulated population has 400 persons
    assert analysis["models"].rows
    assert "lukket populasjon" in response.content.decode()  # type: ignore[attr-defined]


def test_merging_lists_below_three_says_why_and_gives_no_number(cast: Cast) -> None:
    _store(YEAR, KINDS)
    params = {"year": str(YEAR), "list_police_district": "A", "list_ngo_project": "A", "list_nav_office": "B"}
    _client, response = _page(cast, **params, list_udi="")
    result = response.context["analysis"]["result"]  # type: ignore[attr-defined]
    assert result.estimate is None
    assert result.reason.code == "fewer_than_three_lists"
    assert "Intet anslag" in response.content.decode()  # type: ignore[attr-defined]


def test_lists_that_never_overlap_are_refused(cast: Cast) -> None:
    contribution = Contribution.objects.create(source="upload", year=YEAR, organisation_name="x", key_fingerprint="0")
    for kind in KINDS[:3]:
        for _n in range(6):
            person = LinkedPerson.objects.create(year=YEAR, records=1)
            PersonAttribute.objects.create(person=person, year=YEAR, kind="organisation_kind", value=kind)
    assert contribution
    _client, response = _page(cast)
    assert response.context["analysis"]["result"].estimate is None  # type: ignore[attr-defined]


def test_small_cells_of_the_capture_table_are_suppressed_on_the_page(cast: Cast) -> None:
    _store(YEAR, KINDS, size=60)
    _client, response = _page(cast)
    capture = response.context["analysis"]["capture"]  # type: ignore[attr-defined]
    shown = [value for row in capture.rows for value in row.values if value is not None]
    assert all(value == 0 or value >= 5 for value in shown)
    assert capture.has_suppressed


def test_the_linkage_check_and_the_years_are_shown(cast: Cast) -> None:
    _store(YEAR, KINDS)
    _store(YEAR - 1, KINDS, seed=2)
    _client, response = _page(cast, linkage="on")
    analysis = response.context["analysis"]  # type: ignore[attr-defined]
    assert [row.label for row in analysis["sensitivity"].rows] == ["0,20", "0,50", "0,80"]
    assert [row.label for row in analysis["years"].rows] == [str(YEAR - 1), str(YEAR)]
    assert len(analysis["chart"].marks) == 2


@pytest.mark.parametrize(("file_format", "start"), [("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_the_table_and_results_download(cast: Cast, file_format: str, start: bytes) -> None:
    _store(YEAR, KINDS)
    client = client_acting_in(cast.statistician)
    response = client.get(reverse("dark_figure:download", args=[file_format]), {"year": str(YEAR)})
    assert response.status_code == 200
    assert response.content.startswith(start)


def test_without_linked_persons_the_page_says_so(cast: Cast) -> None:
    _client, response = _page(cast)
    assert response.context["form"] is None  # type: ignore[attr-defined]
    assert client_acting_in(cast.statistician).get(reverse("dark_figure:download", args=["csv"])).status_code == 404


def test_bad_parameters_never_crash(cast: Cast) -> None:
    _store(YEAR, KINDS)
    for params in ({"year": "x"}, {"threshold": "-1"}, {"list_udi": "Z"}, {"year": "1900"}):
        assert _page(cast, **params)[1].status_code == 200  # type: ignore[attr-defined]


def test_kinds_in_year_are_largest_first(cast: Cast) -> None:
    _store(YEAR, KINDS)
    kinds = services.kinds_in_year(YEAR)
    assert kinds[0][0] == "nav_office"  # the highest capture probability


def test_by_default_small_kinds_are_merged_but_three_lists_are_kept() -> None:
    assert default_letters([("udi", 40), ("police_district", 30), ("ngo_project", 4), ("shelter", 2)]) == {
        "udi": "A",
        "police_district": "B",
        "ngo_project": "C",
        "shelter": "C",
    }
    assert default_letters([("udi", 5), ("police_district", 5), ("ngo_project", 5), ("nav_office", 2)]) == {
        "udi": "A",
        "police_district": "B",
        "ngo_project": "C",
        "nav_office": "C",
    }
    assert default_letters([("udi", 40), ("police_district", 30), ("ngo_project", 20), ("nav_office", 12)]) == {
        "udi": "A",
        "police_district": "B",
        "ngo_project": "C",
        "nav_office": "D",
    }


def test_every_kind_left_out_says_why(cast: Cast) -> None:
    _store(YEAR, KINDS)
    _client, response = _page(cast, **{f"list_{kind}": "" for kind in KINDS})
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response.context["analysis"] is None  # type: ignore[attr-defined]
    assert "minst tre typer" in response.content.decode()  # type: ignore[attr-defined]


def _queries(client: Client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_the_page_reads_the_same_number_of_queries_for_more_years_and_persons(cast: Cast) -> None:
    _store(YEAR, KINDS, size=100)
    client = client_acting_in(cast.statistician)
    url = reverse("dark_figure:estimate")
    client.get(url)  # the session's first request writes what later ones do not
    few = _queries(client, url, {"year": str(YEAR)})
    _store(YEAR - 1, KINDS, size=300, seed=3)
    _store(YEAR - 2, KINDS, size=300, seed=4)
    assert _queries(client, url, {"year": str(YEAR)}) == few


# Four lists, police and UDI sharing nobody; the histories in `all_histories` order.
APART = CaptureTable.from_counts(
    KINDS,
    {
        (1, 0, 0, 0): 30,
        (0, 1, 0, 0): 25,
        (0, 0, 1, 0): 35,
        (0, 0, 0, 1): 20,
        (1, 1, 0, 0): 8,
        (1, 0, 1, 0): 9,
        (0, 1, 1, 0): 7,
        (0, 1, 0, 1): 5,
        (0, 0, 1, 1): 6,
        (1, 1, 1, 0): 2,
    },
)


def test_the_page_and_the_downloads_carry_the_sparse_data_warning(cast: Cast) -> None:
    _store_table(YEAR, KINDS, APART)
    client, response = _page(cast)
    analysis = response.context["analysis"]  # type: ignore[attr-defined]
    assert [warning.code for warning in analysis["result"].warnings] == ["lists_share_nobody"]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "Tynne data: les tallet med forsiktighet" in page
    assert (
        "1 av de 6 parene av lister har ingen personer felles (Politidistrikt × Utlendingsdirektoratet (UDI))" in page
    )
    download = client.get(reverse("dark_figure:download", args=["csv"]), {"year": str(YEAR)})
    text = download.content.decode("utf-8-sig")
    assert "Advarsler: det som gjør tallet mer usikkert enn intervallene" in text
    assert "har ingen personer felles" in text


def test_the_bootstrap_interval_is_shown_beside_the_profile_interval_and_downloaded(cast: Cast) -> None:
    _store(YEAR, KINDS, size=300)
    client, response = _page(cast, bootstrap="on")
    analysis = response.context["analysis"]  # type: ignore[attr-defined]
    bootstrap, estimate = analysis["bootstrap"], analysis["result"].estimate
    assert bootstrap.refusal is None
    assert bootstrap.lower < estimate.total < bootstrap.upper
    labels = [str(row.label) for row in analysis["estimate"].rows]
    assert labels[1].startswith("Profil-likelihood-intervall")
    assert labels[2].startswith("Bootstrap-intervall, modellen valgt på nytt i hver av 200")
    page = response.content.decode()  # type: ignore[attr-defined]
    assert f"<strong>{bootstrap.lower:.0f}–{bootstrap.upper:.0f}</strong> i alt" in page
    text = client.get(reverse("dark_figure:download", args=["csv"]), {"year": str(YEAR)}).content.decode()
    assert f"{bootstrap.lower:.0f}–{bootstrap.upper:.0f}" in text


def test_the_bootstrap_is_computed_once_per_table(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(YEAR, KINDS, size=300)
    calls = []
    original = services.bootstrap

    def counted(*args: Any, **kwargs: Any) -> estimation.Bootstrap | None:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "bootstrap", counted)
    _page(cast, bootstrap="on")
    _client, again = _page(cast)  # ready: shown without being asked for
    assert len(calls) == 1
    assert again.context["analysis"]["bootstrap"] is not None  # type: ignore[attr-defined]
    # Another table, not asked for: the page does not make the statistician wait, and says how to get it.
    _client, unasked = _page(cast, threshold="0.05")
    assert len(calls) == 1
    assert "Bootstrap-intervallet for disse listene er ikke regnet ut ennå" in unasked.content.decode()  # type: ignore[attr-defined]
    _page(cast, threshold="0.05", bootstrap="on")
    assert len(calls) == 2


def test_a_model_that_does_not_converge_says_so_without_a_number(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(YEAR, KINDS)
    monkeypatch.setattr(estimation, "MAX_ITERATIONS", 1)
    client, response = _page(cast)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Modellen kunne ikke tilpasses: beregningen konvergerte ikke." in response.content.decode()  # type: ignore[attr-defined]
    assert client.get(reverse("dark_figure:download", args=["pdf"]), {"year": str(YEAR)}).status_code == 200


def test_the_bootstrap_can_be_computed_ahead_of_the_page(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    _store(YEAR, KINDS, size=300)
    output = StringIO()
    call_command("bootstrap_dark_figure", stdout=output)
    assert output.getvalue().startswith(f"{YEAR}: 4 lists, ")

    def not_again(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the page computed the bootstrap again")

    monkeypatch.setattr(services, "bootstrap", not_again)
    _client, response = _page(cast)
    assert response.context["analysis"]["bootstrap"].refusal is None  # type: ignore[attr-defined]
