"""Bundle sample runs for tests, from the bundles checkout in ../shared."""

from __future__ import annotations

from pathlib import Path

from runway.bundle.samples import BUNDLE_RUNS
from runway.bundle.samples import run_bundle as _run_bundle

#: ``<workspace>/shared/bundles``, the read-only bundles checkout beside the project.
DEFAULT_BUNDLES_ROOT = Path(__file__).resolve().parents[3] / "shared" / "bundles"

__all__ = ["BUNDLE_RUNS", "DEFAULT_BUNDLES_ROOT", "run_bundle"]


def run_bundle(bundle: str, output_dir: Path, **options: object) -> dict[str, Path]:
    """``runway.bundle.samples.run_bundle`` with the shared bundles checkout as the default root."""
    options.setdefault("bundles_root", DEFAULT_BUNDLES_ROOT)
    return _run_bundle(bundle, output_dir, **options)  # type: ignore[arg-type]
