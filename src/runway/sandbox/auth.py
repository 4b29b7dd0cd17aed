"""OAuth2 client-credentials tokens, as the ODS/API issues them (opaque bearer tokens with a lifetime).

Tokens live in memory: after a restart clients get 401 and fetch a new token, which lightbeam does by
itself.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from dataclasses import dataclass

from runway.sandbox.config import Client


@dataclass
class Token:
    """An issued access token."""

    value: str
    client_key: str
    expires_at: float


class TokenIssuer:
    """Checks client credentials and issues and verifies bearer tokens."""

    def __init__(self, clients: list[Client], lifetime: int) -> None:
        self._secrets = {c.key: c.secret for c in clients}
        self.lifetime = lifetime
        self._tokens: dict[str, Token] = {}

    def authenticate(self, key: str | None, secret: str | None) -> bool:
        """True when ``key``/``secret`` belong to a configured client (constant-time compare)."""
        if not key or secret is None:
            return False
        expected = self._secrets.get(key)
        return expected is not None and hmac.compare_digest(expected.encode(), secret.encode())

    def issue(self, client_key: str) -> Token:
        """A new token for an authenticated client."""
        token = Token(secrets.token_hex(16), client_key, time.monotonic() + self.lifetime)
        self._tokens[token.value] = token
        if len(self._tokens) > 10_000:
            self._drop_expired()
        return token

    def verify(self, value: str) -> Token | None:
        """The live token with this value, or None (unknown, revoked or expired)."""
        token = self._tokens.get(value)
        if token is None:
            return None
        if token.expires_at <= time.monotonic():
            del self._tokens[value]
            return None
        return token

    def revoke_all(self) -> int:
        """Invalidate every issued token (a test hook); returns how many were live."""
        count = len(self._tokens)
        self._tokens.clear()
        return count

    def _drop_expired(self) -> None:
        now = time.monotonic()
        for value in [v for v, t in self._tokens.items() if t.expires_at <= now]:
            del self._tokens[value]


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``Authorization: Basic base64(key:secret)`` → (key, secret); None when absent or malformed."""
    if not header or header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    key, sep, secret = decoded.partition(":")
    return (key, secret) if sep else None
