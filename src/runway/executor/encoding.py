"""Detect a vendor file's text encoding and rewrite it as UTF-8 (no BOM) for earthmover.

Why: earthmover reads sources with ``dd.read_csv(..., encoding="utf8")`` unless told otherwise, and the
original executor guessed an encoding with chardet and passed it via ``--set sources.input.encoding``,
retrying with ``iso-8859-1`` when earthmover's stderr said ``codec can't decode`` (executor.md §1.7). That
only covers the main source named ``input``, and dask splits UTF-16 input on single ``\\n`` bytes. Runway
instead decodes every input file once, here, and hands earthmover UTF-8, so no ``--set`` and no
earthmover-level retry are needed.

Detection, in order (the encodings vendor files come in: UTF-8 with or without BOM, UTF-16 with BOM from
Excel's "Unicode text", Windows-1252/Latin-1 from Excel's "CSV" on Windows):

1. an empty file, or one starting with a known binary signature (xlsx/zip, xls, pdf, gzip), is refused;
2. a byte-order mark decides: UTF-32 LE/BE, UTF-8, UTF-16 LE/BE;
3. NUL bytes without a BOM: charset-normalizer, limited to UTF-16/32 LE/BE, recognises BOM-less UTF-16;
   anything else with NULs is binary;
4. bytes that are valid UTF-8 are UTF-8 (ASCII included);
5. otherwise charset-normalizer, limited to Windows-1252 and Latin-1, judges whether the bytes are text
   (its "chaos" measure rejects binary; when it rejects short text, a control-character count has the last
   word, :data:`MAX_CONTROL_SHARE`), and Windows-1252 is preferred whenever it decodes: it equals Latin-1
   except that bytes 0x80-0x9F are the curly quotes, dashes and € that Excel writes, where Latin-1 has
   invisible control characters. Unrestricted, charset-normalizer ranks cp1250 or cp437 first on short
   Western-European text, which turns "José" into the wrong letters.

Detection looks at the first :data:`SAMPLE_BYTES`. The whole file is then decoded strictly; if a later
byte is invalid in the detected encoding (e.g. a file whose first MiB is ASCII and a later name is
Windows-1252), the file is decoded again from the start as Windows-1252 with Latin-1 for the five bytes
Windows-1252 leaves undefined. That is the reference's Latin-1 retry (executor.md §1.7), except that bytes
0x80-0x9F become the characters Excel meant rather than control characters; like Latin-1 it cannot fail.

Line ends are kept exactly (LF, CRLF, or CR): pandas and dask, as earthmover calls them, read all three
and keep a CRLF inside a quoted field as part of the value.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from runway.executor.errors import ExecutorError

__all__ = [
    "CHUNK_BYTES",
    "MAX_CONTROL_SHARE",
    "SAMPLE_BYTES",
    "Detection",
    "NormalisedFile",
    "detect_encoding",
    "normalise_to_utf8",
]

#: How much of the file's start detection looks at.
SAMPLE_BYTES = 1 << 20
#: Read size while transcoding; memory use is a small multiple of this, whatever the file size.
CHUNK_BYTES = 1 << 20

#: Text judged binary by charset-normalizer is still accepted when at most this share of its bytes are
#: control characters: its "chaos" measure refuses short punctuation-heavy text such as ``“q”,–``.
MAX_CONTROL_SHARE = 0.01

_FALLBACK_CODEC = "cp1252"
_FALLBACK_ERRORS = "runway-latin1-for-undefined"


def _latin1_for_undefined(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes Windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D) as Latin-1 does."""
    if isinstance(exc, UnicodeDecodeError):
        return exc.object[exc.start : exc.end].decode("latin-1"), exc.end
    raise exc


codecs.register_error(_FALLBACK_ERRORS, _latin1_for_undefined)

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf_32_le", "UTF-32 LE with BOM"),
    (codecs.BOM_UTF32_BE, "utf_32_be", "UTF-32 BE with BOM"),
    (codecs.BOM_UTF8, "utf_8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf_16_le", "UTF-16 LE with BOM"),
    (codecs.BOM_UTF16_BE, "utf_16_be", "UTF-16 BE with BOM"),
)

