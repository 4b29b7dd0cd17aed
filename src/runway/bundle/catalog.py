"""The bundle catalog: bundles from a local checkout or a cached git clone, held in memory.

The original fetches ``registry.json`` from GitHub, caches it for 5 minutes and refreshes it lazily when
read (runway-app.md §6). Here the catalog reads a whole checkout (so runs can compose the bundle from
local paths, DESIGN.md §2) and keeps the result until :meth:`BundleCatalog.refresh` is called or, when
``max_age`` is set, until a read finds it older than that. Loading never raises: problems are recorded
in the snapshot (``snapshot().problems``) and the bundles that loaded are served. Where the original
fails to boot on a registry error, this catalog reports it and serves what it can.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from runway.bundle.gitcache import GitCheckout, GitError
from runway.bundle.registry import Bundle, CatalogProblem, load_registry
from runway.bundle.validation import JobInputError, check_job_inputs

__all__ = ["DEFAULT_BRANCH", "DEFAULT_MAX_AGE", "BundleCatalog", "CatalogSnapshot"]

log = logging.getLogger(__name__)

#: Seconds a loaded catalog is served before a read reloads it: the original's 5-minute cache (runway-app.md §6).
DEFAULT_MAX_AGE = 300.0
#: The bundles branch the original uses by default (``BUNDLE_BRANCH``, runway-app.md §2.3, §6).
DEFAULT_BRANCH = "main"


@dataclass(frozen=True)
class CatalogSnapshot:
    """One load of the catalog: its bundles in registry order, its problems, and where it came from."""

    bundles: tuple[Bundle, ...]
    problems: tuple[CatalogProblem, ...]
    #: The directory or git URL (and branch) the catalog reads.
    source: str
    #: The commit loaded, in git mode.
    revision: str | None
    loaded_at: datetime
    _by_key: Mapping[str, Bundle] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {bundle.key: bundle for bundle in self.bundles})

    def get(self, key: str) -> Bundle | None:
        """The bundle with this key (``assessments/ACT``), if it loaded."""
        return self._by_key.get(key)

    @property
    def errors(self) -> tuple[CatalogProblem, ...]:
        """Problems that left something out of the catalog."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[CatalogProblem, ...]:
        """Problems with something the catalog still serves."""
        return tuple(p for p in self.problems if p.severity == "warning")


class _Source(Protocol):
    def describe(self) -> str: ...

    def prepare(self) -> tuple[Path | None, str | None, list[CatalogProblem]]:
        """Make the checkout current; return its root (None if there is none), revision and problems."""
        ...

    def reading(self) -> AbstractContextManager[None]: ...


@dataclass(frozen=True)
class _DirectorySource:
    root: Path

    def describe(self) -> str:
        return str(self.root)

    def prepare(self) -> tuple[Path | None, str | None, list[CatalogProblem]]:
        return self.root, None, []

    def reading(self) -> AbstractContextManager[None]:
        return nullcontext()


@dataclass(frozen=True)
class _GitSource:
    checkout: GitCheckout

    def describe(self) -> str:
        return f"{self.checkout.url} (branch {self.checkout.branch})"

    def prepare(self) -> tuple[Path | None, str | None, list[CatalogProblem]]:
        try:
            return self.checkout.directory, self.checkout.update(), []
        except GitError as exc:
            reason = str(exc)
        revision = self.checkout.revision()
        fix = "Check the URL, the branch name, network access and credentials"
        if revision is None:
            problem = CatalogProblem(
                "error", self.checkout.url, f"cannot clone branch {self.checkout.branch}: {reason}", f"{fix}."
            )
            return None, None, [problem]
        problem = CatalogProblem(
            "warning",
            self.checkout.url,
            f"cannot update the cached clone: {reason}",
            f"{fix}. Meanwhile the catalog serves the cached commit {revision[:12]}.",
        )
        return self.checkout.directory, revision, [problem]

    def reading(self) -> AbstractContextManager[None]:
        return self.checkout.reading()


