"""The routes that serve the local backend's signed URLs (``runway.storage.local``).

* ``PUT /api/storage/upload?token=…``: streams the body into the object. 403 for a bad, expired or
  wrong-method token; 400 for a content type other than the signed one; 413 when the body (or its
  ``Content-Length``) exceeds the signed limit, in which case nothing is stored. 200 ``{key, size}``.
* ``GET /api/storage/download?token=…``: the object, with its recorded content type and
  ``Content-Disposition: attachment`` naming the signed file name; 404 when it does not exist (never an
  empty 200).
"""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from runway.errors import BadRequest, TooLarge
from runway.storage.base import ObjectNotFound
from runway.storage.local import DOWNLOAD_PATH, UPLOAD_PATH, LocalStorage
from runway.storage.signing import SignatureError

router = APIRouter()

TokenParam = Annotated[str | None, Query(description="The signed token of the URL")]


def _storage(request: Request) -> LocalStorage:
    storage: LocalStorage = request.app.state.storage
    return storage


def _media_type(value: str | None) -> str | None:
    return value.split(";", 1)[0].strip().lower() if value else None


@router.put(UPLOAD_PATH)
async def upload(request: Request, token: TokenParam = None) -> dict[str, Any]:
    """Store the request body under the signed key (see the module docstring for statuses)."""
    if not token:
        raise SignatureError("This link has no token")
    storage = _storage(request)
    grant = storage.signer.verify(token, "PUT")
    sent_type = request.headers.get("content-type")
    if grant.content_type and _media_type(sent_type) != _media_type(grant.content_type):
        raise BadRequest(f"This link accepts Content-Type {grant.content_type}, not {sent_type or 'none'}")
    limit = grant.max_bytes
    declared = request.headers.get("content-length")
    if limit is not None and declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"The file is larger than the limit of {limit} bytes")
    size = await storage.write_async_stream(
        grant.key, request.stream(), content_type=grant.content_type or sent_type, max_bytes=limit
    )
    return {"key": grant.key, "size": size}


@router.get(DOWNLOAD_PATH)
def download(request: Request, token: TokenParam = None) -> FileResponse:
    """Answer with the signed object (see the module docstring for statuses)."""
    if not token:
        raise SignatureError("This link has no token")
    storage = _storage(request)
    grant = storage.signer.verify(token, "GET")
    path = storage.path_for(grant.key)
    if not path.is_file():
        raise ObjectNotFound(f"File not found: {grant.key.rsplit('/', 1)[-1]}")
    file_name = grant.file_name or grant.key.rsplit("/", 1)[-1]
    media_type = storage.metadata(grant.key).get("content_type") or (
        mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    )
    return FileResponse(path, media_type=media_type, filename=file_name)
