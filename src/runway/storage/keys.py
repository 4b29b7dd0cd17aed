"""Storage keys: ``/``-separated relative paths that can never leave the storage root."""

from __future__ import annotations

from runway.errors import BadRequest

RESERVED_PREFIX = ".runway-meta"
"""First segment reserved for the local backend's metadata (content types, file names)."""

MAX_KEY_LENGTH = 1024


class InvalidKey(BadRequest):
    """A storage key that is empty, absolute, contains ``.``/``..``/empty segments, a backslash or a control
    character, or names the reserved metadata folder.
    """


def check_key(key: str) -> str:
    """``key`` itself when it is a safe relative key (see ``InvalidKey``); never normalizes a bad key into a good one.

    Raises:
        InvalidKey: the key is unsafe or longer than ``MAX_KEY_LENGTH``.
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"Invalid storage key {key[:80]!r}: it must be 1 to {MAX_KEY_LENGTH} characters")
    if key.startswith("/") or "\\" in key or any(ord(char) < 32 or ord(char) == 127 for char in key):
        raise InvalidKey(f"Invalid storage key {key[:80]!r}: it must be a relative path without backslashes")
    segments = key.split("/")
    if any(segment in {"", ".", ".."} for segment in segments):
        raise InvalidKey(f"Invalid storage key {key[:80]!r}: empty, '.' and '..' path segments are not allowed")
    if segments[0] == RESERVED_PREFIX:
        raise InvalidKey(f"Invalid storage key {key[:80]!r}: {RESERVED_PREFIX}/ is reserved")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: ``""`` (everything) or a safe key, with one trailing ``/`` allowed.

    Raises:
        InvalidKey: the prefix is unsafe.
    """
    if prefix == "":
        return prefix
    check_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix
