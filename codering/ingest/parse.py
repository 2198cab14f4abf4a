"""Canonical transcript text to turns and sentence segments.

The canonical text format (see DESIGN.md, "Transcript format")::

    interview_id: INT-01          <- optional header of ``key: value`` lines
    locatie: Beernem
                                  <- a blank line
    I: Met wie werkt u samen?     <- one speaker turn per paragraph
                                  <- paragraphs are separated by blank lines
    [00:01:10] R: Met de huisarts, o.a. voor doorverwijzingen.

Pure domain code: no SQL, no UI, no files. spaCy is imported lazily by
:mod:`codering.ingest.sentences` (the first call takes a few seconds).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterable

from codering.errors import TranscriptError
from codering.ingest.decoding import normalise_text
from codering.ingest.model import ParsedTranscript, Segment, Turn, transcript_name_form
from codering.ingest.sentences import sentence_bounds
from codering.ingest.speakers import (KEY_VALUE, LABEL, SHORT_CODE, SPEAKER_WORD_KEYS, TIMESTAMP, label_role,
                                      name_strength, normalise_timestamp)

# -- headers -----------------------------------------------------------------------------------

KNOWN_ATTRIBUTES = frozenset("""
    interview_id id interview nummer nr code case casus locatie plaats gemeente stad regio provincie
    actorgroep sector organisatie organisation dienst afdeling functie rol beroep datum date tijd tijdstip
    duur duration lengte interviewer interviewers onderzoeker respondent respondenten geslacht gender
    leeftijd age taal language titel title opmerking opmerkingen notitie notities transcriptie transcribent
    versie project setting context medium type ervaring opleiding niveau schaal anciënniteit statuut
""".split())


def _is_sentence(value: str) -> bool:
    return bool(re.search(r"[?!…]$|[^.\s]{3}\.$|\?\s", value)) or len(value.split()) > 12


def _key_value_lines(lines: list[str]) -> list[tuple[str, str, str]] | None:
    """(key as written, attribute name, value) of each line if every line reads "key: value", else None."""
    matches = [KEY_VALUE.fullmatch(line.strip()) for line in lines]
    if not all(matches) or not lines:
        return None
    return [(m.group(1).strip(), re.sub(r"\s+", "_", m.group(1).strip().lower()), (m.group(2) or "").strip())
            for m in matches]


def header_attributes(lines: list[str], later_labels: set[str]) -> dict[str, str] | None:
    """The attributes if these lines form a header block, else None."""
    found = _key_value_lines(lines)
    if found is None:
        return None
    raw_keys, keys, values = (list(column) for column in zip(*found))
    if any(SHORT_CODE.fullmatch(k) for k in raw_keys):
        return None
    if not any(values) or (len(set(keys)) < len(keys) and len(set(keys)) < 2 and keys[0] not in KNOWN_ATTRIBUTES):
        return None  # "Marleen: ja\nMarleen: goed" is not a header
    if all(k in SPEAKER_WORD_KEYS or label_role(r) for k, r in zip(keys, raw_keys)) and len(keys) > 1:
        return None  # "Interviewer: ...\nRespondent: ..." is a conversation
    if all(k in later_labels for k in raw_keys):
        return None  # every "key" is used as a speaker label further on
    if 2 * sum(_is_sentence(v) for v in values) > len(values):
        return None
    if len(lines) == 1:
        key, raw, value = keys[0], raw_keys[0], values[0]
        if key not in KNOWN_ATTRIBUTES or not value or _is_sentence(value):
            return None
        if key in SPEAKER_WORD_KEYS and not raw.islower() and not name_strength(value):
            return None  # "Interviewer: Hoe gaat het met u" is a turn
    joined: dict[str, list[str]] = {}
    for key, value in zip(keys, values):
        if value not in joined.setdefault(key, []):
            joined[key].append(value)
    return {key: "; ".join(v for v in vals if v) for key, vals in joined.items()}


def _repeated_keys(lines: list[str]) -> dict[str, int]:
    """Header keys given on more than one line: key -> how many different values (they are joined)."""
    values: dict[str, list[str]] = {}
    for _, key, value in _key_value_lines(lines) or []:
        values.setdefault(key, []).append(value)
    return {k: len(set(filter(None, v))) for k, v in values.items() if len(v) > 1}


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
    m = TIMESTAMP.match(line)
    if m:
        ts = normalise_timestamp(m.group("a") or m.group("b") or m.group("c"))
        if ts is not None:
            pos = m.end()
    label, label_ts, after = "", None, pos
    at = pos
    while at < len(line) and line[at].isspace():
        at += 1
    lm = LABEL.match(line, at)
    if lm:
        nxt = line[lm.end():lm.end() + 1]
        cand = lm.group("label").strip()
        if nxt == "" or nxt.isspace() or SHORT_CODE.fullmatch(cand):
            label, after = cand, lm.end()
            label_ts = normalise_timestamp(lm.group("ts")) if lm.group("ts") else None
    return _Prefix(ts, label, label_ts, pos, after)


def _split_values(value: str) -> list[str]:
    return [v.strip().lower() for v in re.split(r"[,;/&+]| en ", value) if v.strip()]


def _paragraphs(content: str) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines, as lists of (offset, line)."""
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
    return paragraphs


def _line_prefix(off_line: tuple[int, str]) -> tuple[int, _Prefix]:
    off, line = off_line
    lead = len(line) - len(line.lstrip())
    return off + lead, _prefix(line[lead:].rstrip())


def file_header_attributes(content: str, source_format: str) -> dict[str, str]:
    """The attributes the header of a parsed transcript's ``content`` gave it (as :func:`parse` read them):
    what a re-import compares with the new header, to tell the file's values from values set since."""
    paragraphs = _paragraphs(content)
    if source_format in ("vtt", "srt") or len(paragraphs) < 2:
        return {}
    later_labels = {p.label for para in paragraphs[1:] for _, p in map(_line_prefix, para) if p.label}
    return header_attributes([line for _, line in paragraphs[0]], later_labels) or {}


def parse(text: str, name: str, source_format: str, encoding: str, notices: list[str], *, where,
           speakers: frozenset[str] | None = None, only_speakers: bool = False) -> ParsedTranscript:
    notices = list(notices)
    content, more = normalise_text(text)
    notices += more
    if not content.strip():
        raise TranscriptError(where, "the file is empty")

    paragraphs = _paragraphs(content)
    prefixes = [[_line_prefix(item) for item in para] for para in paragraphs]
    later_labels = {p.label for para in prefixes[1:] for _, p in para if p.label}

    attributes: dict[str, str] = {}
    first_lines = [line for _, line in paragraphs[0]]
    header = None if only_speakers else header_attributes(first_lines, later_labels)
    if header is not None:
        if len(paragraphs) == 1:
            raise TranscriptError(where, "no interview text after the header")
        attributes = header
        paragraphs, prefixes = paragraphs[1:], prefixes[1:]
        for key, different in _repeated_keys(first_lines).items():
            notices.append(f"the header gives '{key}' more than once; " + (
                f"its values were joined: '{key}: {attributes[key]}'" if different > 1 else "it was read once"))
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
        name=transcript_name_form(name), content=content, attributes=attributes, turns=turns, segments=segments,
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
    return parse(content, name, source_format, "utf-8", [], where=name,
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
