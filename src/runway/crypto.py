"""Authenticated encryption of secrets at rest (ODS client secrets), with key rotation.

Scheme: AES-256-GCM (``cryptography``), a fresh 96-bit nonce per value. A token is the text
``v1.<key id>.<base64url(nonce || ciphertext || tag)>``; the key id is the first 8 characters of the
base64url SHA-256 of the key, and ``v1.<key id>`` is authenticated as associated data, so changing any part
of a token makes decryption fail. New values use the current key (``RUNWAY_ENCRYPTION_KEY``); old keys
(``RUNWAY_ENCRYPTION_OLD_KEYS``) only decrypt. Rotation is described in ``docs/configuration.md``.

The original app used unauthenticated AES-256-CBC (runway-app.md §10.2); a flipped bit there decrypts to
garbage silently, here it raises ``DecryptionError``. Nothing in this module logs or echoes a plaintext or a
key; error messages name key ids only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from runway.settings import Settings, decode_key

log = logging.getLogger(__name__)

VERSION = "v1"
_NONCE_BYTES = 12


class DecryptionError(Exception):
    """A token cannot be decrypted: malformed, tampered with, or made with a key that is not configured."""


class KeyConfigurationError(ValueError):
    """No usable current key: production without ``RUNWAY_ENCRYPTION_KEY``, or a damaged development key file."""


def generate_key() -> str:
    """A new random 32-byte key as URL-safe base64 (the form ``RUNWAY_ENCRYPTION_KEY`` takes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def key_id(key: bytes) -> str:
    """Short public identifier of a key (8 base64url characters of its SHA-256); safe to log."""
    return base64.urlsafe_b64encode(hashlib.sha256(key).digest()).decode("ascii")[:8]


@dataclass(frozen=True)
class Keyring:
    """The current key (encrypts and decrypts) and old keys (decrypt only), each 32 raw bytes."""

    current: bytes = field(repr=False)
    old: tuple[bytes, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        for key in (self.current, *self.old):
            if len(key) != 32:
                raise ValueError("encryption keys must be 32 bytes")

    @property
    def current_id(self) -> str:
        return key_id(self.current)

    def encrypt(self, plaintext: str) -> str:
        """The token for ``plaintext`` under the current key; a new random nonce each call."""
        header = f"{VERSION}.{self.current_id}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.current).encrypt(nonce, plaintext.encode("utf-8"), header.encode("ascii"))
        body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
        return f"{header}.{body}"

    def decrypt(self, token: str) -> str:
        """The plaintext of a token made by ``encrypt`` with the current or an old key.

        Raises:
            DecryptionError: the token is malformed, names a key id that is not configured, or fails
                authentication (tampered with).
        """
        version, kid, body = _split(token)
        key = self._key_by_id(kid)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError):
            raise DecryptionError("encrypted value is malformed (its body is not base64url)") from None
        if len(raw) < _NONCE_BYTES + 16:
            raise DecryptionError("encrypted value is malformed (too short)")
        try:
            plain = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], f"{version}.{kid}".encode("ascii"))
        except InvalidTag:
            raise DecryptionError(f"encrypted value failed authentication (key id {kid}): it was altered") from None
        return plain.decode("utf-8")

    def needs_reencryption(self, token: str) -> bool:
        """Whether ``token`` was made with a key other than the current one (so rotation should rewrite it)."""
        return _split(token)[1] != self.current_id

    def _key_by_id(self, kid: str) -> bytes:
        for key in (self.current, *self.old):
            if key_id(key) == kid:
                return key
        raise DecryptionError(
            f"encrypted with key id {kid}, which is neither RUNWAY_ENCRYPTION_KEY nor in RUNWAY_ENCRYPTION_OLD_KEYS"
        )


def _split(token: str) -> tuple[str, str, str]:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION or not parts[1] or not parts[2]:
        raise DecryptionError(f"encrypted value is malformed (expected {VERSION}.<key id>.<data>)")
    return parts[0], parts[1], parts[2]


def keyring_from_settings(settings: Settings) -> Keyring:
    """The keyring of ``settings``; in development without ``encryption_key``, the key kept in
    ``settings.dev_key_file``, generated (mode 0600) on first use.

    Raises:
        KeyConfigurationError: production without ``encryption_key`` (``Settings`` already refuses this), or
            a development key file whose content is not a key.
    """
    old = tuple(decode_key(key.get_secret_value()) for key in settings.encryption_old_keys)
    if settings.encryption_key is not None:
        return Keyring(decode_key(settings.encryption_key.get_secret_value()), old)
    if not settings.is_development:
        raise KeyConfigurationError("RUNWAY_ENCRYPTION_KEY is required when RUNWAY_ENVIRONMENT=production")
    return Keyring(_dev_key(settings), old)


def _dev_key(settings: Settings) -> bytes:
    path = settings.dev_key_file
    if not path.exists():
        _create_key_file(path)
    try:
        return decode_key(path.read_text(encoding="ascii"))
    except ValueError as exc:
        raise KeyConfigurationError(
            f"{path} does not hold an encryption key: it {exc}; delete it (secrets encrypted with it are lost) "
            "or set RUNWAY_ENCRYPTION_KEY"
        ) from None


def _create_key_file(path: Path) -> None:
    # Written to a private temporary file, then linked into place: a concurrent process either sees no
    # file or a complete one, and only one key ever wins.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".encryption.key.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(generate_key() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            return
    finally:
        os.unlink(tmp)
    log.warning("Generated a development encryption key in %s (set RUNWAY_ENCRYPTION_KEY in production)", path)
