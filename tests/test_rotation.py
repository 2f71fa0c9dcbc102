"""Key rotation re-encrypts everything under the new key and proves it by decrypting."""

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command

from accounts.totp import totp_code
from cases import services
from cases.access import get_case_for
from cases.models import FieldGroup, FieldGroupRecord
from core import crypto
from organisations.models import Membership
from tests.conftest import Cast
from tests.factories import totp_secret_of

pytestmark = pytest.mark.django_db


def test_it_re_encrypts_field_groups_and_totp_secrets_under_the_new_key(cast: Cast, settings: Any) -> None:
    worker = Membership.objects.select_related("user", "organisation").get(user=cast.ngo_worker)
    case = services.create_case(membership=worker, municipality=cast.oslo)
    services.save_field_group(
        access=get_case_for(worker, case.code),
        membership=worker,
        group=FieldGroup.IDENTITY,
        data={"first_name": "Rotasjon"},
        expected_version=case.version,
    )
    old_key = crypto.keyring().active_id
    settings.VERN_ENCRYPTION_KEYS = f"{crypto.new_key_spec('new2')},{settings.VERN_ENCRYPTION_KEYS}"

    call_command("rotate_encryption_keys")

    record = FieldGroupRecord.objects.get(case=case)
    assert crypto.key_id_of(record.ciphertext) == "new2"
    secrets = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("data", flat=True)
    assert {crypto.key_id_of(data["secret"]) for data in secrets} == {"new2"}
    # The old key can now be removed: everything still decrypts.
    settings.VERN_ENCRYPTION_KEYS = settings.VERN_ENCRYPTION_KEYS.split(",")[0]
    assert old_key not in settings.VERN_ENCRYPTION_KEYS
    assert services.read_field_groups(access=get_case_for(worker, case.code), membership=worker) == {
        "identity": {"first_name": "Rotasjon"}
    }
    from allauth.mfa.totp.internal.auth import TOTP

    totp = TOTP(Authenticator.objects.get(user=cast.ngo_worker, type=Authenticator.Type.TOTP))
    assert totp.validate_code(totp_code(totp_secret_of(cast.ngo_worker)))


def test_running_it_twice_changes_nothing_the_second_time(cast: Cast, capsys: Any) -> None:
    call_command("rotate_encryption_keys")
    assert "Re-encrypted and verified 0 values" in capsys.readouterr().out


def test_totp_secrets_are_not_stored_in_the_clear(cast: Cast) -> None:
    stored = Authenticator.objects.get(user=cast.ngo_worker, type=Authenticator.Type.TOTP).data["secret"]
    assert stored != totp_secret_of(cast.ngo_worker)
    assert stored.startswith("v1.")
