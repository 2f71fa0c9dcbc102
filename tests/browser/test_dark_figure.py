"""The national statistician estimates the dark figure from linked registrations: axe-core clean."""

import pytest
from playwright.sync_api import expect

from linkage.encoding import Person
from national_statistics import services
from tests.browser.conftest import Vern
from tests.browser.test_national_statistics import PEOPLE, _register
from tests.conftest import Cast
from tests.test_national_statistics import YEAR, _categories, _encoded_file

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_statistician_chooses_lists_and_a_year_and_reads_the_estimate(vern: Vern, cast: Cast) -> None:
    udi = [
        (Person(names=(first, last), birth_year=int(born[:4]), gender="female"), _categories(organisation_kind="udi"))
        for first, last, born in [*PEOPLE[1:], ("Kaja", "Uttenkt", "1993-03-03")]
    ]
    services.import_upload(_encoded_file(udi), file_name="udi.csv", organisation_name="UDI", user=None)
    _register(cast)  # the NGO, NAV and the police; links the year
    vern.log_in(cast.statistician)
    vern.go("/statistics/")
    vern.page.locator("a[href='/statistics/dark-figure/']").click()
    expect(vern.page.locator("select[name=year]")).to_have_value(str(YEAR))
    expect(vern.page.locator("#table-capture")).to_be_visible()
    vern.assert_accessible()

    # Everything merged into two lists: fewer than three lists is refused, with the reason and no number.
    selects = vern.page.locator("select[name^=list_]")
    for index in range(selects.count()):
        selects.nth(index).select_option("A" if index == 0 else "B")
    vern.page.get_by_role("button", name="Anslå").click()
    expect(vern.page.get_by_test_id("no-estimate")).to_contain_text("minst tre lister")
    vern.assert_accessible()

    # Each kind its own list again, with the linkage check.
    for index in range(selects.count()):
        selects.nth(index).select_option("ABCDEFGH"[index])
    vern.page.locator("#linkage").check()
    vern.page.get_by_role("button", name="Anslå").click()
    expect(vern.page.get_by_test_id("models")).to_be_visible()
    expect(vern.page.get_by_test_id("sensitivity")).to_contain_text("0,20")
    vern.assert_accessible()
