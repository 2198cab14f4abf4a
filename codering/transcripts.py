"""Transcripts: read, decode, parse into turns and segment into sentences.

The canonical text format (see DESIGN.md, "Transcript format")::

    interview_id: INT-01          <- optional header of ``key: value`` lines
    locatie: Beernem
                                  <- a blank line
    I: Met wie werkt u samen?     <- one speaker turn per paragraph
                                  <- paragraphs are separated by blank lines
    [00:01:10] R: Met de huisarts, o.a. voor doorverwijzingen.

Everything here is pure domain code: no SQL, no UI. spaCy is imported lazily
by :func:`segment_turns` (the first call takes a few seconds) and the
pipeline is cached in a module variable. Other file types (.docx, .odt, .vtt,
.srt, .md) are converted to canonical text by :mod:`codering.readers` and
then parsed like a .txt file, so all offsets index ``ParsedTranscript.content``.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from codering.errors import TranscriptError
from codering.segmentation import ABBREVIATIONS, sentence_bounds  # noqa: F401 (re-exported)

__all__ = [
    "MAX_BYTES", "SUPPORTED_SUFFIXES", "ParsedTranscript", "Segment", "Turn", "decode_bytes", "parse_text",
    "read_attributes_csv", "read_transcript", "segment_turns",
]

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".odt", ".vtt", ".srt")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Turn:
    index: int  # 0-based turn number within the transcript
    start: int  # offset of the paragraph's first (non-whitespace) character in content
    end: int  # offset just past the paragraph's last non-whitespace character
    body_start: int  # offset where the spoken text starts (after timestamp + label + spaces)
    speaker: str  # the label as written ("I", "R1", "Marleen"), "" when there is none
    role: str  # "interviewer" | "respondent" | "other" | "none" (no label)
    timestamp: str | None  # "hh:mm:ss" or None


@dataclass(frozen=True)
class Segment:
    start: int  # content[start:end] is the sentence, without surrounding whitespace
    end: int
    turn: int  # Turn.index
    index: int  # 0-based segment number within the transcript


@dataclass
class ParsedTranscript:
    name: str
    content: str
    attributes: dict[str, str]
    turns: list[Turn]
    segments: list[Segment]
    source_format: str
    encoding: str
    notices: list[str] = field(default_factory=list)
    content_hash: str = ""


# -- reading files -------------------------------------------------------------------------

_REFUSED_HINTS = {
    ".doc": "save it as .docx (Word) first", ".rtf": "save it as .docx or plain text first",
    ".pdf": "copy the text into a .txt or .docx file first", ".pages": "export it as .docx first",
    ".xlsx": "a spreadsheet is not a transcript; attributes go in a .csv file",
}


def _check_file(path: Path) -> int:
    """Raise a TranscriptError unless ``path`` is an existing, supported, not too large file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise TranscriptError(path, "no such file") from None
    except PermissionError:
        raise TranscriptError(path, "cannot be read (permission denied)") from None
    except OSError as exc:
        raise TranscriptError(path, f"cannot be read ({exc.strerror or exc})") from None
    if path.is_dir():
        raise TranscriptError(path, "is a folder, not a file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        reason = f"unsupported file type {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        if suffix in _REFUSED_HINTS:
            reason += f"; {_REFUSED_HINTS[suffix]}"
        raise TranscriptError(path, reason)
    if info.st_size > MAX_BYTES:
        size_mb = -(-info.st_size * 10 // (1024 * 1024)) / 10  # rounded up to 0.1 MB
        raise TranscriptError(path, f"the file is {size_mb:g} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB")
    return info.st_size


def read_transcript(path: Path) -> ParsedTranscript:
    """Read, decode, convert, parse and segment one transcript file."""
    from codering import readers

    path = Path(path)
    _check_file(path)
    suffix = path.suffix.lower()
    fmt = suffix.lstrip(".")
    speakers: frozenset[str] | None = None
    only_speakers = False
    if suffix in (".docx", ".odt"):
        text, notices = readers.read_docx(path) if suffix == ".docx" else readers.read_odt(path)
        encoding = "utf-8"
        if not text.strip():
            raise TranscriptError(path, "the document has no text")
    else:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TranscriptError(path, f"cannot be read ({exc.strerror or exc})") from None
        text, encoding, notices = decode_bytes(data, path)
        if suffix in (".txt", ".md"):
            sniffed = readers.sniff_subtitles(text)
            if sniffed:
                notices.append(f"the {suffix} file holds {sniffed.upper()} subtitles; read as subtitles")
                fmt = sniffed
        if fmt in ("vtt", "srt"):
            text, more, names = readers.convert_subtitles(text, fmt, path)
            notices += more
            speakers, only_speakers = frozenset(names), True
        elif fmt == "md":
            text, more = readers.convert_markdown(text)
            notices += more
    return _parse(text, path.stem, fmt, encoding, notices, where=path, speakers=speakers,
                  only_speakers=only_speakers)


def read_attributes_csv(path: Path) -> dict[str, dict[str, str]]:
    """Case attributes from a CSV: transcript stem -> {attribute: value}.

    The first column names the transcript (header ``transcript``, ``name`` or
    ``file``); a file extension or folder in its values is dropped. Other
    column headers are attribute names (lowercased, spaces become ``_``).
    Comma, semicolon and tab separators are recognised; empty cells are skipped.
    """
    from codering import readers

    return readers.read_attributes_csv(Path(path))


# -- decoding --------------------------------------------------------------------------------

_BINARY_MAGIC = (
    (b"\x89PNG", None), (b"GIF8", None), (b"\xff\xd8\xff", None), (b"%PDF-", "it is a PDF file"),
    (b"PK\x03\x04", "it is a zip archive, perhaps a .docx or .odt file with the wrong extension"),
    (b"\xd0\xcf\x11\xe0", "it is an old Office file (.doc); save it as .docx"),
    (b"SQLite format 3\x00", None), (b"\x7fELF", None),
)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_BINARY = "looks like a binary file, not a transcript"


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
    """Canonical line ends (LF), NFC, no BOM, no trailing whitespace at the end of the file."""
    notices: list[str] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        notices.append("line ends converted to LF")
    if any(ch in text for ch in "\x0b\u2028\u2029"):
        text = text.replace("\u2029", "\n\n").replace("\u2028", "\n").replace("\x0b", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        notices.append("accents normalised to composed characters (NFC)")
    return text.rstrip(), notices


# -- labels, timestamps and headers ------------------------------------------------------

_HEADER_LINE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(\S.*?)?[ \t]*")
_SHORT_CODE = re.compile(r"(?P<l>[IRQA])\d{0,2}|P\d{1,2}|Int|Resp|INT|RESP")
_WORD_LABEL = re.compile(r"(?P<w>[^\W\d_]+)(?:[ _-]?\d{1,3})?")
_LABEL_WORDS = {
    **dict.fromkeys(("interviewer", "int", "onderzoeker", "interviewster", "moderator", "gespreksleider",
                     "vraag", "vraagsteller", "interviewers"), "interviewer"),
    **dict.fromkeys(("respondent", "resp", "geïnterviewde", "geinterviewde", "interviewee", "antwoord",
                     "deelnemer", "participant", "respondente"), "respondent"),
    **dict.fromkeys(("spreker", "speaker", "tolk", "onbekend", "unknown", "persoon", "stem"), "other"),
}
_SPEAKER_WORD_KEYS = frozenset(k for k, v in _LABEL_WORDS.items() if v != "other") | {"interviewers"}
KNOWN_ATTRIBUTES = frozenset("""
    interview_id id interview nummer nr code case casus locatie plaats gemeente stad regio provincie
    actorgroep sector organisatie organisation dienst afdeling functie rol beroep datum date tijd tijdstip
    duur duration lengte interviewer interviewers onderzoeker respondent respondenten geslacht gender
    leeftijd age taal language titel title opmerking opmerkingen notitie notities transcriptie transcribent
    versie project setting context medium type ervaring opleiding niveau schaal anciënniteit statuut
""".split())
_TITLES = frozenset("dhr. dhr mevr. mevr mw. mw mr. mr mrs. ms. dr. dr prof. prof ir. ing. drs. mej. "
                    "meneer mevrouw mijnheer dokter juf meester pater zuster broeder".split())
_PARTICLES = frozenset("van de der den het 't ter ten te von vom du da di dos le la del della el al bin "
                       "op in 's d' vd v/d".split())
_STOPWORDS = frozenset("""
    ja jaja nee neen nou dus kijk maar en want of ook nog wel niet zeker goed oké oke ok okay allee awel
    euh eh ehm uhm hm hmm ah oh och ach tja ha hè he zo toen nu dan daar hier eerst eerste tweede derde
    laatste ten tot om op in met voor na door bij aan van uit over als omdat noch let nota noot opmerking
    voorbeeld bijvoorbeeld conclusie samengevat kortom enfin namelijk daarom belangrijk probleem punt
    stelling thema onderwerp citaat quote titel dat dit het de een wat wie hoe waarom waar wanneer welke
    ik wij we zij ze hij jij je u gij ge jullie men mijn ons onze hun haar zijn mijnheer mevrouw vraag
    antwoord besluit samenvatting vervolg inleiding slot afsluiting intro opening reactie tip advies
    probleem oplossing vooral eigenlijk gewoon alleen soms altijd nooit mss misschien bon enfin tussendoor
    nb ps pps ok btw fyi vb bvb wow yes no jawel neenee nounou aha
""".split())
_TS_BODY = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TIMESTAMP = re.compile(
    rf"(?:\[(?P<a>{_TS_BODY})\]|\((?P<b>{_TS_BODY})\)|(?P<c>\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,3}})?)(?=\s|$))"
    r"[ \t]*(?:[-–—][ \t]+)?"
)
_LABEL = re.compile(r"(?P<label>[^\s:\[\]()][^:\n]{0,59}?)[ \t]*(?:[\[(](?P<ts>" + _TS_BODY + r")[\])][ \t]*)?:")
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_])|\.$)*\.?")


def normalise_timestamp(raw: str) -> str | None:
    """'1:02:03.500' -> '01:02:03', '12:34' -> '00:12:34'; None if it is no valid time."""
    parts = re.split(r"[.,]", raw)[0].split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 2:
        nums = [0, *nums]
    if len(nums) != 3 or nums[1] > 59 or nums[2] > 59:
        return None
    return f"{nums[0]:02d}:{nums[1]:02d}:{nums[2]:02d}"


def label_role(label: str) -> str | None:
    """The role of a standard speaker label (I, R1, Interviewer, Spreker 2, ...), else None."""
    m = _SHORT_CODE.fullmatch(label)
    if m:
        first = label[0]
        return "interviewer" if first in "IQ" else "respondent"
    m = _WORD_LABEL.fullmatch(label)
    if m:
        return _LABEL_WORDS.get(m.group("w").lower())
    return None


def name_strength(label: str) -> int:
    """0: not a personal name; 1: a single name ("Marleen"); 2: a fuller name ("Dhr. Peeters", "Jan De Smet")."""
    if len(label) > 30 or not label:
        return 0
    words = label.split()
    if not 1 <= len(words) <= 6:
        return 0
    titled = words[0].lower() in _TITLES and len(words) > 1
    rest = words[1:] if titled else words
    names = 0
    for i, word in enumerate(rest):
        if word in _PARTICLES and 0 < i < len(rest) - 1:
            continue
        if not _NAME_WORD.fullmatch(word) or not word[0].isupper():
            return 0
        if word.isupper() and len(word) > 1 and not label.isupper():
            return 0  # "Jan CAW" is a fragment, not a name
        names += 1
    if not 1 <= names <= 3 or rest[0].lower().rstrip(".") in _STOPWORDS or rest[0].lower() in _PARTICLES:
        return 0
    if label.isupper():
        # initials such as "KDB" or "JP" (a single word): only when used more than once
        return 1 if names == 1 and not titled and 2 <= len(label) <= 4 and label.isalpha() else 0
    return 2 if titled or names >= 2 else 1


def _is_sentence(value: str) -> bool:
    return bool(re.search(r"[?!…]$|[^.\s]{3}\.$|\?\s", value)) or len(value.split()) > 12


def _header_attributes(lines: list[str], later_labels: set[str]) -> dict[str, str] | None:
    """The attributes if these lines form a header block, else None."""
    matches = [_HEADER_LINE.fullmatch(line.strip()) for line in lines]
    if not all(matches) or not lines:
        return None
    raw_keys = [m.group(1).strip() for m in matches]
    values = [(m.group(2) or "").strip() for m in matches]
    if any(_SHORT_CODE.fullmatch(k) for k in raw_keys):
        return None
    keys = [re.sub(r"\s+", "_", k.lower()) for k in raw_keys]
    if len(set(keys)) != len(keys) or not any(values):
        return None
    if all(k in _SPEAKER_WORD_KEYS or label_role(r) for k, r in zip(keys, raw_keys)) and len(keys) > 1:
        return None  # "Interviewer: ...\nRespondent: ..." is a conversation
    if all(k in later_labels for k in raw_keys):
        return None  # every "key" is used as a speaker label further on
    if 2 * sum(_is_sentence(v) for v in values) > len(values):
        return None
    if len(lines) == 1:
        key, raw, value = keys[0], raw_keys[0], values[0]
        if key not in KNOWN_ATTRIBUTES or not value or _is_sentence(value):
            return None
        if key in _SPEAKER_WORD_KEYS and not raw.islower() and not name_strength(value):
            return None  # "Interviewer: Hoe gaat het met u" is a turn
    return dict(zip(keys, values))


# -- parsing -----------------------------------------------------------------------------------

@dataclass
class _Prefix:
    timestamp: str | None
    label: str
    label_ts: str | None
    after_ts: int  # offset (in the line) after the timestamp
    after_label: int  # offset (in the line) just after the ':'


def _prefix(line: str) -> _Prefix:
    ts = None
    pos = 0
    m = _TIMESTAMP.match(line)
    if m:
        ts = normalise_timestamp(m.group("a") or m.group("b") or m.group("c"))
        if ts is not None:
            pos = m.end()
    label, label_ts, after = "", None, pos
    at = pos
    while at < len(line) and line[at].isspace():
        at += 1
    lm = _LABEL.match(line, at)
    if lm:
        nxt = line[lm.end():lm.end() + 1]
        cand = lm.group("label").strip()
        if nxt == "" or nxt.isspace() or _SHORT_CODE.fullmatch(cand):
            label, after = cand, lm.end()
            label_ts = normalise_timestamp(lm.group("ts")) if lm.group("ts") else None
    return _Prefix(ts, label, label_ts, pos, after)


def _split_values(value: str) -> list[str]:
    return [v.strip().lower() for v in re.split(r"[,;/&+]| en ", value) if v.strip()]


def _parse(text: str, name: str, source_format: str, encoding: str, notices: list[str], *, where,
           speakers: frozenset[str] | None = None, only_speakers: bool = False) -> ParsedTranscript:
    notices = list(notices)
    content, more = normalise_text(text)
    notices += more
    if not content.strip():
        raise TranscriptError(where, "the file is empty")

    # paragraphs: runs of non-blank lines, as lists of (offset, line)
    paragraphs: list[list[tuple[int, str]]] = []
    pos, current = 0, []
    for line in content.split("\n"):
        if line.strip():
            current.append((pos, line))
        elif current:
            paragraphs.append(current)
            current = []
        pos += len(line) + 1
    if current:
        paragraphs.append(current)

    def line_prefix(off_line: tuple[int, str]) -> tuple[int, _Prefix]:
        off, line = off_line
        lead = len(line) - len(line.lstrip())
        return off + lead, _prefix(line[lead:].rstrip())

    prefixes = [[line_prefix(item) for item in para] for para in paragraphs]
    later_labels = {p.label for para in prefixes[1:] for _, p in para if p.label}

    attributes: dict[str, str] = {}
    first_lines = [line for _, line in paragraphs[0]]
    header = None if only_speakers else _header_attributes(first_lines, later_labels)
    if header is not None:
        if len(paragraphs) == 1:
            raise TranscriptError(where, "no interview text after the header")
        attributes = header
        paragraphs, prefixes = paragraphs[1:], prefixes[1:]
    else:
        notices.append("no header: attributes empty")

    counts: dict[str, int] = {}
    for para in prefixes:
        for _, p in para:
            if p.label:
                counts[p.label] = counts.get(p.label, 0) + 1
    interviewer_names = _split_values(attributes.get("interviewer", "")) + _split_values(
        attributes.get("interviewers", ""))
    respondent_names = _split_values(attributes.get("respondent", "")) + _split_values(
        attributes.get("respondenten", ""))
    explicit = speakers or frozenset()

    def matches(label: str, names: list[str]) -> bool:
        low = " ".join(label.lower().split())
        return len(low) <= 40 and any(low == n or n.startswith(low + " ") or low.startswith(n + " ")
                                      for n in names)

    # personal names used as a label more than once: then a name that speaks only once is a label too
    recurring_names = {label for label, n in counts.items()
                       if name_strength(label) and not label_role(label) and (
                           n >= 2 or matches(label, interviewer_names) or matches(label, respondent_names))}

    def accept(p: _Prefix) -> tuple[str, str] | None:
        """(label, role) if the label is taken as a speaker, else None."""
        label = p.label
        if not label:
            return None
        if label in explicit:
            return label, label_role(label) or "respondent"
        if only_speakers:
            return None
        role = label_role(label)
        if role:
            return label, role
        if matches(label, interviewer_names):
            return label, "interviewer"
        if matches(label, respondent_names):
            return label, "respondent"
        strength = name_strength(label)
        if strength == 2 or (strength == 1 and (counts.get(label, 0) >= 2 or p.timestamp or p.label_ts
                                                or (recurring_names - {label}))):
            return label, "respondent"
        return None

    # turns: a paragraph, or a line inside it that starts with a timestamp or a speaker label
    blocks: list[tuple[list[tuple[int, str]], tuple[int, _Prefix]]] = []
    split_lines = 0
    for para, pre in zip(paragraphs, prefixes):
        start = 0
        for i in range(1, len(para)):
            p = pre[i][1]
            previous_only_time = pre[i - 1][1].timestamp and pre[i - 1][1].after_ts >= len(para[i - 1][1].strip())
            if (p.timestamp or accept(p)) and not previous_only_time:
                blocks.append((para[start:i], pre[start]))
                start = i
                split_lines += 1
        blocks.append((para[start:], pre[start]))
    if split_lines:
        notices.append(f"{split_lines} turn(s) began on a new line without a blank line before them;"
                       " each was read as its own turn")

    turns: list[Turn] = []
    name_roles: set[str] = set()
    for lines, (start, _) in blocks:
        last_off, last_line = lines[-1]
        end = last_off + len(last_line.rstrip())
        p = _prefix(content[start:end])
        accepted = accept(p)
        if accepted:
            speaker, role = accepted
            body = start + p.after_label
            timestamp = p.timestamp or p.label_ts
            if not label_role(speaker):
                name_roles.add(speaker)
        else:
            speaker, role, body, timestamp = "", "none", start + p.after_ts, p.timestamp
        while body < end and content[body].isspace():
            body += 1
        turns.append(Turn(len(turns), start, end, max(start, min(body, end)), speaker, role, timestamp))
    if not turns:
        raise TranscriptError(where, "no interview text after the header")
    turns = _guess_interviewer(content, turns, name_roles, notices, hint=not only_speakers)
    segments = segment_turns(content, turns)
    return ParsedTranscript(
        name=name, content=content, attributes=attributes, turns=turns, segments=segments,
        source_format=source_format, encoding=encoding, notices=notices,
        content_hash=hashlib.sha256(content.encode("utf-8")).hexdigest(),
    )


def _guess_interviewer(content: str, turns: list[Turn], names: set[str], notices: list[str],
                       hint: bool) -> list[Turn]:
    """With only personal names as labels, take the one who mostly asks questions as the interviewer."""
    if len(names) < 2 or any(t.role == "interviewer" for t in turns):
        return turns
    questions, share = {}, {}
    for name in names:
        own = [t for t in turns if t.speaker == name]
        questions[name] = sum(content[t.body_start:t.end].rstrip().endswith("?") for t in own)
        share[name] = questions[name] / len(own)
    ranked = sorted(share.items(), key=lambda kv: -kv[1])
    best, ratio = ranked[0]
    if questions[best] < 2 or ratio < 0.4 or ratio <= ranked[1][1] * 1.5:
        return turns
    notice = f"'{best}' was taken to be the interviewer (asks most of the questions)"
    if hint:
        notice += f"; a header line 'interviewer: {best}' says so explicitly"
    notices.append(notice)
    return [Turn(t.index, t.start, t.end, t.body_start, t.speaker, "interviewer", t.timestamp)
            if t.speaker == best else t for t in turns]


def parse_text(content: str, name: str, source_format: str = "txt", *,
               speakers: Iterable[str] | None = None) -> ParsedTranscript:
    """Parse canonical transcript text (already decoded). ``speakers``: extra labels to recognise."""
    return _parse(content, name, source_format, "utf-8", [], where=name,
                  speakers=frozenset(speakers) if speakers else None)


def segment_turns(content: str, turns: list[Turn]) -> list[Segment]:
    """Sentences of every turn body, in order; offsets index ``content``."""
    bodies = [(t, content[t.body_start:t.end]) for t in turns]
    bodies = [(t, b) for t, b in bodies if b.strip()]
    segments: list[Segment] = []
    for (turn, body), bounds in zip(bodies, sentence_bounds(b for _, b in bodies)):
        for a, e in bounds:
            piece = body[a:e]
            lead = len(piece) - len(piece.lstrip())
            stripped = piece.strip()
            if stripped:
                s = turn.body_start + a + lead
                segments.append(Segment(s, s + len(stripped), turn.index, len(segments)))
    return segments
