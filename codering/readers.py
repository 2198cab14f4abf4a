"""Converters from other transcript formats to canonical transcript text.

Each reader returns text in the format :func:`codering.transcripts.parse_text`
reads (optional ``key: value`` header, blank line, one turn per paragraph),
so every offset refers to the converted text. Word (.docx) through
python-docx; OpenDocument (.odt) and subtitles (.vtt, .srt) with the standard
library only. Also the attributes CSV reader.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from pathlib import Path

from codering.errors import TranscriptError

# a header line as a docx/odt paragraph or table row; parse_text decides whether it is a header
_KEY_VALUE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(\S.*?)?[ \t]*")
_KEY_ONLY = re.compile(r"[A-Za-z][\w -]{0,40}:?")
_TABLE_TEXT_HEADERS = {"tekst", "text", "transcript", "transcriptie", "uitspraak", "inhoud", "spraak", "wat"}
_MAX_XML = 400 * 1024 * 1024


# -- Word and OpenDocument --------------------------------------------------------------------

def _is_heading(style: str) -> bool:
    low = style.lower()
    return low.startswith(("heading", "title", "kop", "titel", "subtitle", "ondertitel"))


def _blocks_to_text(blocks: list[tuple], notices: list[str]) -> str:
    """Blocks [("p", text, style) | ("table", rows)] -> canonical text."""
    from codering.transcripts import _SHORT_CODE, normalise_timestamp

    header: list[str] = []
    paragraphs: list[str] = []
    leading = True
    for block in blocks:
        if block[0] == "p":
            text = re.sub(r"\n\s*\n", "\n", block[1].strip())  # a paragraph never splits in two
            if not text:
                continue
            kv = _KEY_VALUE.fullmatch(text)
            if leading and _is_heading(block[2]) and not header and "\n" not in text:
                header.append(f"titel: {text}")
                notices.append(f"the document title '{text}' was kept as the attribute 'titel'")
                continue
            if leading and kv and kv.group(2) and not _SHORT_CODE.fullmatch(kv.group(1).strip()) \
                    and "\n" not in text:
                header.append(text)
                continue
            leading = False
            paragraphs.append(text)
        else:
            rows = [[" ".join(c.split()) for c in row] for row in block[1]]
            rows = [[c for c in row if c] for row in rows]
            rows = [row for row in rows if row]
            if not rows:
                continue
            if leading and all(len(r) == 2 and _KEY_ONLY.fullmatch(r[0]) for r in rows) and \
                    len({r[0].lower() for r in rows}) == len(rows) and not any(
                        _SHORT_CODE.fullmatch(r[0].rstrip(":")) for r in rows):
                header.extend(f"{r[0].rstrip(':').strip()}: {r[1]}" for r in rows)
                notices.append("the table at the start of the document was read as the header")
                continue
            leading = False
            if len(rows[0]) >= 2 and rows[0][-1].lower() in _TABLE_TEXT_HEADERS:
                rows = rows[1:]
            for row in rows:
                ts = normalise_timestamp(row[0].strip("[]()")) if len(row) >= 2 else None
                if ts and len(row) == 3:
                    paragraphs.append(f"[{ts}] {row[1].rstrip(':')}: {row[2]}")
                elif ts and len(row) == 2:
                    paragraphs.append(f"[{ts}] {row[1]}")
                elif len(row) == 2 and len(row[0]) <= 40 and "\n" not in row[0] and not row[0].endswith(
                        (".", "?", "!")):
                    paragraphs.append(f"{row[0].rstrip(':')}: {row[1]}")
                else:
                    paragraphs.append(" ".join(row))
    parts = (["\n".join(header)] if header else []) + paragraphs
    return "\n\n".join(parts)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_SKIP = {f"{_W}del", f"{_W}moveFrom", f"{_W}txbxContent", _MC_FALLBACK, f"{_W}footnoteReference",
           f"{_W}commentReference", f"{_W}instrText", f"{_W}delInstrText"}


def _docx_paragraph_text(p) -> str:
    """Text of a w:p, including tracked insertions and hyperlinks, without deletions."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag in _W_SKIP:
                continue
            if tag == f"{_W}t":
                out.append(child.text or "")
            elif tag == f"{_W}tab":
                out.append("\t")
            elif tag in (f"{_W}br", f"{_W}cr"):
                out.append("\n")
            elif tag == f"{_W}noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(p)
    return "".join(out)


