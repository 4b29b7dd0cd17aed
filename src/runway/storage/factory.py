"""Builds the configured storage backend; the seam where S3 will plug in (a later issue)."""

from __future__ import annotations

from runway.keys import derive_key
from runway.settings import Settings
from runway.storage.local import LocalStorage
from runway.storage.signing import UrlSigner


def storage_from_settings(settings: Settings) -> LocalStorage:
    """The local-directory storage at ``settings.storage_dir``, signing URLs for ``settings.base_url``."""
    return LocalStorage(
        settings.storage_dir,
        UrlSigner(derive_key(settings, "storage-url")),
        settings.base_url,
        default_ttl=settings.signed_url_ttl_seconds,
        max_upload_bytes=settings.max_upload_bytes,
    )
