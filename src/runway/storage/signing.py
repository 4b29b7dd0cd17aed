"""Short-lived signed URLs for the local storage backend: the app signs and later verifies them itself.

A token is ``<base64url(JSON claims)>.<base64url(HMAC-SHA256)>``. The claims bind the HTTP method (``m``),
the storage key (``k``) and the expiry (``exp``, Unix seconds); upload tokens also bind the allowed
content type (``ct``, optional) and the size limit (``max``); download tokens may carry the file name the
browser should save (``fn``). Changing any byte of the token breaks the signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from runway.errors import Forbidden

Method = Literal["GET", "PUT"]


class SignatureError(Forbidden):
    """A signed URL token that is malformed, tampered with, expired or used with the wrong method (403)."""


@dataclass(frozen=True)
class SignedGrant:
    """What a verified token allows: ``method`` on ``key`` until ``expires_at``; upload limits; file name."""

    method: Method
    key: str
    expires_at: int
    content_type: str | None = None
    max_bytes: int | None = None
    file_name: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    """Signs and verifies storage grants with a 32-byte key (``runway.keys.derive_key(..., "storage-url")``)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, grant: SignedGrant) -> str:
        """The token for ``grant``."""
        claims: dict[str, Any] = {"m": grant.method, "k": grant.key, "exp": grant.expires_at}
        for name, value in (("ct", grant.content_type), ("max", grant.max_bytes), ("fn", grant.file_name)):
            if value is not None:
                claims[name] = value
        body = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def verify(self, token: str, method: Method, *, now: float | None = None) -> SignedGrant:
        """The grant in ``token`` when its signature is good, it is not expired, and it was made for ``method``.

        Raises:
            SignatureError: otherwise, with a message that says which rule failed.
        """
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(body)):
            raise SignatureError("Invalid signature: the link was altered or is not a Runway link")
        try:
            claims = json.loads(_unb64(body))
            grant = SignedGrant(
                method=claims["m"],
                key=claims["k"],
                expires_at=int(claims["exp"]),
                content_type=claims.get("ct"),
                max_bytes=claims.get("max"),
                file_name=claims.get("fn"),
            )
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise SignatureError("Invalid signature: the link is malformed") from None
        if grant.method != method:
            raise SignatureError(f"This link allows {grant.method}, not {method}")
        if (time.time() if now is None else now) >= grant.expires_at:
            raise SignatureError("This link has expired; ask for a new one")
        return grant

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())
