"""BundleCatalog: local directories and git URLs (local repositories built here), caching and refresh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from runway.bundle import catalog as catalog_module
from runway.bundle.catalog import BundleCatalog
from tests.bundle.helpers import commit_all, git, make_checkout, make_git_repo, metadata, write_bundle, write_registry
from tests.conftest import BUNDLES_DIR, needs_shared


class FakeClock:
    """Seconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def keys(catalog: BundleCatalog) -> list[str]:
    return [b.key for b in catalog.bundles()]


def add_bundle(root: Path, name: str, *existing: str) -> None:
    """Add bundle ``name`` to the checkout at ``root`` and list it after ``existing`` in the registry."""
    write_bundle(root, metadata(name))
    write_registry(root, [metadata(n) for n in (*existing, name)])


# ------------------------------------------------------------------------------------------- local directory


def test_real_bundles_directory():
    needs_shared(BUNDLES_DIR)
    catalog = BundleCatalog.from_directory(BUNDLES_DIR)
    assert len(catalog.bundles()) == 42
    assert catalog.bundles("assessments") == catalog.bundles()
    assert catalog.bundles("surveys") == ()
    act = catalog.get("assessments/ACT")
    assert act is not None
    assert act.display_name == "ACT"
    assert catalog.get("assessments/NOPE") is None
    assert list(catalog) == list(catalog.bundles())
    snapshot = catalog.snapshot()
    assert (snapshot.source, snapshot.revision, snapshot.errors) == (str(BUNDLES_DIR), None, ())
    assert snapshot.loaded_at.tzinfo is not None
    assert len(snapshot.warnings) == len(catalog.problems) == 3  # the upstream descriptor-mapping typos


def test_validation_helper_looks_the_bundle_up():
    needs_shared(BUNDLES_DIR)
    catalog = BundleCatalog.from_directory(BUNDLES_DIR)
    assert catalog.validate_job_inputs("assessments/STAR", {"API_YEAR": "2024"}, ["INPUT_FILE", "INPUT_FILE_SA"]) == []
    assert [
        str(e) for e in catalog.validate_job_inputs("assessments/STAR", {"TEST_TYPE": "SAT"}, ["INPUT_FILE_DS"])
    ] == [
        "unexpected_params: TEST_TYPE",
        "missing_required_files: INPUT_FILE",
    ]
    assert [e.message for e in catalog.validate_job_inputs("assessments/Nope", {}, ["INPUT_FILE"])] == [
        "bundle_not_found: assessments/Nope"
    ]


def test_cached_until_refresh(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    catalog = BundleCatalog.from_directory(tmp_path, max_age=None)
    assert keys(catalog) == ["assessments/Alpha"]
    add_bundle(tmp_path, "Beta", "Alpha")
    assert keys(catalog) == ["assessments/Alpha"]
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha", "assessments/Beta"]
    assert keys(catalog) == ["assessments/Alpha", "assessments/Beta"]


def test_reloaded_when_older_than_max_age(tmp_path):
    clock = FakeClock()
    make_checkout(tmp_path, metadata("Alpha"))
    catalog = BundleCatalog.from_directory(tmp_path, max_age=60, clock=clock)
    first = catalog.snapshot()
    add_bundle(tmp_path, "Beta", "Alpha")
    clock.now += 59
    assert catalog.snapshot() is first
    clock.now += 1
    assert keys(catalog) == ["assessments/Alpha", "assessments/Beta"]


def test_max_age_zero_reloads_on_every_read(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"))
    catalog = BundleCatalog.from_directory(tmp_path, max_age=0)
    assert catalog.snapshot() is not catalog.snapshot()


def test_missing_directory_is_an_error_not_an_exception(tmp_path):
    catalog = BundleCatalog.from_directory(tmp_path / "absent")
    assert catalog.bundles() == ()
    assert catalog.get("assessments/ACT") is None
    [problem] = catalog.problems
    assert (problem.severity, problem.what) == ("error", "the bundles directory does not exist")


def test_a_broken_registry_after_a_good_one_serves_what_still_loads(tmp_path):
    make_checkout(tmp_path, metadata("Alpha"), metadata("Beta"))
    catalog = BundleCatalog.from_directory(tmp_path, max_age=None)
    assert len(catalog.bundles()) == 2
    (tmp_path / "registry.json").write_text("{", encoding="utf-8")
    shutil.rmtree(tmp_path / "assessments" / "Beta")
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha"]
    assert [p.where for p in snapshot.errors] == ["registry.json"]


def test_an_unexpected_failure_keeps_the_previous_bundles(tmp_path, monkeypatch):
    make_checkout(tmp_path, metadata("Alpha"))
    catalog = BundleCatalog.from_directory(tmp_path, max_age=None)
    assert keys(catalog) == ["assessments/Alpha"]

    def broken(_root: Path) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(catalog_module, "load_registry", broken)
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha"]
    [problem] = snapshot.errors
    assert problem.what == "loading the catalog failed unexpectedly (RuntimeError: simulated bug)"


# ----------------------------------------------------------------------------------------------------- git


@pytest.fixture
def origin(tmp_path) -> Path:
    """A bundles repository with one bundle, Alpha, on branch main."""
    return make_git_repo(tmp_path / "origin", metadata("Alpha"))


@pytest.mark.parametrize("as_uri", [False, True], ids=["local-path", "file-url"])
def test_git_clone_of_a_local_repository(origin, tmp_path, as_uri):
    url = origin.as_uri() if as_uri else str(origin)
    catalog = BundleCatalog.from_git(url, cache_dir=tmp_path / "cache")
    assert keys(catalog) == ["assessments/Alpha"]
    snapshot = catalog.snapshot()
    assert snapshot.problems == ()
    assert snapshot.revision == git(origin, "rev-parse", "HEAD")
    assert snapshot.source == f"{url} (branch main)"
    bundle = catalog.get("assessments/Alpha")
    assert bundle is not None
    assert bundle.directory.is_relative_to((tmp_path / "cache").resolve())
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.is_dir()] == [bundle.directory.parent.parent.name]


def test_git_refresh_picks_up_a_new_commit(origin, tmp_path):
    catalog = BundleCatalog.from_git(origin.as_uri(), cache_dir=tmp_path / "cache", max_age=None)
    first = catalog.snapshot()
    add_bundle(origin, "Beta", "Alpha")
    head = commit_all(origin, "add Beta")
    assert catalog.snapshot() is first  # cached until refreshed
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha", "assessments/Beta"]
    assert snapshot.revision == head != first.revision
    # A bundle removed upstream disappears too (hard reset, not merge).
    shutil.rmtree(origin / "assessments" / "Alpha")
    write_registry(origin, [metadata("Beta")])
    commit_all(origin, "drop Alpha")
    assert [b.key for b in catalog.refresh().bundles] == ["assessments/Beta"]


def test_git_refresh_when_older_than_max_age(origin, tmp_path):
    clock = FakeClock()
    catalog = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=300, clock=clock)
    assert keys(catalog) == ["assessments/Alpha"]
    add_bundle(origin, "Beta", "Alpha")
    commit_all(origin, "add Beta")
    clock.now += 299
    assert keys(catalog) == ["assessments/Alpha"]
    clock.now += 1
    assert keys(catalog) == ["assessments/Alpha", "assessments/Beta"]