def read_docx(path: Path) -> tuple[str, list[str]]:
    """A Word document: paragraphs become turns, a leading table or key: value lines the header."""
    _check_zip(path, "word/document.xml", "not a valid Word file")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
        blocks: list[tuple] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                try:
                    style = item.style.name if item.style is not None else ""
                except Exception:  # a missing style definition is not worth failing for
                    style = ""
                blocks.append(("p", _docx_paragraph_text(item._p), style or ""))
            elif isinstance(item, Table):
                rows = []
                for tr in item._tbl.tr_lst:
                    cells = []
                    for tc in tr.tc_lst:
                        cells.append("\n".join(_docx_paragraph_text(p) for p in tc.iter(f"{_W}p")))
                    rows.append(cells)
                blocks.append(("table", rows))
    except TranscriptError:
        raise
    except Exception:
        raise TranscriptError(path, "not a valid Word file") from None
    notices: list[str] = []
    return _blocks_to_text(blocks, notices), notices


def _check_zip(path: Path, member: str, reason: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.file_size > _MAX_XML:
                raise TranscriptError(path, f"{reason} (its text part is unreasonably large)")
    except TranscriptError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        hint = ""
        try:
            with open(path, "rb") as fh:
                if fh.read(4) == b"\xd0\xcf\x11\xe0":
                    hint = " (it is an old .doc file; save it as .docx)"
        except OSError:
            pass
        raise TranscriptError(path, reason + hint) from None


_T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODT_SKIP = {f"{_T}note", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_T}tracked-changes",
             f"{_T}sequence-decls", f"{_T}variable-decls", f"{_T}user-field-decls"}


def _odt_text(el) -> str:
    parts: list[str] = []

    def add(text: str | None) -> None:
        if text:
            parts.append(re.sub(r"[ \t\r\n]+", " ", text))  # ODF collapses white space in text nodes

    def walk(node) -> None:
        add(node.text)
        for child in node:
            tag = child.tag
            if tag == f"{_T}s":
                parts.append(" " * int(child.get(f"{_T}c", "1") or 1))
            elif tag == f"{_T}tab":
                parts.append("\t")
            elif tag == f"{_T}line-break":
                parts.append("\n")
            elif tag not in _ODT_SKIP and tag not in (f"{_T}p", f"{_T}h"):
                walk(child)
            add(child.tail)

    walk(el)
    return "".join(parts)


def _odt_blocks(node, blocks: list[tuple]) -> None:
    for child in node:
        tag = child.tag
        if tag in (f"{_T}p", f"{_T}h"):
            style = "Heading" if tag == f"{_T}h" else child.get(f"{_T}style-name", "")
            blocks.append(("p", _odt_text(child), style))
        elif tag == f"{_TABLE}table":
            rows = []
            for row in child.iter(f"{_TABLE}table-row"):
                cells = ["\n".join(_odt_text(p) for p in cell.iter() if p.tag in (f"{_T}p", f"{_T}h"))
                         for cell in row if cell.tag == f"{_TABLE}table-cell"]
                rows.append(cells)
            blocks.append(("table", rows))
        elif tag not in _ODT_SKIP:
            _odt_blocks(child, blocks)


def read_odt(path: Path) -> tuple[str, list[str]]:
    """An OpenDocument text file (zip with content.xml), read with the standard library."""
    import xml.etree.ElementTree as ET

    reason = "not a valid OpenDocument text file"
    _check_zip(path, "content.xml", reason)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
                if not mimetype.startswith("application/vnd.oasis.opendocument.text"):
                    raise TranscriptError(path, f"{reason} (it is '{mimetype}')")
            root = ET.fromstring(zf.read("content.xml"))
    except TranscriptError:
        raise
    except Exception:
        raise TranscriptError(path, reason) from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise TranscriptError(path, reason)
    blocks: list[tuple] = []
    _odt_blocks(body, blocks)
    notices: list[str] = []
    return _blocks_to_text(blocks, notices), notices


# -- subtitles (.vtt, .srt) -------------------------------------------------------------------

