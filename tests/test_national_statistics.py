"""National statistics: the store built from cases and files, linkage across organisations, the report."""

import datetime as dt
import html
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases.access import get_case_for
from cases.models import Case, FieldGroup
from cases.services import create_case, save_field_group
from disclosure.suppression import THRESHOLD
from linkage import cli
from linkage.encoding import Encoder, LinkageKey, Person, generate_key_text
from linkage.files import write_encoded
from national_statistics import report, services
from national_statistics.models import Contribution, LinkedPerson, PersonAttribute, PersonRecord
from organisations.models import Membership, Organisation
from tests.conftest import Cast
from tests.disclosure_audit import sparse_year
from tests.factories import MembershipFactory
from tests.helpers import client_acting_in
from tests.test_vern_encode import SAMPLE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
YEAR = timezone.localdate().year


def _membership(user: User, organisation: Organisation) -> Membership:
    return Membership.objects.select_related("organisation", "user").get(user=user, organisation=organisation)


def _case(membership: Membership, identity: Mapping[str, object]) -> Case:
    municipality = membership.organisation.municipality
    assert municipality
    case = create_case(membership=membership, municipality=municipality)
    if identity:
        access = get_case_for(membership, case.code)
        save_field_group(
            access=access, membership=membership, group=FieldGroup.IDENTITY, data=dict(identity), expected_version=1
        )
    return case


NATALIA = {"first_name": "Natalia", "last_name": "Shevchenko", "birth_date": "1999-04-12", "gender": "female"}


def _encoded_file(rows: list[tuple[Person, dict[str, str]]], key: LinkageKey | None = None) -> bytes:
    key = key or services.linkage_key()
    encoder = Encoder(key)
    return write_encoded(
        key.fingerprint, [(encoder.encode(person), categories) for person, categories in rows]
    ).encode()


def _categories(**values: str) -> dict[str, str]:
    return {
        "year": str(YEAR),
        "gender": "female",
        "nationality": "UA",
        "age_group": "adult",
        "form_of_exploitation": "",
        "municipality_number": "0301",
        "organisation_kind": "police_district",
    } | values


@pytest.fixture
def registered(cast: Cast) -> Cast:
    """Natalia registered by the NGO and, with a typo and without her date of birth, by NAV; two others."""
    ngo, nav = _membership(cast.ngo_worker, cast.ngo), _membership(cast.nav_worker, cast.nav)
    _case(ngo, NATALIA)
    _case(nav, {"first_name": "Natalya", "last_name": "Schevchenko", "gender": "female", "estimated_age": 27})
    _case(ngo, {"first_name": "Amina", "last_name": "Okafor", "birth_date": "2001-01-30", "gender": "female"})
    _case(ngo, {})  # nothing known yet: counts as a person of her own, never linked
    return cast


def test_each_person_counts_once_across_organisations(registered: Cast) -> None:
    services.build_vern_contribution(YEAR)
    linkage = services.link_year(YEAR)
    assert (linkage.records, linkage.persons) == (4, 3)
    assert LinkedPerson.objects.filter(year=YEAR, records=2).count() == 1


def test_two_cases_of_one_organisation_stay_two_persons_and_a_file_listing_one_twice_counts_once(cast: Cast) -> None:
    ngo = _membership(cast.ngo_worker, cast.ngo)
    namesake = {"first_name": "Amina", "last_name": "Okafor", "gender": "female"}
    _case(ngo, namesake)
    _case(ngo, namesake)  # the NGO knows them apart: two cases
    ivan = Person(names=("Ivan", "Petrenko"), birth_date=dt.date(1990, 5, 17), gender="male")
    data = _encoded_file([(ivan, _categories(gender="male"))] * 2)
    services.import_upload(data, file_name="politi.csv", organisation_name="Politiet", user=None)

    linkage = services.refresh_year(YEAR)

    assert (linkage.records, linkage.persons) == (4, 3)
    assert LinkedPerson.objects.filter(year=YEAR, records=2).count() == 1  # Ivan, listed twice


def test_a_file_from_outside_vern_links_with_the_cases(registered: Cast) -> None:
    data = _encoded_file(
        [
            (Person(names=("Наталья", "Шевченко"), birth_date=dt.date(1999, 4, 12), gender="female"), _categories()),
            (Person(names=("Ivan", "Petrenko"), birth_year=1990, gender="male"), _categories(gender="male")),
        ]
    )
    result = services.import_upload(data, file_name="politi.csv", organisation_name="Politiet", user=None)
    assert (result.contribution.records, result.problems) == (2, [])
    linkage = services.refresh_year(YEAR)
    assert (linkage.records, linkage.persons) == (6, 4)
    natalia = LinkedPerson.objects.get(year=YEAR, records=3)
    kinds = set(natalia.attributes.filter(kind=PersonAttribute.Kind.ORGANISATION_KIND).values_list("value", flat=True))
    assert kinds == {"ngo_project", "nav_office", "police_district"}


def test_the_store_holds_no_identifying_value(registered: Cast) -> None:
    services.refresh_year(YEAR)
    stored = " ".join(
        str(values)
        for model in (PersonRecord, LinkedPerson, PersonAttribute, Contribution)
        for values in model.objects.values()
    )
    for identifying in ("Natalia", "Natalya", "Shevchenko", "Amina", "Okafor", "1999-04-12", "2001-01-30"):
        assert identifying not in stored
    assert "case" not in {field.name for field in PersonRecord._meta.get_fields()}


def test_the_same_file_twice_is_refused_and_counted_once(registered: Cast) -> None:
    data = _encoded_file([(Person(names=("Ivan", "Petrenko")), _categories())])
    services.import_upload(data, file_name="a.csv", organisation_name="UDI", user=None)
    with pytest.raises(services.StatisticsError, match="already added"):
        services.import_upload(data, file_name="b.csv", organisation_name="UDI", user=None)
    assert PersonRecord.objects.filter(contribution__source=Contribution.Source.UPLOAD).count() == 1


def test_a_file_encoded_with_another_key_is_refused_and_says_so(registered: Cast) -> None:
    other = LinkageKey.from_text(generate_key_text())
    data = _encoded_file([(Person(names=("Ivan", "Petrenko")), _categories())], key=other)
    with pytest.raises(services.StatisticsError, match="another linkage key"):
        services.import_upload(data, file_name="a.csv", organisation_name="UDI", user=None)
    assert not Contribution.objects.exists()


def test_a_truncated_file_is_refused_whole(registered: Cast) -> None:
    data = _encoded_file([(Person(names=("Ivan", "Petrenko")), _categories())] * 1)
    with pytest.raises(services.StatisticsError, match="incomplete"):
        services.import_upload(data.rsplit(b"# end", 1)[0], file_name="a.csv", organisation_name="UDI", user=None)
    assert not PersonRecord.objects.exists()


def test_bad_lines_are_reported_by_line_and_the_rest_kept(registered: Cast) -> None:
    rows = [
        (Person(names=("Ivan", "Petrenko")), _categories()),
        (Person(names=("Olga", "Bondar")), _categories(gender="unknown-value")),
        (Person(names=("Oksana", "Melnyk")), _categories()),
    ]
    result = services.import_upload(_encoded_file(rows), file_name="a.csv", organisation_name="UDI", user=None)
    assert result.contribution.records == 2
    assert [str(problem) for problem in result.problems] == ["line 4: gender 'unknown-value' is not a known value"]
    assert Contribution.objects.get().problems == [[4, "unknown_value", {"column": "gender", "value": "unknown-value"}]]


def test_the_upload_page_tells_the_lines_left_out_and_a_refusal_in_bokmal(registered: Cast) -> None:
    rows = [
        (Person(names=("Ivan", "Petrenko")), _categories()),
        (Person(names=("Olga", "Bondar")), _categories(gender="unknown-value")),
        (Person(names=("Oksana", "Melnyk")), _categories(nationality="Ukraine")),
    ]
    services.import_upload(_encoded_file(rows), file_name="a.csv", organisation_name="UDI", user=None)
    client = _statistician(registered)
    page = html.unescape(client.get(reverse("national_statistics:uploads")).content.decode())
    assert "Linje 4: kjønnet «unknown-value» er ikke en kjent verdi" in page
    assert "Linje 5: statsborgerskapet «Ukraine» er ikke en landkode på to bokstaver" in page
    upload = SimpleUploadedFile("politi.csv", b"a,b\n1,2\n", content_type="text/csv")
    response = client.post(reverse("national_statistics:uploads"), {"organisation_name": "Politiet", "file": upload})
    assert "Denne filen er ikke skrevet av kodeverktøyet Vern encode" in html.unescape(response.content.decode())


def test_a_file_added_before_reasons_had_codes_still_shows_its_lines_left_out(registered: Cast) -> None:
    rows = [(Person(names=("Ivan", "Petrenko")), _categories())]
    result = services.import_upload(_encoded_file(rows), file_name="a.csv", organisation_name="UDI", user=None)
    Contribution.objects.filter(pk=result.contribution.pk).update(problems=[[4, "gender 'x' is not a known value"]])
    page = html.unescape(_statistician(registered).get(reverse("national_statistics:uploads")).content.decode())
    assert "Linje 4: gender 'x' is not a known value" in page


