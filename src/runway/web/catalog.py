"""The app's bundle catalog as a request dependency.

``app.state.catalog`` is used when set (tests and future startup wiring set it); otherwise one catalog is
made on first use from the settings: the checkout at ``RUNWAY_BUNDLES_DIR`` when set, else a clone of
``RUNWAY_BUNDLES_GIT_URL`` (``RUNWAY_BUNDLES_GIT_REF``) cached under ``<data_dir>/bundles-git``.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from runway.bundle.catalog import BundleCatalog
from runway.settings import Settings

_lock = threading.Lock()


def catalog_from_settings(settings: Settings) -> BundleCatalog:
    """A catalog of ``bundles_dir`` when set, else of the git repository the settings name."""
    if settings.bundles_dir is not None:
        return BundleCatalog.from_directory(settings.bundles_dir)
    return BundleCatalog.from_git(
        settings.bundles_git_url, cache_dir=settings.data_dir / "bundles-git", branch=settings.bundles_git_ref
    )


def get_catalog(request: Request) -> BundleCatalog:
    """``app.state.catalog``, made from the settings on first use."""
    state = request.app.state
    catalog: BundleCatalog | None = getattr(state, "catalog", None)
    if catalog is None:
        with _lock:
            catalog = getattr(state, "catalog", None)
            if catalog is None:
                catalog = catalog_from_settings(state.settings)
                state.catalog = catalog
    return catalog


CatalogDep = Annotated[BundleCatalog, Depends(get_catalog)]
