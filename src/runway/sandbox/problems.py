"""Error responses in the shapes ODS/API clients parse.

Two profiles (``docs/sandbox.md``):

* ``ods7`` — RFC 9457 problem details as ODS/API 7.2+ returns them: ``detail``, ``type``, ``title``,
  ``status``, ``correlationId`` and, when present, ``validationErrors`` (JSON path → messages) and ``errors``.
  Empty ``validationErrors``/``errors`` are left out so that lightbeam 0.1.12, which reads
  ``validationErrors`` → ``errors`` → ``message`` → ``detail`` in that order, always records a message.
* ``ods5`` — ``{"message": …}`` as ODS/API 5.x–7.1 returns it.

Problem type URNs and titles follow the ODS/API 7.3 error-response knowledge base.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Literal

Profile = Literal["ods7", "ods5"]

# type suffix → title (ODS/API 7.3 error-response knowledge base)
TITLES: dict[str, str] = {
    "urn:ed-fi:api:bad-request": "Bad Request",
    "urn:ed-fi:api:bad-request:data-validation-failed": "Data Validation Failed",
    "urn:ed-fi:api:bad-request:data-validation-failed:key-change-not-supported": "Key Change Not Supported",
    "urn:ed-fi:api:bad-request:parameter-validation-failed": "Parameter Validation Failed",
    "urn:ed-fi:api:security:authentication": "Authentication Failed",
    "urn:ed-fi:api:not-found": "Not Found",
    "urn:ed-fi:api:method-not-allowed": "Method Not Allowed",
    "urn:ed-fi:api:not-acceptable": "Not Acceptable",
    "urn:ed-fi:api:unsupported-media-type": "Unsupported Media Type",
    "urn:ed-fi:api:payload-too-large": "Payload Too Large",
    "urn:ed-fi:api:data-conflict:unresolved-reference": "Unresolved Reference",
    "urn:ed-fi:api:data-conflict:dependent-item-exists": "Dependent Item Exists",
    "urn:ed-fi:api:data-conflict:non-unique-identity": "Identifying Values Are Not Unique",
    "urn:ed-fi:api:optimistic-lock-failed": "Optimistic Lock Failed",
    "urn:ed-fi:api:system-failure": "System Failure",
    "urn:ed-fi:api:service-unavailable": "Service Unavailable",
    "urn:ed-fi:api:too-many-requests": "Too Many Requests",
}


@dataclass
class Problem(Exception):
    """An error answer: HTTP ``status``, problem ``type`` URN and a human ``detail``.

    ``validation_errors`` maps JSON paths (``$.studentReference.studentUniqueId``) to messages.
    """

    status: int
    type: str
    detail: str
    validation_errors: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status} {self.type}: {self.detail}"

    def body(self, profile: Profile) -> bytes:
        """The JSON body for ``profile``."""
        if profile == "ods5":
            parts = [self.detail]
            for path, messages in self.validation_errors.items():
                parts.extend(f"{path}: {m}" for m in messages)
            parts.extend(self.errors)
            return json.dumps({"message": "\n".join(parts)}).encode()
        document: dict[str, object] = {
            "detail": self.detail,
            "type": self.type,
            "title": TITLES.get(self.type, "Error"),
            "status": self.status,
            "correlationId": uuid.uuid4().hex,
        }
        if self.validation_errors:
            document["validationErrors"] = self.validation_errors
        if self.errors:
            document["errors"] = self.errors
        return json.dumps(document).encode()


def validation_failed(errors: dict[str, list[str]]) -> Problem:
    """400 ``data-validation-failed`` with per-path messages."""
    return Problem(
        400,
        "urn:ed-fi:api:bad-request:data-validation-failed",
        "Data validation failed. See 'validationErrors' for details.",
        validation_errors=errors,
    )


def bad_request(message: str) -> Problem:
    """400 ``bad-request`` for a request that is unusable as a whole (empty or malformed body)."""
    return Problem(
        400,
        "urn:ed-fi:api:bad-request",
        "The request could not be processed. See 'errors' for details.",
        errors=[message],
    )


def parameter_failed(name: str, message: str) -> Problem:
    """400 ``parameter-validation-failed`` for a bad query parameter."""
    return Problem(
        400,
        "urn:ed-fi:api:bad-request:parameter-validation-failed",
        "Parameter validation failed. See 'validationErrors' for details.",
        validation_errors={name: [message]},
    )


def not_found(detail: str = "The specified data could not be found.") -> Problem:
    """404 ``not-found``."""
    return Problem(404, "urn:ed-fi:api:not-found", detail)


def method_not_allowed(detail: str, allow: str) -> Problem:
    """405 ``method-not-allowed`` with the methods the path accepts."""
    return Problem(405, "urn:ed-fi:api:method-not-allowed", detail, headers={"Allow": allow})


def unauthorized(detail: str) -> Problem:
    """401 for a missing, malformed, expired or revoked bearer token."""
    return Problem(401, "urn:ed-fi:api:security:authentication", detail, headers={"WWW-Authenticate": "Bearer"})
