"""Read a ``.qdpx`` archive into a checked plan, in codering's terms: the first phase of an import.

:func:`read_qdpx` parses ``project.qde`` and every source it names, checks every
code reference and every selection against its text, and turns positions into
offsets of the text as codering stores it (see :mod:`codering.refi.positions`).
It raises :class:`RefiError` naming the file, the line and what is wrong, and
writes nothing. Mapping: ``TextSource`` -> transcript; ``PlainTextSelection``
and ``Coding`` -> codings by their ``creatingUser``; ``VariableValue``s of
sources and cases -> attributes; ``Note``s and selection or source
``Description``s -> memos. Picture, PDF, audio and video sources, links and
graphs are left out and listed in the notices.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from codering.errors import TranscriptError
from codering.ingest.decoding import is_invisible
from codering.refi.archive import Archive, decode_text, docx_text
from codering.refi.common import (
    RefiCode,
    RefiError,
    RefiSet,
    clean_text,
    decode_project_description,
    kid,
    kids,
    local,
    norm_guid,
    read_codes,
    read_sets,
    text_of,
)
from codering.refi.positions import MODES, PositionMap, detect_mode
from codering.wording import count

__all__ = ["QdpxPlan", "read_qdpx"]

GROUP_ATTRIBUTE = "groep"  # the attribute a source's document groups (REFI sets of sources) become
_VALUES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


class _Coding(NamedTuple):
    start: int
    end: int
    code: str  # code guid
    coder: str
    created: str | None  # its creationDateTime (or its selection's), when the file has one


@dataclass
class _Source:
    guid: str
    name: str
    parsed: object  # ParsedTranscript
    attributes: dict[str, str] = field(default_factory=dict)
    codings: list[_Coding] = field(default_factory=list)


@dataclass
class _Memo:
    text: str
    coder: str
    source: str | None = None  # source guid
    span: tuple[int, int] | None = None
    code: str | None = None  # code guid
    created: str | None = None


@dataclass
class QdpxPlan:
    """Everything read from the archive, checked, in codering's terms (offsets of the stored text)."""

    path: Path
    name: str
    origin: str
    codes: list[RefiCode]
    sets: list[RefiSet]
    sources: list[_Source]
    memos: list[_Memo]
    coders: list[str]
    notices: list[str]
    book: dict[str, str] = field(default_factory=dict)  # codebook id, name, ... as codering wrote them


def _int(el, attr: str, where: str) -> int:
    raw = (el.get(attr) or "").strip()
    try:
        return int(raw)
    except ValueError:
        shown = f"'{raw}'" if raw else "missing"
        raise RefiError(f"{where} line {el.sourceline}: {local(el)} {attr} is {shown}, not a whole number") from None