class BundleCatalog:
    """Bundles from an earthmover_edfi_bundles checkout, cached in memory.

    Build one with :meth:`from_directory` or :meth:`from_git`. The first read loads the catalog; later
    reads serve the cached snapshot until :meth:`refresh`, or until it is older than ``max_age`` seconds
    (``None``: never; ``0``: reload on every read, like the original's ``LOCAL_BUNDLE_CACHE_DISABLED``).
    A reload due to age happens in the reading thread; other threads keep the old snapshot meanwhile.
    Safe to share between threads.
    """

    def __init__(
        self,
        source: _Source,
        *,
        max_age: float | None = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Prefer :meth:`from_directory` and :meth:`from_git`. ``clock`` gives seconds, for the age check."""
        self._source = source
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: CatalogSnapshot | None = None
        self._loaded_at = 0.0

    @classmethod
    def from_directory(
        cls, root: Path | str, *, max_age: float | None = DEFAULT_MAX_AGE, clock: Callable[[], float] = time.monotonic
    ) -> BundleCatalog:
        """A catalog of the checkout at ``root`` (the directory that holds ``registry.json``)."""
        return cls(_DirectorySource(Path(root)), max_age=max_age, clock=clock)

    @classmethod
    def from_git(
        cls,
        url: str,
        *,
        cache_dir: Path | str,
        branch: str = DEFAULT_BRANCH,
        max_age: float | None = DEFAULT_MAX_AGE,
        timeout: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> BundleCatalog:
        """A catalog of ``branch`` of the git repository at ``url``, cloned under ``cache_dir``.

        ``url`` is anything ``git clone`` accepts: ``https://...``, ``file:///...`` or a local path. Each
        load fetches the branch and hard-resets the clone to it; if that fails, the last cached commit is
        served with a warning. ``timeout`` bounds each git command, in seconds.
        """
        checkout = GitCheckout(url=url, branch=branch, cache_dir=Path(cache_dir), timeout=timeout)
        return cls(_GitSource(checkout), max_age=max_age, clock=clock)

    def refresh(self) -> CatalogSnapshot:
        """Reload now (fetching first, in git mode) and return the new snapshot. Never raises."""
        with self._lock:
            return self._load()

    def snapshot(self) -> CatalogSnapshot:
        """The current snapshot, loading it first if there is none or it is older than ``max_age``."""
        snapshot = self._snapshot
        if snapshot is None:
            with self._lock:
                return self._snapshot or self._load()
        if self._is_stale() and self._lock.acquire(blocking=False):
            try:
                if self._is_stale():
                    return self._load()
            finally:
                self._lock.release()
        return self._snapshot or snapshot

    def bundles(self, bundle_type: str | None = None) -> tuple[Bundle, ...]:
        """All bundles in registry order, or those of one registry section (``"assessments"``)."""
        bundles = self.snapshot().bundles
        return bundles if bundle_type is None else tuple(b for b in bundles if b.bundle_type == bundle_type)

    def get(self, key: str) -> Bundle | None:
        """The bundle with this key (``assessments/ACT``), or None when it is not in the catalog."""
        return self.snapshot().get(key)

    def __iter__(self) -> Iterator[Bundle]:
        return iter(self.bundles())

    @property
    def problems(self) -> tuple[CatalogProblem, ...]:
        """Everything wrong with the current snapshot's source."""
        return self.snapshot().problems

    def validate_job_inputs(
        self, key: str, params: Mapping[str, str | None], file_keys: Iterable[str]
    ) -> list[JobInputError]:
        """Check a new job's params and file keys against the bundle (runway-app.md §4.1 step 3).

        The bundle is looked up here rather than trusting a template sent by the client (runway-app.md
        §10.4). Returns ``[bundle_not_found: <key>]`` when it is not in the catalog (a 400 for the UI and a
        500 for the external API in the original), otherwise :func:`check_job_inputs`'s errors in order.
        """
        bundle = self.get(key)
        if bundle is None:
            return [JobInputError("bundle_not_found", (key,))]
        return check_job_inputs(bundle, params, file_keys)

    def _is_stale(self) -> bool:
        return self._max_age is not None and self._clock() - self._loaded_at >= self._max_age

    def _load(self) -> CatalogSnapshot:
        previous = self._snapshot
        try:
            snapshot = self._read()
        except Exception as exc:  # loading must never raise into a request: keep serving what was served
            source = self._source.describe()
            log.exception("loading the bundle catalog from %s failed", source)
            problem = CatalogProblem(
                "error",
                source,
                f"loading the catalog failed unexpectedly ({type(exc).__name__}: {exc})",
                "Report this as a bug; the catalog keeps serving the bundles it had.",
            )
            bundles, revision = (previous.bundles, previous.revision) if previous else ((), None)
            snapshot = CatalogSnapshot(bundles, (problem,), source, revision, _now())
        if previous is None or previous.problems != snapshot.problems:
            for problem in snapshot.problems:
                level = logging.ERROR if problem.severity == "error" else logging.WARNING
                log.log(level, "bundle catalog: %s", problem)
        self._snapshot = snapshot
        self._loaded_at = self._clock()
        return snapshot

    def _read(self) -> CatalogSnapshot:
        source = self._source.describe()
        root, revision, problems = self._source.prepare()
        if root is None:
            return CatalogSnapshot((), tuple(problems), source, revision, _now())
        with self._source.reading():
            loaded = load_registry(root)
        return CatalogSnapshot(loaded.bundles, (*problems, *loaded.problems), source, revision, _now())


def _now() -> datetime:
    return datetime.now(UTC)