_WIDE_CODECS = frozenset({"utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"})

_LABELS = {
    "utf_8": "UTF-8",
    "utf_16_le": "UTF-16 LE (no BOM)",
    "utf_16_be": "UTF-16 BE (no BOM)",
    "utf_32_le": "UTF-32 LE (no BOM)",
    "utf_32_be": "UTF-32 BE (no BOM)",
    "cp1252": "Windows-1252",
    "latin_1": "ISO-8859-1 (Latin-1)",
}


@dataclass(frozen=True)
class Detection:
    """A file's encoding as detected from its first bytes."""

    #: Python codec that decodes the text after the BOM, e.g. ``"utf_8"``, ``"utf_16_le"``, ``"cp1252"``.
    codec: str
    #: The byte-order mark the file starts with (``b""`` if none); it is not part of the text.
    bom: bytes
    #: For people and logs, e.g. ``"UTF-16 LE with BOM"``, ``"Windows-1252"``.
    label: str


@dataclass(frozen=True)
class NormalisedFile:
    """The outcome of :func:`normalise_to_utf8`."""

    path: Path
    detected: Detection
    #: The codec the text was finally decoded with: ``detected.codec``, or ``"cp1252"`` after the retry.
    codec_used: str
    #: The detected codec failed on a later byte and the Windows-1252/Latin-1 retry decoded the file.
    retried: bool
    #: Byte offset of the first byte the detected codec could not decode (only when ``retried``).
    first_bad_byte: int | None
    #: Line ends found: ``"LF"``, ``"CRLF"``, ``"CR"``, ``"mixed"`` or ``"none"`` (kept as they were).
    newline: str
    size_bytes_in: int
    size_bytes_out: int


def _binary_kind(head: bytes) -> str | None:
    """The ``input_file_not_text`` kind for a known binary signature, or None."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "xlsx" if b"xl/" in head[:65536] else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    return None


def _is_utf8(head: bytes, *, complete: bool) -> bool:
    """Whether ``head`` is valid UTF-8; a character cut off at the end of a partial sample is allowed."""
    try:
        codecs.getincrementaldecoder("utf_8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(head: bytes, *, complete: bool = True, name: str = "The uploaded file") -> Detection:
    """Detect the encoding of a file from its first bytes (see the module docstring for the rules).

    Args:
        head: The file's first bytes (up to :data:`SAMPLE_BYTES` is plenty), or all of it.
        complete: ``head`` is the whole file, so a multi-byte character may not be cut off at its end.
        name: The file's name as the user knows it, for error messages.

    Raises:
        ExecutorError: ``input_file_empty`` when ``head`` is empty; ``input_file_not_text`` (kind
            ``xlsx``, ``xls``, ``zip``, ``pdf``, ``gzip`` or ``binary``) when it is not text.
    """
    if not head:
        raise ExecutorError("input_file_empty", name=name)
    kind = _binary_kind(head)
    if kind is not None:
        raise ExecutorError("input_file_not_text", name=name, kind=kind)
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return Detection(codec, bom, label)
    if b"\x00" in head:
        wide = charset_normalizer.from_bytes(head, cp_isolation=sorted(_WIDE_CODECS)).best()
        if wide is None or wide.encoding not in _WIDE_CODECS:
            raise ExecutorError("input_file_not_text", name=name, kind="binary")
        return Detection(wide.encoding, b"", _LABELS[wide.encoding])
    if _is_utf8(head, complete=complete):
        return Detection("utf_8", b"", _LABELS["utf_8"])
    found = {match.encoding for match in charset_normalizer.from_bytes(head, cp_isolation=["cp1252", "latin_1"])}
    if not found and _control_share(head) > MAX_CONTROL_SHARE:
        raise ExecutorError("input_file_not_text", name=name, kind="binary")
    codec = "cp1252" if "cp1252" in found or (not found and _decodes(head, "cp1252")) else "latin_1"
    return Detection(codec, b"", _LABELS[codec])


# C0 controls other than tab, LF, FF and CR; DEL; the bytes Windows-1252 leaves undefined.
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D}


def _control_share(head: bytes) -> float:
    return sum(1 for byte in head if byte in _CONTROL_BYTES) / len(head)


def _decodes(head: bytes, codec: str) -> bool:
    try:
        head.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


class _NewlineCounter:
    """Counts LF, CRLF and lone CR line ends across chunks (a CRLF may straddle two chunks)."""

    def __init__(self) -> None:
        self.lf = self.crlf = self.cr = 0
        self._pending_cr = False

    def feed(self, text: str) -> None:
        if self._pending_cr:
            if text.startswith("\n"):
                self.crlf += 1
                text = text[1:]
            else:
                self.cr += 1
        self._pending_cr = text.endswith("\r")
        if self._pending_cr:
            text = text[:-1]
        crlf = text.count("\r\n")
        self.crlf += crlf
        self.cr += text.count("\r") - crlf
        self.lf += text.count("\n") - crlf

    def style(self) -> str:
        if self._pending_cr:
            self.cr += 1
            self._pending_cr = False
        kinds = [label for label, count in (("LF", self.lf), ("CRLF", self.crlf), ("CR", self.cr)) if count]
        if not kinds:
            return "none"
        return kinds[0] if len(kinds) == 1 else "mixed"


@dataclass
class _Transcoded:
    newline: str
    has_text: bool
    size_bytes_out: int


def _transcode(src: Path, out: Path, *, skip: int, codec: str, errors: str) -> _Transcoded:
    """Decode ``src`` (after ``skip`` BOM bytes) with ``codec`` and write it to ``out`` as UTF-8.

    Raises ``UnicodeDecodeError`` with ``start`` set to the offending byte's offset in the file.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    newlines = _NewlineCounter()
    has_text = False
    consumed = skip
    with src.open("rb") as fin, out.open("w", encoding="utf-8", newline="") as fout:
        fin.seek(skip)
        while True:
            chunk = fin.read(CHUNK_BYTES)
            buffered = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                exc.start = consumed - buffered + exc.start
                raise
            consumed += len(chunk)
            newlines.feed(text)
            has_text = has_text or bool(text.strip())
            fout.write(text)
            if not chunk:
                break
    return _Transcoded(newlines.style(), has_text, out.stat().st_size)