def test_a_file_of_only_unusable_rows_is_refused_with_a_message_in_bokmal(registered: Cast) -> None:
    """Issue 16, bad input: nothing is kept and the statistician is told, on the page, in bokmål — no 500."""
    rows = [
        (Person(names=("Olga", "Bondar")), _categories(gender="unknown-value")),
        (Person(names=("Oksana", "Melnyk")), _categories(nationality="Ukraine")),
    ]
    with pytest.raises(services.StatisticsError, match="no row that can be used"):
        services.import_upload(_encoded_file(rows), file_name="a.csv", organisation_name="UDI", user=None)
    upload = SimpleUploadedFile("politi.csv", _encoded_file(rows), content_type="text/csv")
    response = _statistician(registered).post(
        reverse("national_statistics:uploads"), {"organisation_name": "Politiet", "file": upload}
    )
    assert response.status_code == 200
    assert "Filen har ingen rad som kan brukes; ingenting ble tatt vare på." in html.unescape(response.content.decode())
    assert not Contribution.objects.exists()
    assert not PersonRecord.objects.exists()


def test_a_file_with_several_years_is_refused(registered: Cast) -> None:
    rows = [(Person(names=("Ivan", "Petrenko")), _categories()), (Person(names=("Oleh",)), _categories(year="2019"))]
    with pytest.raises(services.StatisticsError, match="several years"):
        services.import_upload(_encoded_file(rows), file_name="a.csv", organisation_name="UDI", user=None)


def test_a_year_with_few_persons_renders_with_every_small_cell_suppressed(registered: Cast) -> None:
    services.refresh_year(YEAR)
    annual = report.annual_report(YEAR)
    assert annual.persons == 3
    for table in (*annual.tables, annual.anonymous_contacts):
        published = [value for row in table.rows for value in row.values if value is not None]
        assert all(value == 0 or value >= THRESHOLD for value in published), table.title


@pytest.mark.usefixtures("cast")
def test_persons_with_several_forms_are_one_row_so_the_table_adds_up() -> None:
    contribution = Contribution.objects.create(source="upload", year=YEAR, organisation_name="x", key_fingerprint="0")
    for number, forms in enumerate([["sexual"], ["sexual", "labour"], [], ["labour"]] * 5):
        PersonRecord.objects.create(
            contribution=contribution, source=f"s{number}", year=YEAR, clk=b"", forms_of_exploitation=forms
        )
    services.link_year(YEAR)
    table = report.annual_report(YEAR).tables[1]
    values = {str(row.label): row.values[-1] for row in table.rows}
    assert values["More than one form"] == 5
    assert values["Not known"] == 5
    assert values["Total"] == 20


def _statistician(cast: Cast) -> Client:
    return client_acting_in(cast.statistician)


def test_the_national_statistician_sees_the_report_and_downloads_each_format(registered: Cast) -> None:
    sparse_year(1, YEAR, 40)
    client = _statistician(registered)
    page = client.get(reverse("national_statistics:report"), {"year": YEAR})
    assert page.status_code == 200
    assert page.context["report"].persons == 40
    for file_format, start in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        response = client.get(reverse("national_statistics:download", args=[YEAR, file_format]))
        assert response.status_code == 200
        assert response.content.startswith(start)
    htcds = client.get(reverse("national_statistics:htcds", args=[YEAR]))
    assert htcds.status_code == 200
    assert htcds["Content-Disposition"].endswith('-k11.csv"')  # without k: k = 11, not a 404


def test_three_persons_are_too_few_to_publish(registered: Cast) -> None:
    services.refresh_year(YEAR)
    client = _statistician(registered)
    assert client.get(reverse("national_statistics:report"), {"year": YEAR}).context["report"].too_few
    response = client.get(reverse("national_statistics:download", args=[YEAR, "csv"]), follow=True)
    assert response.redirect_chain
    assert b"Natalia" not in response.content


