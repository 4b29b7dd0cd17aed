"""Keys the app signs with (executor JWTs, signed storage URLs), each derived for one purpose.

The root is ``settings.signing_key`` when set, otherwise the current encryption key (so a fresh development
machine and a production deployment with only ``RUNWAY_ENCRYPTION_KEY`` both work). Each purpose gets its own
HMAC-SHA256 derivation, so a storage URL signature can never be replayed as a JWT signature or vice versa.
Changing the root (or rotating the encryption key without a ``signing_key``) invalidates outstanding tokens
and URLs, which all live hours at most.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

from runway.crypto import keyring_from_settings
from runway.settings import Settings

Purpose = Literal["executor-jwt", "storage-url", "session-cookie"]


def derive_key(settings: Settings, purpose: Purpose) -> bytes:
    """The 32-byte key for ``purpose``.

    Raises:
        runway.crypto.KeyConfigurationError: no ``signing_key`` and the encryption key is unusable.
    """
    if settings.signing_key is not None:
        root = settings.signing_key.get_secret_value().encode("utf-8")
    else:
        root = keyring_from_settings(settings).current
    return hmac.new(root, f"runway:{purpose}:v1".encode("ascii"), hashlib.sha256).digest()