_CUE_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_TIMING = re.compile(rf"\s*({_CUE_TIME})\s*-->\s*({_CUE_TIME})")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)*(?:\s+([^>]*))?>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>|\{\\[^}]*\}")
_PREFIX_NAME = re.compile(r"(?:-\s*)?(?:\[(?P<b>[^\]\n]{1,40})\]|(?P<n>[^:\n]{1,40}?))\s*:\s+")
_BRACKET_NAME = re.compile(r"\[(?P<b>[^\]\n]{1,40})\]\s+")
_SPEAKER_ID = re.compile(r"(?:SPEAKER|Speaker|Spreker|SPREKER)[ _]?\d{1,3}")


def sniff_subtitles(text: str) -> str | None:
    """'vtt' or 'srt' when a .txt/.md file is really a subtitle file, else None."""
    head = text.lstrip("\ufeff \t\r\n")[:400]
    if head.startswith("WEBVTT"):
        return "vtt"
    lines = head.splitlines()
    if len(lines) >= 2 and lines[0].strip().isdigit() and _TIMING.match(lines[1]):
        return "srt"
    return None


def _cue_time(raw: str) -> str:
    from codering.transcripts import normalise_timestamp

    return normalise_timestamp(raw) or "00:00:00"


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def convert_subtitles(text: str, fmt: str, path) -> tuple[str, list[str], set[str]]:
    """Cues -> "[hh:mm:ss] Speaker: text" paragraphs; consecutive cues of one speaker are merged."""
    from codering.transcripts import label_role, name_strength

    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    cues: list[tuple[str, list[str]]] = []  # (start time, payload lines)
    stray = 0
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        timing = next((k for k, line in enumerate(lines) if _TIMING.match(line) and "-->" in line), None)
        if timing is None:
            first = lines[0].strip()
            if (i == 0 and first.startswith("WEBVTT")) or first.startswith(("NOTE", "STYLE", "REGION")):
                continue
            if cues:
                cues[-1][1].extend(lines)  # a blank line inside a cue's text
            else:
                stray += 1
            continue
        cues.append((_cue_time(_TIMING.match(lines[timing]).group(1)), lines[timing + 1:]))
    if not cues:
        raise TranscriptError(path, f"no subtitle cues found (is this really a .{fmt} file?)")

    # (time, speaker or None, text) per voice span
    parts: list[tuple[str, str | None, str]] = []
    for start, lines in cues:
        payload = "\n".join(lines)
        voices = list(_VOICE.finditer(payload))
        if voices:
            if payload[:voices[0].start()].strip():
                parts.append((start, None, _clean(payload[:voices[0].start()])))
            for k, m in enumerate(voices):
                stop = voices[k + 1].start() if k + 1 < len(voices) else len(payload)
                name = " ".join((m.group(1) or "").split()) or None
                parts.append((start, name, _clean(payload[m.end():stop])))
        else:
            parts.append((start, None, _clean(payload)))

    # "Name: text" prefixes in cue text (Zoom, Otter, many SRT files)
    def prefix(text: str) -> tuple[str | None, str]:
        m = _PREFIX_NAME.match(text) or _BRACKET_NAME.match(text)
        if not m:
            return None, text
        name = (m.group("b") or m.groupdict().get("n") or "").strip()
        return name, text[m.end():]

    counts: dict[str, int] = {}
    for _, speaker, body in parts:
        if speaker is None:
            name, _ = prefix(body)
            if name:
                counts[name] = counts.get(name, 0) + 1

    def good_name(name: str) -> bool:
        return bool(label_role(name) or _SPEAKER_ID.fullmatch(name) or name_strength(name) == 2
                    or (name_strength(name) == 1 and counts.get(name, 0) >= 2))

    resolved: list[tuple[str, str | None, str]] = []
    for start, speaker, body in parts:
        if speaker is None:
            name, rest = prefix(body)
            if name and good_name(name):
                speaker, body = name, rest
        if speaker is not None:
            speaker = " ".join(speaker.replace(":", " ").split()) or None
        if body.strip():
            resolved.append((start, speaker, body.strip()))

    turns: list[list] = []  # [time, speaker, [texts]]
    for start, speaker, body in resolved:
        if turns:
            last = turns[-1]
            same = speaker == last[1] or (speaker is None and last[1] is not None)
            if speaker is None and last[1] is None:
                size = sum(len(t) for t in last[2])
                same = not (size >= 600 and re.search(r"[.?!…][\"'”’)]*$", last[2][-1]))
            if same:
                last[2].append(body)
                continue
        turns.append([start, speaker, [body]])
    if not turns:
        raise TranscriptError(path, "the subtitle file has no text")
    paragraphs = [f"[{t}] {s}: {' '.join(texts)}" if s else f"[{t}] {' '.join(texts)}" for t, s, texts in turns]
    notices = [f"{len(cues)} subtitle cues merged into {len(turns)} turns"]
    if stray:
        notices.append(f"{stray} block(s) before the first cue were ignored")
    speakers = {t[1] for t in turns if t[1]}
    if not speakers:
        notices.append("the subtitles name no speakers: turns have no speaker label")
    return "\n\n".join(paragraphs), notices, speakers


