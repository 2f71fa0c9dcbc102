"""Re-encrypt every encrypted value under the active key, and prove it by decrypting.

Run after putting a new key first in VERN_ENCRYPTION_KEYS (keep the old ones
until this has finished); then the old keys can be removed.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.db import transaction

from accounts.adapter import TOTP_ASSOCIATED_DATA
from cases.models import FieldGroupRecord
from core import crypto

BATCH = 500


@dataclass
class RotationResult:
    rotated: int = 0
    already_current: int = 0


def _rotate_token(token: str, *, aad: str, ring: crypto.KeyRing) -> str:
    plaintext = crypto.decrypt(token, aad=aad, ring=ring)
    fresh = crypto.encrypt(plaintext, aad=aad, ring=ring)
    if crypto.decrypt(fresh, aad=aad, ring=ring) != plaintext:  # the proof, before anything is written
        raise crypto.DecryptionError("re-encrypted value does not decrypt to the original")
    return fresh


def _batches[T](ids: list[int], load: Callable[[list[int]], list[T]]) -> Iterator[list[T]]:
    for start in range(0, len(ids), BATCH):
        yield load(ids[start : start + BATCH])


def encrypted_row_models() -> list[Any]:
    """Models whose rows hold one `ciphertext` bound to the row's `associated_data`.

    FieldGroupRecord, and every model that says `encrypted_at_rest = True` (meeting minutes…).
    """
    return [FieldGroupRecord, *(model for model in apps.get_models() if getattr(model, "encrypted_at_rest", False))]


def _rotate_rows(model: Any, *, ring: crypto.KeyRing, result: RotationResult) -> None:
    record_ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    for records in _batches(record_ids, lambda ids: list(model.objects.filter(pk__in=ids))):
        with transaction.atomic():
            for record in records:
                if crypto.key_id_of(record.ciphertext) == ring.active_id:
                    result.already_current += 1
                    continue
                record.ciphertext = _rotate_token(record.ciphertext, aad=record.associated_data, ring=ring)
                model.objects.filter(pk=record.pk).update(ciphertext=record.ciphertext)
                result.rotated += 1


def rotate_all(*, ring: crypto.KeyRing | None = None) -> RotationResult:
    """Encrypted rows and TOTP secrets; each batch in its own transaction, so a crash loses nothing."""
    ring = ring or crypto.keyring()
    result = RotationResult()
    for model in encrypted_row_models():
        _rotate_rows(model, ring=ring, result=result)
    totp_ids = list(Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list("pk", flat=True))
    for authenticators in _batches(totp_ids, lambda ids: list(Authenticator.objects.filter(pk__in=ids))):
        with transaction.atomic():
            for authenticator in authenticators:
                secret = authenticator.data["secret"]
                if crypto.key_id_of(secret) == ring.active_id:
                    result.already_current += 1
                    continue
                authenticator.data["secret"] = _rotate_token(secret, aad=TOTP_ASSOCIATED_DATA, ring=ring)
                authenticator.save(update_fields=["data"])
                result.rotated += 1
    return result
