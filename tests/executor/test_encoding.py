"""Vendor files in every encoding they arrive in become the same UTF-8 text; binary and empty files are refused."""

from __future__ import annotations

import codecs
import gzip
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd  # type: ignore[import-untyped]
import pytest

from runway.executor import encoding
from runway.executor.encoding import detect_encoding, normalise_to_utf8
from runway.executor.errors import ExecutorError, describe
from tests.conftest import BUNDLES_DIR, needs_shared
from tests.executor.helpers import ACCENTED, SAMPLES, Sample, accented_text
from tests.support.bundles import run_bundle


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


#: variant → (bytes of the accented sample text, detected label, expected output text given the LF text)
VARIANTS: dict[str, tuple[Callable[[str], bytes], str, Callable[[str], str]]] = {
    "utf-8": (lambda t: t.encode("utf-8"), "UTF-8", str),
    "utf-8-bom": (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "UTF-8 with BOM", str),
    "utf-16-le-bom": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "UTF-16 LE with BOM", str),
    "utf-16-be-bom": (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "UTF-16 BE with BOM", str),
    "windows-1252": (lambda t: t.encode("cp1252"), "Windows-1252", str),
    "utf-8-crlf": (lambda t: crlf(t).encode("utf-8"), "UTF-8", crlf),
    # Excel's "Unicode Text": UTF-16 LE, BOM, CRLF.
    "utf-16-bom-crlf": (lambda t: codecs.BOM_UTF16_LE + crlf(t).encode("utf-16-le"), "UTF-16 LE with BOM", crlf),
    "windows-1252-crlf": (lambda t: crlf(t).encode("cp1252"), "Windows-1252", crlf),
}


def read_like_earthmover(path: Path) -> pd.DataFrame:
    """How earthmover 0.4.10 reads a csv source (``nodes/source.py``), encoding left at its default."""
    return pd.read_csv(path, sep=",", dtype=str, encoding="utf8", keep_default_na=False, header=0)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("bundle", list(SAMPLES))
def test_sample_variants_normalise_to_the_same_utf8(bundle: str, variant: str, tmp_path: Path) -> None:
    sample = SAMPLES[bundle]
    text = accented_text(sample)
    encode, label, expected = VARIANTS[variant]
    src = tmp_path / "upload.csv"
    src.write_bytes(encode(text))

    result = normalise_to_utf8(src, tmp_path / "input.csv")

    out = (tmp_path / "input.csv").read_bytes()
    assert not out.startswith(codecs.BOM_UTF8)
    assert out.decode("utf-8") == expected(text)  # every character and line end kept
    assert result.detected.label == label
    assert not result.retried
    assert result.newline == ("CRLF" if expected is crlf else "LF")
    assert result.size_bytes_out == len(out)
    assert result.size_bytes_in == src.stat().st_size


@pytest.mark.parametrize("bundle", list(SAMPLES))
def test_all_variants_read_as_the_same_table(bundle: str, tmp_path: Path) -> None:
    sample: Sample = SAMPLES[bundle]
    text = accented_text(sample)
    frames = {}
    for variant, (encode, _, _) in VARIANTS.items():
        src = tmp_path / f"{variant}.csv"
        src.write_bytes(encode(text))
        normalise_to_utf8(src, src)  # in place, as the executor may do with a downloaded input
        frames[variant] = read_like_earthmover(src)
    reference = frames.pop("utf-8")
    names = reference[sample.text_columns[0]].tolist()
    assert set(names) <= set(ACCENTED)
    assert len(reference) == len(sample.table()[1])
    for variant, frame in frames.items():
        pd.testing.assert_frame_equal(frame, reference, obj=variant)


def test_windows_1252_bytes_that_latin_1_gets_wrong(tmp_path: Path) -> None:
    src = tmp_path / "names.csv"
    src.write_bytes("ID,Name\n1,O’Brien – “Bob”\n2,Café €5\n".encode("cp1252"))
    result = normalise_to_utf8(src, tmp_path / "out.csv")
    assert result.codec_used == "cp1252"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "ID,Name\n1,O’Brien – “Bob”\n2,Café €5\n"


