"""Testing Ed-Fi API credentials the way the original does (runway-app.md §5.2), with a timeout.

1. GET the base URL (one trailing ``/`` removed); anything but 200 fails.
2. The token URL is the discovery document's ``urls.oauth``, else ``<host>/oauth/token``.
3. POST ``{"grant_type": "client_credentials"}`` as JSON with HTTP Basic ``clientId:clientSecret``; a 200
   with an ``access_token`` is success.

The outcome carries a one-line reason for users; it never contains the secret.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ConnectionResult:
    """``ok`` and, when not, why (for a 400 message)."""

    ok: bool
    reason: str = ""


def check_credentials(
    host: str, client_id: str, client_secret: str, *, timeout: float = DEFAULT_TIMEOUT_SECONDS
) -> ConnectionResult:
    """Whether the credentials obtain a token from the Ed-Fi API at ``host``. Never raises."""
    base = host[:-1] if host.endswith("/") else host
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            discovery = client.get(base)
            if discovery.status_code != 200:
                return ConnectionResult(False, f"the API root answered HTTP {discovery.status_code}")
            token_url = f"{base}/oauth/token"
            try:
                document = discovery.json()
            except ValueError:
                document = None
            if isinstance(document, dict) and isinstance(document.get("urls"), dict):
                oauth = document["urls"].get("oauth")
                if isinstance(oauth, str) and oauth:
                    token_url = oauth
            token = client.post(token_url, json={"grant_type": "client_credentials"}, auth=(client_id, client_secret))
            if token.status_code != 200:
                return ConnectionResult(False, f"the token endpoint answered HTTP {token.status_code}")
            try:
                body = token.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or not body.get("access_token"):
                return ConnectionResult(False, "the token endpoint answered without an access_token")
    except httpx.HTTPError as exc:
        return ConnectionResult(False, f"{type(exc).__name__} while calling the API")
    return ConnectionResult(True)
