"""Signed upload and download URLs, served by the real app."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from runway.storage.local import LocalStorage
from runway.storage.signing import SignedGrant

KEY = "ea/255901/2526/1/input/INPUT_FILE__scores.csv"


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_upload_then_download(client: TestClient, storage: LocalStorage) -> None:
    url = storage.signed_upload_url(KEY, content_type="text/csv")
    assert url.startswith("http://testserver/api/storage/upload?token=")
    response = client.put(url, content=b"id,score\n1,30\n", headers={"content-type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json() == {"key": KEY, "size": 14}
    download = client.get(storage.signed_download_url(KEY, file_name="ACT scores é.csv"))
    assert download.status_code == 200
    assert download.content == b"id,score\n1,30\n"
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "ACT%20scores%20%C3%A9.csv" in download.headers["content-disposition"]
    assert download.headers["cache-control"] == "no-cache"


def test_download_of_a_missing_file_is_404(client: TestClient, storage: LocalStorage) -> None:
    response = client.get(storage.signed_download_url("ea/nothing.csv"))
    assert response.status_code == 404
    assert response.json() == {"detail": "File not found: nothing.csv"}


def test_expired_urls_are_refused(client: TestClient, storage: LocalStorage) -> None:
    storage.put(KEY, b"x")
    response = client.get(storage.signed_download_url(KEY, expires_in=-1))
    assert response.status_code == 403
    assert response.json() == {"detail": "This link has expired; ask for a new one"}
    response = client.put(storage.signed_upload_url(KEY, expires_in=-1), content=b"y")
    assert response.status_code == 403
    assert storage.get(KEY) == b"x"


def test_tampered_and_missing_tokens_are_refused(client: TestClient, storage: LocalStorage) -> None:
    storage.put(KEY, b"x")
    token = _token(storage.signed_download_url(KEY))
    forged = storage.signer.sign(SignedGrant("GET", "ea/other.csv", int(time.time()) + 60))
    body, mac = token.split(".")
    other_body = forged.split(".")[0]
    for bad in (f"{other_body}.{mac}", f"{body}.{mac[:-2]}AA", "garbage", f"{body}."):
        response = client.get(f"/api/storage/download?token={quote(bad)}")
        assert response.status_code == 403, bad
        assert response.json()["detail"].startswith("Invalid signature")
    assert client.get("/api/storage/download").json() == {"detail": "This link has no token"}
    assert client.put("/api/storage/upload", content=b"").status_code == 403


def test_method_is_bound(client: TestClient, storage: LocalStorage) -> None:
    upload_token = _token(storage.signed_upload_url(KEY))
    response = client.get(f"/api/storage/download?token={quote(upload_token)}")
    assert response.status_code == 403
    assert response.json() == {"detail": "This link allows PUT, not GET"}
    download_token = _token(storage.signed_download_url(KEY))
    assert client.put(f"/api/storage/upload?token={quote(download_token)}", content=b"x").status_code == 403


def test_upload_size_limit(client: TestClient, storage: LocalStorage) -> None:
    url = storage.signed_upload_url(KEY, max_bytes=10)
    response = client.put(url, content=b"x" * 11)
    assert response.status_code == 413
    assert response.json() == {"detail": "The file is larger than the limit of 10 bytes"}

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while streaming
        yield b"x" * 8
        yield b"x" * 8

    response = client.put(url, content=chunks())
    assert response.status_code == 413
    assert not storage.exists(KEY)
    assert storage.list("") == []
    assert client.put(url, content=b"x" * 10).status_code == 200


def test_default_upload_limit_is_max_upload_bytes(storage: LocalStorage) -> None:
    assert _grant(storage, storage.signed_upload_url(KEY)).max_bytes == storage.max_upload_bytes


def _grant(storage: LocalStorage, url: str) -> SignedGrant:
    return storage.signer.verify(_token(url), "PUT")


def test_upload_content_type_is_bound(client: TestClient, storage: LocalStorage) -> None:
    url = storage.signed_upload_url(KEY, content_type="text/csv")
    response = client.put(url, content=b"x", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {"detail": "This link accepts Content-Type text/csv, not application/json"}
    ok = client.put(url, content=b"x", headers={"content-type": "text/csv; charset=utf-8"})
    assert ok.status_code == 200


def test_unsigned_content_type_is_recorded(client: TestClient, storage: LocalStorage) -> None:
    client.put(storage.signed_upload_url(KEY), content=b"{}", headers={"content-type": "application/json"})
    assert storage.metadata(KEY) == {"content_type": "application/json"}
    assert client.get(storage.signed_download_url(KEY)).headers["content-type"] == "application/json"


@pytest.mark.parametrize("key", ["../escape.txt", "a/../../escape.txt", "/etc/passwd", ".runway-meta/x.json"])
def test_signed_keys_cannot_escape(client: TestClient, storage: LocalStorage, key: str) -> None:
    token = storage.signer.sign(SignedGrant("PUT", key, int(time.time()) + 60))
    response = client.put(f"/api/storage/upload?token={quote(token)}", content=b"x")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Invalid storage key")
    assert not (storage.root.parent / "escape.txt").exists()