def _values(el, variables: dict[str, str], where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for vv in kids(el, "VariableValue"):
        ref = kid(vv, "VariableRef")
        key = norm_guid(ref.get("targetGUID")) if ref is not None else ""
        if key not in variables:
            raise RefiError(f"{where} line {vv.sourceline}: VariableValue refers to unknown variable '{key}'")
        value = next((c.text or "" for c in vv if local(c) in _VALUES), "")
        out[variables[key]] = value.strip()
    return out


def _when(*els) -> str | None:
    """The first readable ``creationDateTime`` of these elements, as codering stores times (UTC when the
    file gives a zone; as written when it gives none)."""
    for el in els:
        raw = (el.get("creationDateTime") or "").strip()
        try:
            when = datetime.fromisoformat(raw) if raw else None
        except ValueError:
            continue
        if when is not None:
            if when.tzinfo is not None:
                when = when.astimezone(timezone.utc)
            return when.isoformat(timespec="seconds")
    return None


def _all(el, parent: str, child: str) -> list:
    """``<parent><child/>...</parent>`` under ``el``, or nothing when ``parent`` is absent."""
    found = kid(el, parent)
    return kids(found, child) if found is not None else []


def transcript_name(name: str) -> str:
    """A source's name as a transcript name, the same for the same name every time: control and format
    characters (a terminal's escape, a right-to-left override) are taken out, and the parts between path
    separators (``/``, ``\\``) are joined with ``-``, leaving out empty parts and those of dots only
    (``.``, ``..``). ``Interviews\\Gent\\int01`` is ``Interviews-Gent-int01``, ``../../x`` is ``x``."""
    name = "".join(ch for ch in name if not is_invisible(ch))
    parts = (part.strip() for part in re.split(r"[/\\]", name))
    return "-".join(part for part in parts if part.strip("."))


class _Reader:
    """Reads one project.qde; collects sources, memos and notices, raising RefiError on anything broken."""

    def __init__(self, archive: Archive, qde_name: str, root, positions: str, default_coder: str) -> None:
        self.archive, self.root, self.positions, self.default_coder = archive, root, positions, default_coder
        self.where = f"{archive.path}: {qde_name}"
        self.origin = root.get("origin") or ""
        self.notices: list[str] = []
        self.book: dict[str, str] = {}
        self.memos: list[_Memo] = []
        self.refs: list[tuple[str, _Memo]] = []  # (note guid, memo whose text the note gives)
        self.sources: dict[str, _Source] = {}
        self.source_guids: set[str] = set()  # every source's, also of those left out
        self.selection_source: dict[str, str] = {}
        self.users = self.user_names(_all(root, "Users", "User"))
        self.variables = {norm_guid(v.get("guid")): " ".join((v.get("name") or "").split()) or "variable"
                          for v in _all(root, "Variables", "Variable")}
        book = kid(root, "CodeBook")
        codes_el = kid(book, "Codes") if book is not None else None
        self.codes = read_codes(codes_el, self.where, self.notices) if codes_el is not None else []
        self.code_guids = {c.guid for c in self.codes}
        for el in codes_el.iter() if codes_el is not None else []:
            if local(el) == "Code":
                self.note_refs(el, code=norm_guid(el.get("guid")) or None)

    def user_names(self, users: list) -> dict[str, str]:
        """User GUID -> coder name. Two users of one name stay two coders: each gets its ``id`` (the
        initials NVivo and MAXQDA write) or the start of its GUID in brackets, with a notice."""
        from collections import Counter

        names = {norm_guid(el.get("guid")): " ".join((el.get("name") or el.get("id") or "").split())
                 or f"user-{norm_guid(el.get('guid'))[:8]}" for el in users}
        shared = {n for n, times in Counter(names.values()).items() if times > 1}
        for el in users:
            key = norm_guid(el.get("guid"))
            if names.get(key) in shared:
                tag = " ".join((el.get("id") or "").split())
                names[key] = f"{names[key]} ({tag if tag and tag != names[key] else key[:8]})"
        times = Counter(names.values())
        if len(times) < len(names):  # the ids did not tell them apart: the GUIDs do
            names = {key: f"{name} ({key[:8]})" if times[name] > 1 else name for key, name in names.items()}
        for name in sorted(shared):
            told = sorted(n for n in names.values() if n.startswith(f"{name} ("))
            self.notices.append(f"{len(told)} users are named '{name}'; they stay apart as "
                                + ", ".join(f"'{n}'" for n in told))
        return names

    def coder_of(self, *els) -> str:
        """The name of the first ``creatingUser`` of these elements (or the project's creator)."""
        for el in (*els, self.root):
            key = norm_guid(el.get("creatingUser") or el.get("creatingUserGUID"))
            if key:
                return self.users.get(key) or f"user-{key[:8]}"
        return self.default_coder

    def note_refs(self, el, **target) -> None:
        for ref in kids(el, "NoteRef"):
            self.refs.append((norm_guid(ref.get("targetGUID")), _Memo("", "", **target)))

    def code_of(self, coding) -> str:
        ref = kid(coding, "CodeRef")
        if ref is None:
            raise RefiError(f"{self.where} line {coding.sourceline}: a Coding has no CodeRef")
        if norm_guid(ref.get("targetGUID")) not in self.code_guids:
            raise RefiError(f"{self.where} line {ref.sourceline}: Coding refers to code '{ref.get('targetGUID')}',"
                            " which is not in the codebook")
        return norm_guid(ref.get("targetGUID"))

    def text(self, el, name: str, here: str) -> str | None:
        """A source's plain text (None: external, left out)."""
        plain = el.get("plainTextPath") or ""
        content = kid(el, "PlainTextContent")
        if content is not None:
            return content.text or ""
        if not plain:
            raise RefiError(f"{here}: neither PlainTextContent nor plainTextPath")
        member = self.archive.find(plain)
        if member is None:
            if plain.startswith(("relative://", "absolute://", "file://")) and not kids(el, "PlainTextSelection"):
                self.notices.append(f"source '{name}': its text is outside the archive ({plain}); left out")
                return None
            raise RefiError(f"{here}: its text '{plain}' is not in the archive")
        return decode_text(self.archive.read(member), f"{self.archive.path}: {member}")

    def source(self, src) -> None:
        from codering.ingest import parse_text

        sguid = norm_guid(src.get("guid")) or f"line-{src.sourceline}"
        if sguid in self.source_guids:
            raise RefiError(f"{self.where} line {src.sourceline}: source GUID '{src.get('guid')}' is used twice")
        self.source_guids.add(sguid)
        plain = src.get("plainTextPath") or ""
        given = " ".join((src.get("name") or "").split()) or PurePosixPath(plain.split("://")[-1]).name
        suffix = PurePosixPath(given.replace("\\", "/")).suffix
        stem = given[:-len(suffix)] if suffix.lower() in (".txt", ".docx", ".rtf", ".odt") else given
        name = transcript_name(stem) or sguid
        if transcript_name(stem) != stem:
            self.notices.append(f"source {given!r} imported as '{name}': a transcript name holds no '/' or '\\', "
                                "no '.' or '..' part and no control characters")
        here = f"{self.where} line {src.sourceline}: source '{name}'"
        selections = kids(src, "PlainTextSelection")
        text = self.text(src, name, here)
        if text is None:
            return
        if not text.strip() and not selections:
            text = docx_text(self.archive, src.get("richTextPath") or "", name, self.notices)
        if not text.strip():
            if selections:
                raise RefiError(f"{here}: has selections but no text")
            self.notices.append(f"source '{name}' has no text; left out")
            return
        try:
            parsed = parse_text(text, name, "qdpx")
        except TranscriptError as exc:
            raise RefiError(f"{here}: {exc.reason}") from None
        pos = PositionMap(text, parsed.content, detect_mode(self.origin, text) if self.positions == "auto"
                          else self.positions)
        if not pos.ok:
            raise RefiError(f"{here}: the text cannot be lined up with its normalised form; positions unusable")
        values = _values(src, self.variables, self.where)
        told = {k.casefold(): k for k in values}
        clash = [k for k in parsed.attributes if k.casefold() in told and
                 (k != told[k.casefold()] or parsed.attributes[k] != values[told[k.casefold()]])]
        if clash:  # a "Locatie: Gent" line atop the text beside the tool's own variable Locatie: the tool's wins
            parsed = dataclasses.replace(parsed, attributes={k: v for k, v in parsed.attributes.items()
                                                             if k not in clash})
            self.notices.append(f"source '{name}': the line(s) {', '.join(repr(k) for k in clash)} at the top of "
                                "its text left out as attributes; the file's own variables of that name count")
        source = _Source(sguid, name, parsed, values)
        for sel in selections:
            start, end = _int(sel, "startPosition", self.where), _int(sel, "endPosition", self.where)
            at = f"{self.where} line {sel.sourceline}: PlainTextSelection {start}-{end} of source '{name}'"
            if start < 0 or start > end:
                raise RefiError(f"{at}: the start must be at least 0 and not after the end")
            if end > pos.length:
                raise RefiError(f"{at} lies beyond the end of its text ({pos.length} characters)")
            span = (pos(start), pos(end))
            self.selection_source[norm_guid(sel.get("guid"))] = sguid
            if span[0] >= span[1]:
                self.notices.append(f"source '{name}': empty selection {start}-{end} left out")
                continue
            for coding in kids(sel, "Coding"):
                source.codings.append(_Coding(*span, self.code_of(coding), self.coder_of(coding, sel, src),
                                              _when(coding, sel)))
                self.note_refs(coding, source=sguid, span=span)
            description = clean_text(text_of(sel, "Description"))
            if description:  # ATLAS.ti keeps quotation comments here
                self.memos.append(_Memo(description, self.coder_of(sel, src), sguid, span, created=_when(sel)))
            self.note_refs(sel, source=sguid, span=span)
        for coding in kids(src, "Coding"):  # the whole source coded
            source.codings.append(_Coding(0, len(parsed.content), self.code_of(coding),
                                          self.coder_of(coding, src), _when(coding)))
        description = clean_text(text_of(src, "Description"))
        if description:
            self.memos.append(_Memo(description, self.coder_of(src), sguid))
        self.note_refs(src, source=sguid)
        self.sources[sguid] = source

    def cases(self) -> None:
        """Case variables become attributes of the case's sources (and ``case`` its name, if it differs).

        A source of several cases (a focus group, a duo interview) keeps only the values its cases share:
        codering holds one value per transcript, and taking one case's would count the others' answers
        under it in every crosstab. What is left out is named in a notice."""
        of_source: dict[str, list[tuple[str, dict[str, str]]]] = {}
        for case in _all(self.root, "Cases", "Case"):
            values = _values(case, self.variables, self.where)
            name = " ".join((case.get("name") or "").split())
            targets = [norm_guid(r.get("targetGUID")) for r in kids(case, "SourceRef")]
            targets += [self.selection_source.get(norm_guid(r.get("targetGUID")), "")
                        for r in kids(case, "SelectionRef")]
            for target in dict.fromkeys(t for t in targets if t in self.sources):
                of_source.setdefault(target, []).append((name, values))
        for target, cases in of_source.items():
            source = self.sources[target]
            if len(cases) == 1:
                name, values = cases[0]
                if name and name != source.name:
                    source.attributes.setdefault("case", name)
                source.attributes.update(values)
                continue
            keys = dict.fromkeys(k for _, values in cases for k in values)
            shared = {k: cases[0][1][k] for k in keys
                      if all(k in values and values[k] == cases[0][1][k] for _, values in cases)}
            source.attributes.update(shared)
            left = [k for k in keys if k not in shared]
            names = ", ".join(name or "?" for name, _ in cases)
            self.notices.append(f"source '{source.name}' belongs to {len(cases)} cases ({names}); "
                                + (f"their differing {', '.join(left)} and " if left else "")
                                + "the case name were left out (one value per transcript)")

    def source_groups(self, sets_el) -> int:
        """Document groups (sets of sources: ATLAS.ti's document groups, NVivo's sets) become the attribute
        ``groep`` of their sources, which is what crosstabs and ``--where`` group by; a source in several
        gets their names joined. Returns how many such sets there were."""
        groups = 0
        of_source: dict[str, list[str]] = {}
        for el in kids(sets_el, "Set") if sets_el is not None else []:
            members = [norm_guid(m.get("targetGUID")) for m in kids(el, "MemberSource")]
            if not members or kids(el, "MemberCode"):
                continue
            groups += 1
            name = " ".join((el.get("name") or "set").split())
            for member in members:
                if member in self.sources:
                    of_source.setdefault(member, []).append(name)
        kept = []
        for guid_, names in of_source.items():
            source = self.sources[guid_]
            if any(k.casefold() == GROUP_ATTRIBUTE for k in source.attributes):
                self.notices.append(f"source '{source.name}' has an attribute '{GROUP_ATTRIBUTE}' of its own; its "
                                    f"document group(s) {', '.join(names)} left out")
                continue
            source.attributes[GROUP_ATTRIBUTE] = ", ".join(names)
            kept.append(source.name)
        if groups:
            self.notices.append(f"{groups} document group(s) became the attribute '{GROUP_ATTRIBUTE}' of "
                                f"{count(len(kept), 'transcript')}")
        return groups

    def notes(self) -> None:
        """Notes become memos where they are referenced, in the order of <Notes>; unreferenced: project memos."""
        self.note_refs(self.root)
        by_note: dict[str, list[_Memo]] = {}
        for key, memo in self.refs:
            by_note.setdefault(key, []).append(memo)
        for note in _all(self.root, "Notes", "Note"):
            content, plain = kid(note, "PlainTextContent"), note.get("plainTextPath")
            text = (content.text or "") if content is not None else ""
            member = self.archive.find(plain) if content is None and plain else None
            if member:
                text = decode_text(self.archive.read(member), f"{self.archive.path}: {member}")
            key, text, coder = norm_guid(note.get("guid")), text.strip(), self.coder_of(note)
            coded = sum(len(kids(sel, "Coding")) for sel in kids(note, "PlainTextSelection"))
            if coded:
                self.notices.append(f"note '{note.get('name') or key}': {count(coded, 'coding')} inside the note "
                                    "left out (codering codes transcripts, not notes)")
            if not text:
                continue
            targets = [m for m in by_note.get(key, []) if m.source is None or m.source in self.sources]
            when = _when(note)
            if key not in by_note:
                self.memos.append(_Memo(text, coder, created=when))
            self.memos += [dataclasses.replace(m, text=text, coder=coder, created=when) for m in targets]
        description, self.book = decode_project_description(text_of(self.root, "Description"))
        if description:
            self.memos.append(_Memo(description, self.coder_of(self.root)))


def read_qdpx(path: str | Path, *, positions: str = "auto", default_coder: str = "import") -> QdpxPlan:
    """Read and check a whole QDPX archive; raise RefiError naming the file, place and problem."""
    if positions not in MODES:
        raise RefiError(f"unknown position counting '{positions}' (one of {', '.join(MODES)})")
    path = Path(path)
    archive = Archive(path)
    qde_name, root = archive.qde()
    if local(root) != "Project":
        raise RefiError(f"{path}: {qde_name} line {root.sourceline}: the root element is <{local(root)}>, "
                        "not <Project>")
    reader = _Reader(archive, qde_name, root, positions, default_coder)
    if qde_name.lower() != "project.qde":
        reader.notices.append(f"the project XML is named '{qde_name}', not project.qde")
    skipped: dict[str, int] = {}
    for src in list(kid(root, "Sources")) if kid(root, "Sources") is not None else []:
        if local(src) == "TextSource":
            reader.source(src)
        elif local(src):
            skipped[local(src)] = skipped.get(local(src), 0) + 1
    if skipped:
        reader.notices.append("left out (codering codes text only): "
                              + ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items())))
    reader.cases()
    reader.notes()
    sets, other_sets = read_sets(kid(root, "Sets"), "targetGUID")
    other_sets -= reader.source_groups(kid(root, "Sets"))
    if other_sets:
        reader.notices.append(f"{other_sets} set(s) of notes left out (codering has no place for them)")
    if kid(root, "Links") is not None or kid(root, "Graphs") is not None:
        reader.notices.append("links and graphs left out")
    sources = list(reader.sources.values())
    coders = sorted({c.coder for s in sources for c in s.codings} | {m.coder for m in reader.memos})
    return QdpxPlan(path, root.get("name") or path.stem, reader.origin, reader.codes, sets, sources,
                    reader.memos, coders, reader.notices, reader.book)
