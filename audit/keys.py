"""The access log's key (VERN_AUDIT_KEY): HMACs for the entries' hashes and the checkpoints' signatures.

The key lives outside the database, like the encryption keys: whoever can write
the database but not read the key can neither forge an entry nor re-sign a
checkpoint. Every use is domain-separated by a label inside the message
("vern-access-v2", "vern-checkpoint-v1", "vern-audit-key-id").
"""

import base64
import binascii
import hashlib
import hmac
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Shorter keys would make the HMAC easier to guess than the SHA-256 it replaced.
AUDIT_KEY_BYTES = 32


@cache
def _hasher(key: str) -> "hmac.HMAC":
    """An HMAC-SHA256 under `key`, to be copied per message: the key is decoded once, not per entry."""
    try:
        raw = base64.urlsafe_b64decode(key)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured("VERN_AUDIT_KEY must be base64.") from None
    if len(raw) < AUDIT_KEY_BYTES:
        raise ImproperlyConfigured(f"VERN_AUDIT_KEY must be at least {AUDIT_KEY_BYTES} bytes.")
    return hmac.new(raw, digestmod=hashlib.sha256)


def keyed_digest(message: bytes) -> str:
    """HMAC-SHA256 of `message` under VERN_AUDIT_KEY, in hex."""
    hasher = _hasher(settings.VERN_AUDIT_KEY).copy()
    hasher.update(message)
    return hasher.hexdigest()


def key_id() -> str:
    """A short name for the current key that reveals nothing of it: checkpoints say which key signed them."""
    return keyed_digest(b"vern-audit-key-id")[:16]
