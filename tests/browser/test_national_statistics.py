"""The national statistician reads the national report, downloads it in every format, and adds a file from outside
Vern: each page clean by axe-core, no download naming anyone."""

from pathlib import Path

import pytest
from playwright.sync_api import Download, FilePayload, Locator, expect

from disclosure.htcds import columns as htcds_columns
from linkage.encoding import Person
from national_statistics import services
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.test_national_statistics import YEAR, _case, _categories, _encoded_file, _membership

pytestmark = pytest.mark.django_db(transaction=True)

# Fictional persons: the NGO registered them all, NAV the first two again (written its own way), the police the
# first four and one more: six persons from twelve records, enough for some cells of five or more.
PEOPLE = [
    ("Testa", "Personsen", "1999-04-01"),
    ("Fiktiv", "Sentinel", "1994-11-23"),
    ("Mira", "Rotasjon", "1988-02-14"),
    ("Lena", "Oppdiktet", "2001-07-30"),
    ("Vera", "Eksempel", "1996-05-09"),
]
NAMES = [name for first, last, _born in PEOPLE for name in (first, last)]


def _register(cast: Cast) -> None:
    ngo, nav = _membership(cast.ngo_worker, cast.ngo), _membership(cast.nav_worker, cast.nav)
    for first, last, born in PEOPLE:
        _case(ngo, {"first_name": first, "last_name": last, "birth_date": born, "gender": "female"})
    _case(nav, {"first_name": "Testa", "last_name": "Persson", "birth_date": "1999-04-01", "gender": "female"})
    _case(nav, {"first_name": "Sentinel", "last_name": "Fiktiv", "gender": "female", "estimated_age": 31})
    police = [
        (Person(names=(first, last), birth_year=int(born[:4]), gender="female"), _categories(nationality="RO"))
        for first, last, born in [*PEOPLE[:4], ("Nina", "Tenkt", "1990-01-01")]
    ]
    services.import_upload(_encoded_file(police), file_name="politi.csv", organisation_name="Politiet", user=None)
    services.refresh_year(YEAR)


def _download(vern: Vern, control: Locator) -> bytes:
    with vern.page.expect_download() as info:
        control.click()
    download: Download = info.value
    return Path(download.path()).read_bytes()


def test_the_statistician_reads_downloads_and_adds_a_file(vern: Vern, cast: Cast) -> None:
    _register(cast)
    vern.log_in(cast.statistician)
    vern.page.locator("a[href='/statistics/']").first.click()
    # Six persons are enough to publish; the headline shows them only if the publication does not hide the total.
    expect(vern.page.get_by_test_id("too-few")).to_have_count(0)
    expect(vern.page.locator("figure.vern-chart svg").first).to_be_visible()
    expect(vern.page.get_by_test_id("statistics-table").first).to_be_visible()
    expect(vern.page.locator("td abbr span[aria-hidden=true]").first).to_have_text(":")  # a small cell, not published
    vern.assert_accessible()

    for file_format, start in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK\x03\x04"), ("pdf", b"%PDF-")):
        data = _download(vern, vern.page.locator(f"a[href$='/{YEAR}/download.{file_format}']"))
        assert data.startswith(start), file_format
        assert not any(name.encode() in data for name in NAMES), file_format

    htcds = vern.page.locator(f"form[action$='/{YEAR}/htcds.csv']")
    htcds.locator("input[name=k]").fill("2")
    htcds.locator("button[type=submit]").click()
    expect(vern.page.get_by_text("k må være minst 11")).to_be_visible()  # refused, with the reason
    htcds = vern.page.locator(f"form[action$='/{YEAR}/htcds.csv']")
    htcds.locator("input[name=k]").fill("11")
    data = _download(vern, htcds.locator("button[type=submit]"))
    assert data.decode("utf-8").splitlines()[0] == ",".join(htcds_columns())
    assert not any(name.encode() in data for name in NAMES)

    vern.page.locator("a[href='/statistics/files/']").click()
    expect(vern.page.get_by_test_id("files")).to_contain_text("politi.csv")
    vern.assert_accessible()
    udi = [
        (Person(names=("Vera", "Eksempel"), gender="female"), _categories(organisation_kind="udi")),
        (Person(names=("Olga", "Oppdiktet"), gender="female"), _categories(nationality="Ukraine")),
    ]
    form = vern.page.locator("form[enctype='multipart/form-data']")
    form.locator("input[name=organisation_name]").fill("UDI")
    upload = FilePayload(name="udi.csv", mimeType="text/csv", buffer=_encoded_file(udi))
    form.locator("input[name=file]").set_input_files(files=[upload])
    form.locator("button[type=submit]").click()
    files = vern.page.get_by_test_id("files")
    expect(files).to_contain_text("udi.csv")
    files.locator("tr", has_text="udi.csv").locator("summary").click()
    expect(
        files.get_by_text("Linje 4: statsborgerskapet «Ukraine» er ikke en landkode på to bokstaver")
    ).to_be_visible()
    vern.assert_accessible()
