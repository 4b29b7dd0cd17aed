"""Encryption of secrets at rest: round trip, tamper detection, key rotation, the development key file."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from runway.crypto import DecryptionError, KeyConfigurationError, Keyring, generate_key, key_id, keyring_from_settings
from runway.settings import Settings, decode_key


def keyring(*, old: int = 0) -> Keyring:
    return Keyring(decode_key(generate_key()), tuple(decode_key(generate_key()) for _ in range(old)))


def test_round_trip_with_a_fresh_nonce_each_time() -> None:
    ring = keyring()
    first, second = ring.encrypt("s3cret-ü"), ring.encrypt("s3cret-ü")
    assert first != second
    assert "s3cret" not in first
    assert ring.decrypt(first) == ring.decrypt(second) == "s3cret-ü"
    assert first.startswith(f"v1.{ring.current_id}.")


def _flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize("where", ["nonce", "ciphertext", "tag"])
def test_any_change_to_the_body_is_detected(where: str) -> None:
    ring = keyring()
    token = ring.encrypt("a secret that matters")
    header, body = token.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[{"nonce": 0, "ciphertext": 14, "tag": -1}[where]] ^= 0x01
    altered = f"{header}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
    with pytest.raises(DecryptionError, match="altered"):
        ring.decrypt(altered)


def test_a_changed_header_is_detected() -> None:
    ring = keyring(old=1)
    token = ring.encrypt("x")
    other_id = key_id(ring.old[0])
    with pytest.raises(DecryptionError, match="altered"):
        ring.decrypt(token.replace(ring.current_id, other_id))
    with pytest.raises(DecryptionError, match="malformed"):
        ring.decrypt(token.replace("v1.", "v2.", 1))


@pytest.mark.parametrize("token", ["", "plain text", "v1..abc", "v1.abcdefgh.", "v1.abcdefgh.AAAA", "a.b.c.d"])
def test_malformed_values_are_refused(token: str) -> None:
    ring = keyring()
    with pytest.raises(DecryptionError):
        ring.decrypt(token.replace("abcdefgh", ring.current_id))


def test_rotation_old_keys_decrypt_and_new_values_use_the_current_key() -> None:
    before = keyring()
    token = before.encrypt("rotate me")
    after = Keyring(decode_key(generate_key()), (before.current,))
    assert after.decrypt(token) == "rotate me"
    assert after.needs_reencryption(token)
    rewritten = after.encrypt(after.decrypt(token))
    assert not after.needs_reencryption(rewritten)
    assert Keyring(after.current).decrypt(rewritten) == "rotate me"


def test_a_value_made_with_an_unconfigured_key_names_the_key_id_only() -> None:
    stranger = keyring()
    token = stranger.encrypt("top secret")
    with pytest.raises(DecryptionError) as caught:
        keyring().decrypt(token)
    assert stranger.current_id in str(caught.value)
    assert "RUNWAY_ENCRYPTION_OLD_KEYS" in str(caught.value)
    assert "top secret" not in str(caught.value)


def test_keys_never_show_in_repr() -> None:
    ring = keyring(old=1)
    text = repr(ring)
    assert base64.urlsafe_b64encode(ring.current).decode() not in text
    assert repr(ring.current) not in text


def test_development_generates_a_private_key_file_once(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    first = keyring_from_settings(settings)
    mode = stat.S_IMODE(settings.dev_key_file.stat().st_mode)
    assert mode == 0o600
    again = keyring_from_settings(settings)
    assert again.current == first.current
    assert again.decrypt(first.encrypt("x")) == "x"
    assert list(settings.dev_key_file.parent.glob(".encryption.key.*")) == []


def test_configured_keys_win_over_the_key_file(tmp_path: Path) -> None:
    key, old = generate_key(), generate_key()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, encryption_key=SecretStr(key), encryption_old_keys=[SecretStr(old)]
    )
    ring = keyring_from_settings(settings)
    assert ring.current == decode_key(key)
    assert ring.old == (decode_key(old),)
    assert not settings.dev_key_file.exists()


def test_a_damaged_key_file_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    settings.dev_key_file.write_text("not a key\n")
    with pytest.raises(KeyConfigurationError, match="does not hold an encryption key"):
        keyring_from_settings(settings)
