"""Authenticated envelope encryption and keyed blind indexes for identifying data.

Every value gets its own random data key (AES-256-GCM); the data key is wrapped
with a key-encryption key from the settings (`VERN_ENCRYPTION_KEYS`, the first
one active, older ones kept for decryption until rotation has run). The
associated data binds a ciphertext to its row and field group, so a ciphertext
copied to another case does not decrypt.

Token: ``v1.<key id>.<b64 wrap nonce + wrapped data key>.<b64 nonce + ciphertext>``.

Exact-match search uses a blind index: HMAC-SHA256 under a separate key
(`VERN_BLIND_INDEX_KEY`) of the normalised value, so the database never needs
to decrypt a table to find a person, and a dump alone reveals nothing.
"""

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"


class DecryptionError(Exception):
    """A value could not be decrypted: unknown key, wrong row, or tampered data."""


@dataclass(frozen=True)
class KeyRing:
    keys: dict[str, bytes]  # key id -> 32-byte key-encryption key
    active_id: str

    @classmethod
    def parse(cls, spec: str) -> "KeyRing":
        """Parse ``id:base64key,id:base64key``; the first key is the active one."""
        keys: dict[str, bytes] = {}
        for item in filter(None, (part.strip() for part in spec.split(","))):
            key_id, _, encoded = item.partition(":")
            try:
                key = _unb64(encoded)
            except ValueError:
                key = b""
            if not key_id.isalnum() or len(key) != 32:
                raise ImproperlyConfigured(
                    "Each encryption key must be `id:base64` with an alphanumeric id and 32 bytes."
                )
            keys[key_id] = key
        if not keys:
            raise ImproperlyConfigured("VERN_ENCRYPTION_KEYS holds no key.")
        return cls(keys=keys, active_id=next(iter(keys)))


def new_key_spec(key_id: str) -> str:
    """A fresh key in the settings format, for set-up scripts and tests."""
    return f"{key_id}:{base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip('=')}"


def keyring() -> KeyRing:
    return KeyRing.parse(settings.VERN_ENCRYPTION_KEYS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(plaintext: bytes, *, aad: str, ring: KeyRing | None = None) -> str:
    ring = ring or keyring()
    data_key = AESGCM.generate_key(bit_length=256)
    nonce, wrap_nonce = os.urandom(12), os.urandom(12)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, aad.encode())
    wrapped = AESGCM(ring.keys[ring.active_id]).encrypt(wrap_nonce, data_key, f"dek:{ring.active_id}".encode())
    return ".".join([VERSION, ring.active_id, _b64(wrap_nonce + wrapped), _b64(nonce + ciphertext)])


def decrypt(token: str, *, aad: str, ring: KeyRing | None = None) -> bytes:
    ring = ring or keyring()
    try:
        version, key_id, wrapped_part, data_part = token.split(".")
        if version != VERSION or key_id not in ring.keys:
            raise DecryptionError("unknown format or key")
        wrapped, data = _unb64(wrapped_part), _unb64(data_part)
        data_key = AESGCM(ring.keys[key_id]).decrypt(wrapped[:12], wrapped[12:], f"dek:{key_id}".encode())
        return AESGCM(data_key).decrypt(data[:12], data[12:], aad.encode())
    except (ValueError, InvalidTag) as error:
        raise DecryptionError("the value does not decrypt") from error


def key_id_of(token: str) -> str:
    return token.split(".")[1]


def encrypt_json(value: dict[str, Any], *, aad: str, ring: KeyRing | None = None) -> str:
    return encrypt(json.dumps(value, sort_keys=True, ensure_ascii=False).encode(), aad=aad, ring=ring)


def decrypt_json(token: str, *, aad: str, ring: KeyRing | None = None) -> dict[str, Any]:
    value = json.loads(decrypt(token, aad=aad, ring=ring))
    if not isinstance(value, dict):
        raise DecryptionError("not a field group")
    return value


def normalise_for_index(value: str) -> str:
    """Case, accents and spacing do not matter for an exact-match search: 'Ånes  Marí' = 'anes mari'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.replace("ø", "o").replace("æ", "ae").replace("ß", "ss").split())


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised value; `purpose` separates indexes (name, birth date) from each other."""
    key = _unb64(settings.VERN_BLIND_INDEX_KEY)
    message = f"{purpose}\x00{normalise_for_index(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
