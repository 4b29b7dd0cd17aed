"""The local storage backend: keys confined to the root, atomic writes, listing, metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway.errors import TooLarge
from runway.storage.base import ObjectNotFound
from runway.storage.keys import InvalidKey, check_key
from runway.storage.local import LocalStorage
from runway.storage.signing import UrlSigner


@pytest.fixture
def local(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "root", UrlSigner(b"k" * 32), "http://x", default_ttl=60, max_upload_bytes=100)


def test_put_get_exists_list_delete(local: LocalStorage) -> None:
    assert local.put("ea/255901/2526/1/input/INPUT_FILE__a.csv", b"abc", content_type="text/csv") == 3
    local.put("ea/255901/2526/1/output/ods/x.jsonl", iter([b"{}", b"\n"]))
    local.put("ea/255901/2526/10/output/y.jsonl", b"{}")
    assert local.get("ea/255901/2526/1/input/INPUT_FILE__a.csv") == b"abc"
    assert local.exists("ea/255901/2526/1/output/ods/x.jsonl")
    assert local.metadata("ea/255901/2526/1/input/INPUT_FILE__a.csv") == {"content_type": "text/csv"}
    assert local.list("ea/255901/2526/1/") == [
        "ea/255901/2526/1/input/INPUT_FILE__a.csv",
        "ea/255901/2526/1/output/ods/x.jsonl",
    ]
    assert local.list("ea/255901/2526/1") == [  # a bare prefix also matches siblings, as S3 does
        "ea/255901/2526/1/input/INPUT_FILE__a.csv",
        "ea/255901/2526/1/output/ods/x.jsonl",
        "ea/255901/2526/10/output/y.jsonl",
    ]
    assert ".runway-meta" not in " ".join(local.list(""))
    local.delete("ea/255901/2526/1/output/ods/x.jsonl")
    local.delete("ea/255901/2526/1/output/ods/x.jsonl")  # twice is fine
    assert not local.exists("ea/255901/2526/1/output/ods/x.jsonl")
    with pytest.raises(ObjectNotFound):
        local.get("ea/255901/2526/1/output/ods/x.jsonl")
    assert local.list("nothing/here/") == []


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../x",
        "a/../../x",
        "a/./b",
        "a//b",
        "a/",
        "a\\..\\b",
        "a\x00b",
        ".runway-meta/x.json",
        "x" * 2000,
    ],
)
def test_unsafe_keys_are_refused(local: LocalStorage, key: str) -> None:
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        local.put(key, b"x")
    with pytest.raises(InvalidKey):
        local.signed_download_url(key)


def test_symlink_out_of_the_root_is_refused(local: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("no")
    local.root.mkdir(parents=True, exist_ok=True)
    (local.root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        local.get("link/secret.txt")


def test_a_too_large_write_leaves_nothing(local: LocalStorage) -> None:
    with pytest.raises(TooLarge):
        local.write_stream("a/b.csv", iter([b"x" * 60, b"x" * 60]), content_type=None, max_bytes=100)
    assert local.list("") == []
    assert list((local.root / "a").iterdir()) == []