def test_byte_undefined_in_windows_1252_is_read_as_latin_1(tmp_path: Path) -> None:
    src = tmp_path / "latin1.csv"
    rows = "".join(f"{n},Café Núñez\n" for n in range(605000, 605020))
    src.write_bytes(f"ID,Name\n{rows}".encode("latin-1") + b"605999,x\x81y\n")
    result = normalise_to_utf8(src, tmp_path / "out.csv")
    assert result.detected.label == "ISO-8859-1 (Latin-1)"
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == f"ID,Name\n{rows}605999,x\x81y\n"


def test_short_punctuation_heavy_text_is_still_text(tmp_path: Path) -> None:
    """charset-normalizer calls this binary; the control-character count keeps it."""
    src = tmp_path / "short.csv"
    src.write_bytes("a,b\n“q”,–\n".encode("cp1252"))
    normalise_to_utf8(src, tmp_path / "out.csv")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == "a,b\n“q”,–\n"


def test_utf16_without_bom_is_recognised(tmp_path: Path) -> None:
    text = "StudentID,Name\r\n605000,Zoë Núñez\r\n605001,O’Brien\r\n" * 20
    src = tmp_path / "nobom.txt"
    src.write_bytes(text.encode("utf-16-le"))
    result = normalise_to_utf8(src, tmp_path / "out.txt")
    assert result.detected.label == "UTF-16 LE (no BOM)"
    assert (tmp_path / "out.txt").read_bytes().decode("utf-8") == text


def test_late_non_utf8_byte_retries_the_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection sees only the start; a bad byte later decodes the file again as Windows-1252/Latin-1."""
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", 64)
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 50)
    head = "StudentID,Name\n" + "".join(f"{n},Zoë\n" for n in range(605000, 605020))  # UTF-8 up to here
    src = tmp_path / "mixed.csv"
    src.write_bytes(head.encode("utf-8") + "605999,O’Brien\n".encode("cp1252"))

    result = normalise_to_utf8(src, tmp_path / "out.csv")

    assert result.detected.codec == "utf_8"
    assert result.retried
    assert result.codec_used == "cp1252"
    assert result.first_bad_byte == len(head.encode("utf-8")) + len("605999,O")
    # The retry decodes everything from the start with one codec: the early UTF-8 "ë" becomes two characters.
    out = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert out.endswith("605999,O’Brien\n")
    assert "ZoÃ«" in out


def test_small_chunks_keep_multibyte_characters_and_crlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", 7)  # cuts "ë" (2 bytes in UTF-8) in two
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 3)
    text = "ID,Zoë\r\n1,“x”\r\n2,é\r\n"
    for data in (text.encode("utf-8"), codecs.BOM_UTF16_BE + text.encode("utf-16-be")):
        src = tmp_path / "small.csv"
        src.write_bytes(data)
        result = normalise_to_utf8(src, tmp_path / "out.csv")
        assert (tmp_path / "out.csv").read_bytes().decode("utf-8") == text
        assert result.newline == "CRLF"
        assert not result.retried


def test_line_end_styles_are_reported_and_kept(tmp_path: Path) -> None:
    for text, style in [
        ("a\nb\n", "LF"),
        ("a\r\nb\r\n", "CRLF"),
        ("a\rb\r", "CR"),
        ("a\r\nb\n", "mixed"),
        ("a", "none"),
    ]:
        src = tmp_path / "lines.csv"
        src.write_bytes(text.encode("utf-8"))
        result = normalise_to_utf8(src, tmp_path / "out.csv")
        assert result.newline == style, text
        assert (tmp_path / "out.csv").read_bytes() == text.encode("utf-8")


def xlsx_bytes() -> bytes:
    """The start of a real .xlsx: a ZIP whose entries live under xl/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("[Content_Types].xml", "<Types/>")
        workbook.writestr("xl/workbook.xml", "<workbook/>")
        workbook.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("scores.csv", "StudentID,Score\n605000,12\n")
    return buffer.getvalue()


