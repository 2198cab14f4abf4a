"""Subtitle exports (.vtt, .srt) of recording tools: cues to speaker turns."""

from __future__ import annotations

import html
import re

from codering.errors import TranscriptError
from codering.ingest.speakers import label_role, name_strength, normalise_timestamp

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


def _clean(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _speaker_lines(lines: list[str]) -> list[str]:
    """A cue's lines, split where a line starts with a speaker label ("R: ...", "- Jan: ..."): one piece per
    speaker, so "I: Vraag?\nR: Antwoord." is two turns."""
    pieces: list[list[str]] = []
    for line in lines:
        m = _PREFIX_NAME.match(_clean(line)) or _BRACKET_NAME.match(_clean(line))
        name = (m.group("b") or m.groupdict().get("n") or "").strip() if m else ""
        if not pieces or (name and (label_role(name) or _SPEAKER_ID.fullmatch(name) or name_strength(name))):
            pieces.append([line])
        else:
            pieces[-1].append(line)
    return ["\n".join(piece) for piece in pieces]


def convert_subtitles(text: str, fmt: str, path) -> tuple[str, list[str], set[str]]:
    """Cues -> "[hh:mm:ss] Speaker: text" paragraphs; consecutive cues of one speaker are merged."""

    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    cues: list[tuple[str, list[str]]] = []  # (start time, payload lines)
    stray = untimed = bad_times = 0
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        timing = next((k for k, line in enumerate(lines) if _TIMING.match(line) and "-->" in line), None)
        if timing is None:
            first = lines[0].strip()
            if (i == 0 and first.startswith("WEBVTT")) or first.startswith(("NOTE", "STYLE", "REGION")):
                continue
            if cues:  # a cue whose timing line is missing or broken: its text goes with the cue before
                untimed += 1
                cues[-1][1].extend(lines[1:] if fmt == "srt" and first.isdigit() else lines)  # not its number
            else:
                stray += 1
            continue
        raw = _TIMING.match(lines[timing]).group(1)
        when = normalise_timestamp(raw)
        if when is None:  # "99:99": not a time; the cue keeps the time of the one before
            bad_times += 1
            when = cues[-1][0] if cues else "00:00:00"
        cues.append((when, lines[timing + 1:]))
    if not cues:
        raise TranscriptError(path, f"no subtitle cues found (is this really a .{fmt} file?)")

    # (time, speaker or None, text) per voice span
    parts: list[tuple[str, str | None, str]] = []
    split_cues = 0
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
            pieces = _speaker_lines(lines)
            split_cues += len(pieces) > 1
            parts.extend((start, None, _clean(piece)) for piece in pieces)

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
    if untimed:
        notices.append(f"{untimed} block(s) without a timing line were joined to the cue before them")
    if bad_times:
        notices.append(f"{bad_times} cue(s) with a start time that is not a time (like 99:99) took the time of "
                       "the cue before")
    speakers = {t[1] for t in turns if t[1]}
    if split_cues and len(speakers) > 1:
        notices.append(f"{split_cues} cue(s) held lines of more than one speaker; each speaker's lines were read "
                       "as their own turn")
    if not speakers:
        notices.append("the subtitles name no speakers: turns have no speaker label")
    return "\n\n".join(paragraphs), notices, speakers