def test_git_branch(origin, tmp_path):
    git(origin, "checkout", "--quiet", "-b", "development")
    add_bundle(origin, "Beta", "Alpha")
    commit_all(origin, "Beta on development")
    git(origin, "checkout", "--quiet", "main")
    main = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache")
    development = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", branch="development")
    assert keys(main) == ["assessments/Alpha"]
    assert keys(development) == ["assessments/Alpha", "assessments/Beta"]


def test_local_edits_in_the_cache_are_reset(origin, tmp_path):
    catalog = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=None)
    bundle = catalog.get("assessments/Alpha")
    assert bundle is not None
    (bundle.directory / "_metadata.yaml").write_text("broken: [", encoding="utf-8")
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha"]
    assert snapshot.problems == ()


def test_git_url_that_cannot_be_cloned(tmp_path):
    url = (tmp_path / "no-such-repo").as_uri()
    catalog = BundleCatalog.from_git(url, cache_dir=tmp_path / "cache")
    assert catalog.bundles() == ()
    [problem] = catalog.problems
    assert (problem.severity, problem.where) == ("error", url)
    assert problem.what.startswith("cannot clone branch main: git clone failed: ")
    assert "Check the URL, the branch name" in problem.fix
    # A failed clone leaves no partial directory behind.
    assert [p.name for p in (tmp_path / "cache").iterdir() if p.is_dir()] == []


def test_unknown_branch(origin, tmp_path):
    catalog = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", branch="nope")
    assert catalog.bundles() == ()
    [problem] = catalog.problems
    assert "cannot clone branch nope" in problem.what
    assert "nope" in problem.what.split(": ", 1)[1]


def test_unreachable_origin_serves_the_cached_commit(origin, tmp_path):
    catalog = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=None)
    head = catalog.snapshot().revision
    assert head is not None
    shutil.rmtree(origin)
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha"]
    assert snapshot.revision == head
    [problem] = snapshot.problems
    assert problem.severity == "warning"
    assert problem.what.startswith("cannot update the cached clone: git fetch failed")
    assert f"serves the cached commit {head[:12]}" in problem.fix
    # A new process with the same cache directory serves the cached clone too.
    again = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache")
    assert keys(again) == ["assessments/Alpha"]
    assert [p.severity for p in again.problems] == ["warning"]


def test_a_corrupt_cache_is_cloned_again(origin, tmp_path):
    catalog = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=None)
    bundle = catalog.get("assessments/Alpha")
    assert bundle is not None
    clone = bundle.directory.parent.parent
    shutil.rmtree(clone / ".git")
    (clone / "stray.txt").write_text("left over", encoding="utf-8")
    snapshot = catalog.refresh()
    assert [b.key for b in snapshot.bundles] == ["assessments/Alpha"]
    assert snapshot.problems == ()
    assert not (clone / "stray.txt").exists()


def test_catalogs_sharing_a_cache_directory(origin, tmp_path):
    first = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=None)
    assert keys(first) == ["assessments/Alpha"]
    add_bundle(origin, "Beta", "Alpha")
    commit_all(origin, "add Beta")
    second = BundleCatalog.from_git(str(origin), cache_dir=tmp_path / "cache", max_age=None)
    assert keys(second) == ["assessments/Alpha", "assessments/Beta"]  # fetched into the existing clone
    assert keys(first) == ["assessments/Alpha"]  # its snapshot is in memory until refreshed
    assert first.refresh().revision == second.snapshot().revision
    assert keys(first) == keys(second)
