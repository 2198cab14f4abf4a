"""Bytes to text: encodings (BOM, UTF-16, cp1252 fallback), binary refusal, canonical line ends and NFC."""

from __future__ import annotations

import codecs
import functools
import re
import sys
import unicodedata

from codering.errors import TranscriptError

_BINARY_MAGIC = (
    (b"\x89PNG", None), (b"GIF8", None), (b"\xff\xd8\xff", None), (b"%PDF-", "it is a PDF file"),
    (b"PK\x03\x04", "it is a zip archive, perhaps a .docx or .odt file with the wrong extension"),
    (b"\xd0\xcf\x11\xe0", "it is an old Office file (.doc); save it as .docx"),
    (b"SQLite format 3\x00", None), (b"\x7fELF", None),
)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_BINARY = "looks like a binary file, not a transcript"
# invisible characters the stored text goes without: control (Cc) and format (Cf) characters, but not the newline
# and tab, nor the joiners and tag characters that hold emoji sequences and some scripts together
_KEPT_INVISIBLE = frozenset("\n\t\u200c\u200d")


@functools.cache
def _invisible_re() -> re.Pattern:
    chars = (chr(i) for i in range(sys.maxunicode + 1) if unicodedata.category(chr(i)) in ("Cc", "Cf"))
    return re.compile("[" + "".join(re.escape(ch) for ch in chars if is_invisible(ch)) + "]")


def is_invisible(ch: str) -> bool:
    """True for a character :func:`normalise_text` removes (U+FEFF, U+200B, a form feed, a bell, ...)."""
    return (unicodedata.category(ch) in ("Cc", "Cf") and ch not in _KEPT_INVISIBLE
            and not "\U000e0020" <= ch <= "\U000e007f")


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Error handler: bytes that are not UTF-8 are read as cp1252 (latin-1 for its 5 unused bytes)."""
    bad = exc.object[exc.start:exc.end]
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in bad), exc.end


codecs.register_error("codering-cp1252", _cp1252_fallback)


def _utf8_quality(data: bytes) -> tuple[int, int]:
    """(valid non-ASCII characters, invalid sequences) when ``data`` is read as UTF-8."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good, bad


def decode_bytes(data: bytes, path) -> tuple[str, str, list[str]]:
    """Decode a text file: (text, encoding, notices). Refuses empty and binary files."""
    notices: list[str] = []
    if not data:
        raise TranscriptError(path, "the file is empty")
    text: str | None = None
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding, label = "utf-32", "UTF-32"
    elif data.startswith(codecs.BOM_UTF8):
        encoding, label = "utf-8-sig", "UTF-8 with BOM"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, label = "utf-16", "UTF-16"
    else:
        encoding = label = ""
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            if encoding != "utf-8-sig":
                raise TranscriptError(path, f"starts like {label} text but is not valid {label}") from None
            text = data[3:].decode("utf-8", errors="codering-cp1252")
            notices.append("UTF-8 with BOM, but some bytes were not UTF-8 and were read as cp1252")
        else:
            notices.append(label if label != "UTF-16" else "decoded as UTF-16")
    else:
        for magic, hint in _BINARY_MAGIC:
            if data.startswith(magic):
                raise TranscriptError(path, _BINARY + (f" ({hint})" if hint else ""))
        if data.lstrip().startswith(b"{\\rtf"):
            raise TranscriptError(path, "is an RTF file, not plain text; save it as .docx or .txt first")
        if b"\x00" in data:
            head = data[:8192]
            pairs = max(1, len(head) // 2)
            odd, even = head[1::2].count(0) / pairs, head[0::2].count(0) / pairs
            encoding = "utf-16-le" if odd > 0.3 and even < 0.05 else "utf-16-be" if even > 0.3 and odd < 0.05 else ""
            if not encoding:
                raise TranscriptError(path, _BINARY)
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise TranscriptError(path, _BINARY) from None
            notices.append("decoded as UTF-16 (no byte order mark)")
        else:
            try:
                text, encoding = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                good, bad = _utf8_quality(data)
                if good > bad:
                    text, encoding = data.decode("utf-8", errors="codering-cp1252"), "utf-8"
                    notices.append(f"mostly UTF-8, but {bad} byte(s) were not and were read as cp1252")
                else:
                    try:
                        text, encoding = data.decode("cp1252"), "cp1252"
                    except UnicodeDecodeError:
                        text, encoding = data.decode("latin-1"), "latin-1"
                    notices.append(f"decoded as {encoding} (not UTF-8)")
    assert text is not None
    if "\x00" in text:
        raise TranscriptError(path, _BINARY)
    controls = len(_CONTROL_RE.findall(text))
    if controls >= 3 and controls > 0.02 * len(text):
        raise TranscriptError(path, _BINARY)
    if not text.strip():
        raise TranscriptError(path, "the file is empty")
    return text, encoding, notices


def normalise_text(text: str) -> tuple[str, list[str]]:
    """Canonical line ends (LF), NFC, no BOM, no invisible control or format characters (see
    :func:`is_invisible`), no trailing whitespace at the end of the file."""
    notices: list[str] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notices.append("line ends converted to LF")
    if any(ch in text for ch in "\x0b\u2028\u2029"):
        text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x0b", "\n")
    removed = _invisible_re().findall(text)
    if removed:
        text = _invisible_re().sub("", text)
        kinds = sorted(set(removed))
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in kinds[:5]) + (", ..." if len(kinds) > 5 else "")
        notices.append(f"{len(removed)} invisible character(s) removed from the text ({shown})")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        notices.append("accents normalised to composed characters (NFC)")
    return text.rstrip(), notices


def align(original: str, stored: str) -> list[int] | None:
    """For every index of ``original`` (and its end), the index in ``stored`` (its form after
    :func:`normalise_text`); None when the two cannot be lined up. Offsets another program counted on a
    file's own text (CRLF as two characters) become offsets of the stored text through it."""
    n, k = len(original), len(stored)
    out = [0] * (n + 1)
    i = j = 0
    while i < n:
        ch = original[i]
        nxt_combining = i + 1 < n and unicodedata.combining(original[i + 1])
        if j < k and ch == stored[j] and not nxt_combining:
            out[i] = j
            i, j = i + 1, j + 1
            continue
        out[i] = j
        if ch == "\ufeff" and i == 0:
            i += 1
            continue
        if ch == "\r" and i + 1 < n and original[i + 1] == "\n":
            i += 1  # the LF that follows lines up with the stored LF
            continue
        if ch in "\r\u2028\x0b" and j < k and stored[j] == "\n":
            i, j = i + 1, j + 1
            continue
        if ch == "\u2029" and stored.startswith("\n\n", j):
            i, j = i + 1, j + 2
            continue
        if is_invisible(ch):
            i += 1  # an invisible character the store leaves out
            continue
        end = i + 1
        while end < n and unicodedata.combining(original[end]):
            end += 1
        composed = unicodedata.normalize("NFC", original[i:end])
        if stored.startswith(composed, j):
            for x in range(i, end):
                out[x] = j
            i, j = end, j + len(composed)
            continue
        if j >= k and not original[i:].strip():
            for x in range(i, n):
                out[x] = k  # trailing whitespace the store cuts off
            j = k
            break
        return None
    out[n] = j
    return out