# -- Markdown ---------------------------------------------------------------------------------

_MD_LABEL = re.compile(r"^([ \t]*)(?:\*\*|__)([^*_\n]{1,40}?)(:?)(?:\*\*|__)(:?)", re.M)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")


def convert_markdown(text: str) -> tuple[str, list[str]]:
    """Markdown transcript: YAML front matter -> header; bold labels unbolded; headings dropped."""
    notices: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header: list[str] = []
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for k in range(1, min(len(lines), 200)):
            if lines[k].strip() in ("---", "..."):
                for line in lines[1:k]:
                    m = _KEY_VALUE.fullmatch(line.strip())
                    if m and m.group(2):
                        header.append(f"{m.group(1).strip()}: {m.group(2).strip().strip(chr(34) + chr(39))}")
                lines = lines[k + 1:]
                notices.append("front matter read as the header")
                break
    kept, dropped = [], 0
    for line in lines:
        heading = _MD_HEADING.match(line)
        if heading:
            if not header and not any(x.strip() for x in kept):
                header.append(f"titel: {heading.group(1)}")
            else:
                dropped += 1
            kept.append("")
        elif _MD_RULE.match(line):
            kept.append("")
        else:
            kept.append(line)
    if dropped:
        notices.append(f"{dropped} Markdown heading(s) were left out")
    body = _MD_LABEL.sub(lambda m: f"{m.group(1)}{m.group(2).strip()}:" if (m.group(3) or m.group(4))
                         else m.group(0), "\n".join(kept))
    body = body.strip("\n")
    return ("\n".join(header) + "\n\n" + body) if header else body, notices


# -- attributes CSV ---------------------------------------------------------------------------

_NAME_COLUMNS = {"transcript", "name", "file", "bestand", "naam", "transcriptie", "filename", "bestandsnaam"}


def read_attributes_csv(path: Path) -> dict[str, dict[str, str]]:
    from codering.transcripts import MAX_BYTES, SUPPORTED_SUFFIXES, decode_bytes

    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise TranscriptError(path, "no such file") from None
    except OSError as exc:
        raise TranscriptError(path, f"cannot be read ({exc.strerror or exc})") from None
    if size > MAX_BYTES:
        raise TranscriptError(path, f"the file is {size / 1048576:.1f} MB; the limit is 50 MB")
    if path.is_dir():
        raise TranscriptError(path, "is a folder, not a file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptError(path, f"cannot be read ({exc.strerror or exc})") from None
    text, _, _ = decode_bytes(data, path)
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise TranscriptError(path, "the file is empty")
    head = [" ".join(c.split()) for c in rows[0]]
    if not head or head[0].lower() not in _NAME_COLUMNS:
        raise TranscriptError(path, "the first column must be named 'transcript', 'name' or 'file'"
                                    f" (found '{head[0] if head else ''}')")
    keys = [re.sub(r"\s+", "_", h.strip().lower()) for h in head]
    for k, key in enumerate(keys[1:], start=2):
        if not key:
            raise TranscriptError(path, f"column {k} has no name")
    if len(set(keys[1:])) != len(keys) - 1:
        raise TranscriptError(path, "two columns have the same name")
    result: dict[str, dict[str, str]] = {}
    rownum: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        raw = row[0].strip() if row else ""
        if not raw:
            continue
        name = re.split(r"[\\/]", raw)[-1]
        if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
            name = name[: -len(Path(name).suffix)]
        if name in result:
            raise TranscriptError(path, f"transcript '{name}' appears twice (rows {rownum[name]} and {number})")
        rownum[name] = number
        result[name] = {key: value.strip() for key, value in zip(keys[1:], row[1:]) if value.strip()}
    if not result:
        raise TranscriptError(path, "no transcripts listed")
    return result