def normalise_to_utf8(src: Path, dest: Path, *, name: str | None = None) -> NormalisedFile:
    """Rewrite the text file ``src`` as UTF-8 without BOM at ``dest`` (which may be ``src`` itself).

    Line ends and every character are kept; only the encoding changes. ``dest`` is replaced atomically,
    so it never holds a half-written file.

    Args:
        src: The vendor file as uploaded.
        dest: Where the UTF-8 copy goes; its directory must exist.
        name: The file's name as the user knows it, for error messages (default: ``src.name``).

    Raises:
        ExecutorError: ``input_file_empty`` (no bytes, or only whitespace and BOM);
            ``input_file_not_text`` (binary, or UTF-16/32 text that does not decode: kind ``damaged``).
        OSError: ``src`` cannot be read or ``dest`` cannot be written.
    """
    display = name or src.name
    size_in = src.stat().st_size
    with src.open("rb") as fin:
        head = fin.read(SAMPLE_BYTES)
    detected = detect_encoding(head, complete=size_in <= SAMPLE_BYTES, name=display)

    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        codec_used, first_bad = detected.codec, None
        try:
            result = _transcode(src, tmp, skip=len(detected.bom), codec=detected.codec, errors="strict")
        except UnicodeDecodeError as exc:
            if detected.codec in _WIDE_CODECS:
                raise ExecutorError("input_file_not_text", name=display, kind="damaged") from exc
            codec_used, first_bad = _FALLBACK_CODEC, exc.start
            result = _transcode(src, tmp, skip=len(detected.bom), codec=_FALLBACK_CODEC, errors=_FALLBACK_ERRORS)
        if not result.has_text:
            raise ExecutorError("input_file_empty", name=display)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return NormalisedFile(
        path=dest,
        detected=detected,
        codec_used=codec_used,
        retried=first_bad is not None,
        first_bad_byte=first_bad,
        newline=result.newline,
        size_bytes_in=size_in,
        size_bytes_out=result.size_bytes_out,
    )
