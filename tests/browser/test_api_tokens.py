"""Scenario: a caseworker creates an API token, copies the key shown once, and revokes the token.

Selectors avoid the button texts, which are translated separately.
"""

import pytest
from playwright.sync_api import expect

from accounts.models import ApiToken
from tests.browser.conftest import Vern
from tests.conftest import Cast
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_creating_and_revoking_an_api_token(vern: Vern, cast: Cast) -> None:
    vern.log_in(cast.ngo_worker)
    vern.go("/account/security/")
    vern.assert_accessible()
    vern.page.locator("a[href='/account/api-tokens/']").click()
    vern.assert_accessible()

    vern.page.locator("form.vern-form button[type=submit]").click()  # no name: explained, nothing created
    # A token outlives the session and skips MFA: Vern asks for the password again first.
    vern.page.locator("input[name=password]").fill(PASSWORD)
    vern.assert_accessible()
    vern.page.locator("form.vern-form button[type=submit]").click()
    expect(vern.page.locator(".ds-validation-message")).to_be_visible()
    vern.assert_accessible()
    vern.page.locator("form.vern-form input[name=name]").fill("Statistikkeksport")
    vern.page.locator("form.vern-form button[type=submit]").click()
    key = vern.page.locator("#new-api-key").input_value()
    assert key.startswith("vern_")
    vern.assert_accessible()

    vern.go("/account/api-tokens/")
    expect(vern.page.locator("#new-api-key")).to_have_count(0)
    expect(vern.page.locator("table")).to_contain_text("Statistikkeksport")
    vern.page.locator("table form button[type=submit]").click()
    vern.assert_accessible()
    assert ApiToken.objects.get().revoked_at is not None