def random_bytes(size: int, *, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


NOT_TEXT = {
    "xlsx": xlsx_bytes(),
    "zip": zip_bytes(),
    "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
    "gzip": gzip.compress(b"StudentID,Score\n605000,12\n"),
    "binary": random_bytes(4096, seed=1),
    "binary-without-nul": random_bytes(4096, seed=2).replace(b"\x00", b"\x01"),
}


@pytest.mark.parametrize("case", list(NOT_TEXT))
def test_binary_files_are_refused_with_what_to_do(case: str, tmp_path: Path) -> None:
    src = tmp_path / "scores.csv"
    src.write_bytes(NOT_TEXT[case])
    with pytest.raises(ExecutorError) as raised:
        normalise_to_utf8(src, tmp_path / "out.csv", name="scores_fall.csv")
    assert raised.value.code == "input_file_not_text"
    assert raised.value.payload == {"name": "scores_fall.csv", "kind": case.removesuffix("-without-nul")}
    message = describe(raised.value.code, raised.value.payload)
    assert "scores_fall.csv" in message
    assert "CSV" in message  # what to do: upload the vendor's CSV export
    if case == "xlsx":
        assert "Excel workbook (.xlsx)" in message
    assert not (tmp_path / "out.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temporary file left behind


def test_truncated_utf16_is_damaged(tmp_path: Path) -> None:
    src = tmp_path / "cut.txt"
    src.write_bytes(codecs.BOM_UTF16_LE + "StudentID,Score\r\n605000,1".encode("utf-16-le")[:-1])
    with pytest.raises(ExecutorError) as raised:
        normalise_to_utf8(src, tmp_path / "out.txt")
    assert raised.value.payload == {"name": "cut.txt", "kind": "damaged"}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        codecs.BOM_UTF8,
        codecs.BOM_UTF16_LE,
        b"\n\n",
        b" \r\n\t\r\n",
        codecs.BOM_UTF16_BE + " \n".encode("utf-16-be"),
    ],
    ids=["no-bytes", "utf8-bom-only", "utf16-bom-only", "blank-lines", "whitespace", "utf16-whitespace"],
)
def test_empty_files_are_refused_with_what_to_do(data: bytes, tmp_path: Path) -> None:
    src = tmp_path / "scores.csv"
    src.write_bytes(data)
    with pytest.raises(ExecutorError) as raised:
        normalise_to_utf8(src, tmp_path / "out.csv")
    assert raised.value.code == "input_file_empty"
    assert raised.value.payload == {"name": "scores.csv"}
    assert "scores.csv" in str(raised.value)
    assert "Export the results again" in str(raised.value)
    assert not (tmp_path / "out.csv").exists()


def test_detect_encoding_on_a_sample() -> None:
    assert detect_encoding(b"a,b\n1,2\n").codec == "utf_8"
    assert detect_encoding(codecs.BOM_UTF32_LE + "a".encode("utf-32-le")).label == "UTF-32 LE with BOM"
    # a sample cut inside a multi-byte character is still UTF-8, unless it is the whole file
    assert detect_encoding("a,é".encode()[:-1], complete=False).codec == "utf_8"
    assert detect_encoding("a,é".encode()[:-1], complete=True).codec != "utf_8"


@pytest.mark.earthmover
def test_earthmover_reads_the_normalised_file_like_the_original(tmp_path: Path) -> None:
    """ACT as Excel's "Unicode Text" (UTF-16, BOM, CRLF), normalised: the bundle's Ed-Fi output is unchanged."""
    needs_shared(BUNDLES_DIR)
    sample = SAMPLES["ACT"]
    src = tmp_path / "act-unicode.csv"
    src.write_bytes(codecs.BOM_UTF16_LE + crlf(sample.path.read_text(encoding="utf-8")).encode("utf-16-le"))
    normalise_to_utf8(src, src)

    original = run_bundle("ACT", tmp_path / "original")
    normalised = run_bundle("ACT", tmp_path / "normalised", params={"INPUT_FILE": str(src)})

    assert set(normalised) == set(original)
    for endpoint, path in original.items():
        assert normalised[endpoint].read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), endpoint
