"""Re-encrypt every encrypted value under the active key, and prove it by decrypting.

Run after putting a new key first in VERN_ENCRYPTION_KEYS (keep the old ones
until this has finished); then the old keys can be removed.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
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


def rotate_all(*, ring: crypto.KeyRing | None = None) -> RotationResult:
    """Field groups and TOTP secrets; each batch in its own transaction, so a crash loses nothing."""
    ring = ring or crypto.keyring()
    result = RotationResult()
    record_ids = list(FieldGroupRecord.objects.order_by("pk").values_list("pk", flat=True))
    for records in _batches(record_ids, lambda ids: list(FieldGroupRecord.objects.filter(pk__in=ids))):
        with transaction.atomic():
            for record in records:
                if crypto.key_id_of(record.ciphertext) == ring.active_id:
                    result.already_current += 1
                    continue
                record.ciphertext = _rotate_token(record.ciphertext, aad=record.associated_data, ring=ring)
                FieldGroupRecord.objects.filter(pk=record.pk).update(ciphertext=record.ciphertext)
                result.rotated += 1
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