def test_a_k_below_the_floor_is_refused_with_the_reason(registered: Cast) -> None:
    sparse_year(1, YEAR, 40)
    response = _statistician(registered).get(reverse("national_statistics:htcds", args=[YEAR]), {"k": 2}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#htcds")
    assert "k må være minst 11" in response.content.decode()


def test_a_year_without_linkage_says_so(cast: Cast) -> None:
    page = _statistician(cast).get(reverse("national_statistics:report"), {"year": 2011})
    assert page.status_code == 200
    assert page.context["report"] is None


@pytest.mark.parametrize("value", ["x", "1e9", ""])
def test_a_bad_year_shows_the_latest(cast: Cast, value: str) -> None:
    assert _statistician(cast).get(reverse("national_statistics:report"), {"year": value}).status_code == 200


def test_other_statisticians_are_refused(cast: Cast) -> None:
    elsewhere = MembershipFactory.create(organisation=cast.nav, role=Membership.Role.STATISTICIAN).user
    assert client_acting_in(elsewhere, cast.nav).get(reverse("national_statistics:report")).status_code == 403


def test_uploading_through_the_page_reports_lines_left_out(registered: Cast) -> None:
    rows = [
        (Person(names=("Ivan", "Petrenko")), _categories()),
        (Person(names=("Olga", "Bondar")), _categories(nationality="Ukraine")),
    ]
    client = _statistician(registered)
    upload = SimpleUploadedFile("politi.csv", _encoded_file(rows), content_type="text/csv")
    response = client.post(
        reverse("national_statistics:uploads"), {"organisation_name": "Politiet", "file": upload}, follow=True
    )
    assert response.status_code == 200
    assert "statsborgerskapet «Ukraine» er ikke en landkode på to bokstaver" in html.unescape(response.content.decode())
    assert LinkedPerson.objects.filter(year=YEAR).count() == 1  # the year is linked again at once
    again = SimpleUploadedFile("again.csv", _encoded_file(rows)[:-20], content_type="text/csv")
    response = client.post(reverse("national_statistics:uploads"), {"organisation_name": "Politiet", "file": again})
    assert response.status_code == 200
    assert "Filen er ufullstendig" in html.unescape(response.content.decode())


def test_the_command_builds_and_links_a_year(registered: Cast) -> None:
    out = io.StringIO()
    call_command("build_statistics", "--year", str(YEAR), stdout=out)
    assert out.getvalue().startswith(f"{YEAR}: 4 records, 3 persons")


def test_the_command_says_when_no_key_is_configured(registered: Cast, settings: Any) -> None:
    settings.VERN_LINKAGE_KEY = ""
    with pytest.raises(CommandError, match="No linkage key is configured"):
        call_command("build_statistics", "--year", str(YEAR))


def test_nationality_and_applications_are_counted_from_the_case(cast: Cast) -> None:
    ngo = _membership(cast.ngo_worker, cast.ngo)
    case = _case(ngo, NATALIA | {"nationality": "Ukraina"})  # a name saved before nationality became a code
    save_field_group(
        access=get_case_for(ngo, case.code),
        membership=ngo,
        group=FieldGroup.IMMIGRATION,
        data={"reflection_period": "granted", "temporary_residence": "applied"},
        expected_version=2,
    )
    services.refresh_year(YEAR)
    person = LinkedPerson.objects.get(year=YEAR)
    assert (person.nationality, person.reflection_period, person.temporary_residence) == ("UA", "granted", "applied")


@pytest.mark.usefixtures("cast")
def test_vern_encode_on_the_sample_list_makes_a_file_the_server_takes_and_links(tmp_path: Path) -> None:
    key_file = tmp_path / "linkage.key"
    key_file.write_text(django_settings.VERN_LINKAGE_KEY)
    encoded = tmp_path / "encoded.csv"
    assert cli.main(["encode", "--key-file", str(key_file), "--input", str(SAMPLE), "--output", str(encoded)]) == 0
    result = services.import_upload(encoded.read_bytes(), file_name="people.csv", organisation_name="NGO", user=None)
    assert (result.contribution.year, result.contribution.records, result.problems) == (2025, 6, [])
    assert services.link_year(2025).persons == 6  # one organisation's list: nobody is joined with anyone


def test_a_file_taken_out_leaves_the_store_and_the_year_is_linked_again(registered: Cast) -> None:
    data = _encoded_file([(Person(names=("Ivan", "Petrenko")), _categories())])
    contribution = services.import_upload(data, file_name="a.csv", organisation_name="UDI", user=None).contribution
    services.refresh_year(YEAR)
    client = _statistician(registered)
    response = client.post(reverse("national_statistics:remove_upload", args=[contribution.pk]))
    assert response.status_code == 302
    assert not PersonRecord.objects.filter(contribution__source=Contribution.Source.UPLOAD).exists()
    assert LinkedPerson.objects.filter(year=YEAR).count() == 3
    # The same file may come again once it was taken out.
    services.import_upload(data, file_name="a.csv", organisation_name="UDI", user=None)


def test_the_report_page_reads_the_same_number_of_queries_for_more_persons(registered: Cast) -> None:
    services.refresh_year(YEAR)
    client = _statistician(registered)
    url = reverse("national_statistics:report")
    client.get(url)  # the session's first request writes what later ones do not
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"year": YEAR}).status_code == 200
    data = _encoded_file([(Person(names=(f"Test{n}", "Fiktiv")), _categories()) for n in range(20)])
    services.import_upload(data, file_name="x.csv", organisation_name="UDI", user=None)
    services.refresh_year(YEAR)
    client.get(url, {"year": YEAR})  # the year's release is made once per linkage, as for the first
    with CaptureQueriesContext(connection) as more:
        assert client.get(url, {"year": YEAR}).status_code == 200
    assert len(more) == len(few)
