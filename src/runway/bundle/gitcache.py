"""A cached clone of a bundles git repository, updated with fetch + hard reset.

The clone lives in ``<cache_dir>/<repo name>-<hash of url and branch>``. Updates take an exclusive file
lock and reads a shared one, so app processes sharing a cache directory never see a half-updated tree.
A first clone goes to a temporary directory and is renamed into place, so an interrupted clone leaves
nothing behind; a cache directory that is no longer a usable clone is removed and cloned again.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitCheckout", "GitError"]


class GitError(Exception):
    """A git command failed; the message names the command and ends with git's own last words."""


@dataclass(frozen=True)
class GitCheckout:
    """A shallow clone of ``branch`` of ``url`` under ``cache_dir``."""

    url: str
    branch: str
    cache_dir: Path
    #: Seconds a single git command may take before it is abandoned.
    timeout: float = 120.0
    git: str = "git"

    @property
    def directory(self) -> Path:
        """Where the clone lives."""
        digest = hashlib.sha256(f"{self.url}\n{self.branch}".encode()).hexdigest()[:12]
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", self.url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git"))
        return self.cache_dir / f"{name or 'bundles'}-{digest}"

    def update(self) -> str:
        """Clone, or fetch ``branch`` and hard-reset to it; return the checked-out commit.

        Raises :class:`GitError` when git is missing or a command fails; the existing clone, if any, is
        then left as it was.
        """
        if shutil.which(self.git) is None:
            raise GitError(f"the git executable {self.git!r} was not found on PATH")
        with self._locked(exclusive=True):
            if self.directory.exists() and not self._is_clone():
                shutil.rmtree(self.directory)
            if self.directory.exists():
                self._run("fetch", "--quiet", "--depth", "1", "origin", self.branch, cwd=self.directory)
                self._run("reset", "--quiet", "--hard", "FETCH_HEAD", cwd=self.directory)
            else:
                self._clone()
            return self._head()

    def revision(self) -> str | None:
        """The checked-out commit, or None when there is no usable clone."""
        if not self._is_clone():
            return None
        try:
            return self._head()
        except GitError:
            return None

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold a shared lock while reading files of the clone, so no update swaps them mid-read."""
        with self._locked(exclusive=False):
            yield

    def _clone(self) -> None:
        staging = Path(tempfile.mkdtemp(prefix=f".{self.directory.name}-", dir=self.cache_dir))
        try:
            options = ["--quiet", "--depth", "1", "--single-branch", "--branch", self.branch]
            self._run("clone", *options, "--", self.url, str(staging))
            staging.rename(self.directory)
        finally:
            if staging.exists():
                shutil.rmtree(staging)

    def _is_clone(self) -> bool:
        if not (self.directory / ".git").exists():
            return False
        try:
            top = self._run("rev-parse", "--show-toplevel", cwd=self.directory)
        except GitError:
            return False
        return Path(top).resolve() == self.directory.resolve()

    def _head(self) -> str:
        return self._run("rev-parse", "HEAD", cwd=self.directory)

    @contextmanager
    def _locked(self, *, exclusive: bool) -> Iterator[None]:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with open(self.cache_dir / f"{self.directory.name}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _run(self, *args: str, cwd: Path | None = None) -> str:
        command = [self.git, *args]
        # Never wait for a password prompt; keep messages in English for the problem report.
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            completed = subprocess.run(
                command, cwd=cwd, env=env, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise GitError(f"git {args[0]} took longer than {self.timeout:g} s") from exc
        except OSError as exc:
            raise GitError(f"git {args[0]} could not start: {exc}") from exc
        if completed.returncode != 0:
            lines = [line for line in completed.stderr.strip().splitlines() if line.strip()]
            detail = " ".join(lines[-3:]) or f"exit code {completed.returncode}"
            raise GitError(f"git {args[0]} failed: {detail}")
        return completed.stdout.strip()
