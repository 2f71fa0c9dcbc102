from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from accounts.models import User
from demo.seeding import seed_demo
from organisations.models import Membership, Municipality, Organisation

pytestmark = pytest.mark.django_db


def test_it_creates_every_kind_of_organisation_and_every_role() -> None:
    result = seed_demo(seed=7, scale=1)
    assert set(Organisation.objects.values_list("kind", flat=True)) == set(Organisation.Kind.values)
    assert set(Membership.objects.values_list("role", flat=True)) == set(Membership.Role.values)
    assert set(Municipality.objects.values_list("name", flat=True)) == {"Oslo", "Bergen"}
    assert result.users == User.objects.count()
    assert all(user.email.endswith(".invalid") for user in User.objects.all())


def test_every_demo_user_can_log_in_with_the_printed_password_and_has_totp() -> None:
    result = seed_demo(seed=7, scale=1)
    for user in User.objects.all():
        assert user.check_password(result.password)
    assert Authenticator.objects.filter(type=Authenticator.Type.TOTP).count() == User.objects.count()


def test_it_is_deterministic_and_idempotent() -> None:
    first = seed_demo(seed=7, scale=1)
    names = sorted(User.objects.values_list("email", "first_name", "last_name"))
    second = seed_demo(seed=7, scale=1)
    assert first.logins == second.logins
    assert first.password == second.password
    assert sorted(User.objects.values_list("email", "first_name", "last_name")) == names


def test_it_grows_with_scale() -> None:
    seed_demo(seed=7, scale=3)
    assert Municipality.objects.count() == 4
    assert Organisation.objects.filter(municipality__name="Demokommune 2").count() == 11


def test_the_command_prints_the_log_ins() -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "oslo.ngo.saksbehandler@demo.vern.invalid" in out.getvalue()


def test_the_command_rejects_a_bad_scale() -> None:
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "0")


def test_totp_code_refuses_outside_demo_mode() -> None:
    seed_demo(seed=7, scale=1)
    with pytest.raises(CommandError, match="demo mode"):
        call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid")


def test_totp_code_prints_a_code_in_demo_mode(settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    seed_demo(seed=7, scale=1)
    out = StringIO()
    call_command("totp_code", "oslo.ngo.saksbehandler@demo.vern.invalid", stdout=out)
    assert out.getvalue().strip().isdigit()
