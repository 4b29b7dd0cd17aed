"""The storage protocol every backend implements (local directory now; S3 is a later issue)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, Protocol

from runway.errors import NotFound


class ObjectNotFound(NotFound):
    """No object is stored under the key (404)."""


class Storage(Protocol):
    """Objects addressed by ``/``-separated keys (``runway.storage.keys.check_key`` rules).

    Signed URLs are absolute and short-lived: an upload URL accepts one ``PUT`` of at most ``max_bytes``
    (with ``content_type`` when given); a download URL one or more ``GET`` s, saved as ``file_name``.
    """

    def put(self, key: str, data: bytes | BinaryIO | Iterable[bytes], *, content_type: str | None = None) -> int:
        """Store ``data`` under ``key`` (replacing any object there) and return its size in bytes."""
        ...

    def get(self, key: str) -> bytes:
        """The object's bytes. Raises ``ObjectNotFound``."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key that starts with ``prefix``, recursively, sorted (``""`` lists everything)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    def signed_upload_url(
        self, key: str, *, content_type: str | None = None, max_bytes: int | None = None, expires_in: int | None = None
    ) -> str:
        """An absolute URL that accepts one ``PUT`` of the object's bytes."""
        ...

    def signed_download_url(self, key: str, *, file_name: str | None = None, expires_in: int | None = None) -> str:
        """An absolute URL that answers ``GET`` with the object (``Content-Disposition`` names ``file_name``)."""
        ...
