"""Error pages: in Vern's design, in bokmål, revealing nothing internal."""

from unittest import mock

import pytest
from django.test import Client

from tests.conftest import Cast
from tests.helpers import client_acting_in

pytestmark = pytest.mark.django_db


def test_404_is_designed_and_reveals_nothing(cast: Cast) -> None:
    response = client_acting_in(cast.ngo_worker, cast.ngo).get("/no/such/page/")
    assert response.status_code == 404
    assert "Vi fant ikke siden" in response.text
    assert "Traceback" not in response.text
    assert "urlpatterns" not in response.text


def test_500_is_designed_and_reveals_nothing(cast: Cast) -> None:
    client = client_acting_in(cast.ngo_worker, cast.ngo)
    client.raise_request_exception = False
    with mock.patch("home.views.render", side_effect=RuntimeError("secret internal detail")):
        response = client.get("/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


def test_csrf_failure_explains_what_to_do(cast: Cast) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x@test.vern.invalid", "password": "y"})
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.text or "utløpt" in response.text


def test_the_admin_login_goes_through_vern_login() -> None:
    response = Client().get("/system-admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_admin_is_closed_to_non_staff(cast: Cast) -> None:
    response = client_acting_in(cast.ngo_admin, cast.ngo).get("/system-admin/")
    assert response.status_code == 302
