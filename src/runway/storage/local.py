"""The local-directory backend: objects are files under ``root``; the app itself serves the signed URLs
(``runway.storage.routes``).

Writes go to a temporary file in the target folder and are renamed into place, so a reader never sees a
half-written object and a failed upload leaves nothing behind. The content type and file name of an
object are kept in ``<root>/.runway-meta/<key>.json``. Every key goes through ``check_key`` and the resolved
path is checked to lie inside ``root`` (symlinks included), so no key can escape the root.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from runway.errors import TooLarge
from runway.storage.base import ObjectNotFound
from runway.storage.keys import RESERVED_PREFIX, InvalidKey, check_key, check_prefix
from runway.storage.signing import SignedGrant, UrlSigner


class _Writer:
    """Writes chunks to an open file, counting bytes; ``TooLarge`` past ``max_bytes``."""

    def __init__(self, handle: BinaryIO, max_bytes: int | None) -> None:
        self.handle = handle
        self.max_bytes = max_bytes
        self.size = 0

    def __call__(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_bytes is not None and self.size > self.max_bytes:
            raise TooLarge(f"The file is larger than the limit of {self.max_bytes} bytes")
        self.handle.write(chunk)


CHUNK_BYTES = 1024 * 1024
UPLOAD_PATH = "/api/storage/upload"
DOWNLOAD_PATH = "/api/storage/download"


class LocalStorage:
    """``runway.storage.base.Storage`` on a directory; URLs point at ``base_url`` + the storage routes."""

    def __init__(
        self, root: Path, signer: UrlSigner, base_url: str, *, default_ttl: int, max_upload_bytes: int
    ) -> None:
        self.root = root.resolve()
        self.signer = signer
        self.base_url = base_url.rstrip("/")
        self.default_ttl = default_ttl
        self.max_upload_bytes = max_upload_bytes

    # -- paths -------------------------------------------------------------------------------------------

    def path_for(self, key: str) -> Path:
        """The file of ``key`` under the root.

        Raises:
            InvalidKey: the key is unsafe, or resolves (e.g. through a symlink) outside the root.
        """
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise InvalidKey(f"Invalid storage key {key[:80]!r}: it leaves the storage folder")
        return path

    def _meta_path(self, key: str) -> Path:
        return self.root / RESERVED_PREFIX / f"{check_key(key)}.json"

    def metadata(self, key: str) -> dict[str, Any]:
        """``{"content_type"?: str}`` recorded when the object was written (``{}`` when none)."""
        try:
            loaded: dict[str, Any] = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return loaded

    # -- protocol ----------------------------------------------------------------------------------------

    def put(self, key: str, data: bytes | BinaryIO | Iterable[bytes], *, content_type: str | None = None) -> int:
        """See ``Storage.put``; raises ``InvalidKey`` for an unsafe key."""
        return self.write_stream(key, _chunks(data), content_type=content_type, max_bytes=None)

    def write_stream(
        self, key: str, chunks: Iterable[bytes], *, content_type: str | None, max_bytes: int | None
    ) -> int:
        """Write ``chunks`` to ``key`` atomically and return the size.

        Raises:
            InvalidKey: unsafe key.
            TooLarge: more than ``max_bytes`` arrived; nothing is stored.
        """
        with self._atomic_write(key, content_type, max_bytes) as write:
            for chunk in chunks:
                write(chunk)
        return write.size

    async def write_async_stream(
        self, key: str, chunks: AsyncIterable[bytes], *, content_type: str | None, max_bytes: int | None
    ) -> int:
        """``write_stream`` for an async source (a request body); same errors, same atomicity."""
        with self._atomic_write(key, content_type, max_bytes) as write:
            async for chunk in chunks:
                write(chunk)
        return write.size

    @contextlib.contextmanager
    def _atomic_write(self, key: str, content_type: str | None, max_bytes: int | None) -> Iterator[_Writer]:
        """A temp file beside ``key`` that replaces it only when the block ends without error."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                writer = _Writer(handle, max_bytes)
                yield writer
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._write_meta(key, {"content_type": content_type} if content_type else {})

    def _write_meta(self, key: str, meta: dict[str, Any]) -> None:
        meta_path = self._meta_path(key)
        if not meta:
            meta_path.unlink(missing_ok=True)
            return
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_path.write_text(json.dumps(meta), encoding="utf-8")

    def get(self, key: str) -> bytes:
        """See ``Storage.get``."""
        path = self.path_for(key)
        if not path.is_file():
            raise ObjectNotFound(f"File not found: {key}")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        """See ``Storage.exists``."""
        return self.path_for(key).is_file()

    def list(self, prefix: str) -> list[str]:
        """See ``Storage.list``; temporary upload files and metadata are never listed."""
        check_prefix(prefix)
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / folder if folder else self.root
        if not start.is_dir():
            return []
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            here = Path(dirpath)
            if here == self.root:
                dirnames[:] = [name for name in dirnames if name != RESERVED_PREFIX]
            for name in filenames:
                if name.startswith(".upload-"):
                    continue
                key = (here / name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete(self, key: str) -> None:
        """See ``Storage.delete``."""
        self.path_for(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)

    def signed_upload_url(
        self, key: str, *, content_type: str | None = None, max_bytes: int | None = None, expires_in: int | None = None
    ) -> str:
        """See ``Storage.signed_upload_url``; ``max_bytes`` defaults to ``max_upload_bytes``."""
        grant = SignedGrant(
            method="PUT",
            key=check_key(key),
            expires_at=self._expiry(expires_in),
            content_type=content_type,
            max_bytes=self.max_upload_bytes if max_bytes is None else max_bytes,
        )
        return f"{self.base_url}{UPLOAD_PATH}?token={quote(self.signer.sign(grant))}"

    def signed_download_url(self, key: str, *, file_name: str | None = None, expires_in: int | None = None) -> str:
        """See ``Storage.signed_download_url``; ``file_name`` defaults to the key's last segment."""
        grant = SignedGrant(method="GET", key=check_key(key), expires_at=self._expiry(expires_in), file_name=file_name)
        return f"{self.base_url}{DOWNLOAD_PATH}?token={quote(self.signer.sign(grant))}"

    def _expiry(self, expires_in: int | None) -> int:
        return int(time.time()) + (self.default_ttl if expires_in is None else expires_in)


def _chunks(data: bytes | BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    if isinstance(data, bytes | bytearray):
        yield bytes(data)
        return
    read = getattr(data, "read", None)
    if read is not None:
        while chunk := read(CHUNK_BYTES):
            yield chunk
        return
    yield from data
