"""Export a project as a REFI-QDA project archive (``.qdpx``).

The archive holds ``project.qde`` (valid against ``Project.xsd``) and one
``sources/<guid>.txt`` per transcript, its text exactly as the project keeps
it, so every ``PlainTextSelection`` indexes it in code points, end exclusive.
What goes where:

- coders -> ``Users``; the codebook -> ``CodeBook`` (tree, colours, descriptions
  with codering's fields, see :mod:`codering.refi.common`);
- case attributes -> ``Variables`` and one ``Case`` per transcript with its
  ``VariableValue``s and a ``SourceRef``;
- transcripts -> ``TextSource``; each coded span -> one ``PlainTextSelection``
  holding a ``Coding`` (with its coder) per code and coder;
- memos -> ``Notes``, referenced from the project, the source, the selection
  (segment memos) or the code;
- when codings and memos were made -> ``creationDateTime``;
- the codebook's id, name, version, language, source and description -> the
  project's ``Description``, as ``codebook-field: value`` lines (REFI-QDA has no
  element for them; other tools show the lines as the project's description).

GUIDs are uuid5 of the project id and the object's key, so exporting twice
gives the same GUIDs, and the archive itself is byte-identical when nothing
changed. Not carried (:data:`NOT_CARRIED`, also in every export's summary):
coding origins, suggestion decisions, memo edit times, undo history, the
embedding cache and model setting; detached codings are left out and counted.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from codering.errors import ExportError
from codering.refi.common import (
    ORIGIN,
    PROJECT_NS,
    append_codes,
    encode_project_description,
    guid,
    xml_bytes,
    xml_safe,
)
from codering.wording import count

__all__ = ["NOT_CARRIED", "QdpxExport", "export_qdpx", "variable_type"]

NOT_CARRIED = ("Not carried by REFI-QDA: coding origins (manual, suggestion, import, consensus, search: every coding becomes a plain coding), suggestion decisions "
               "(accepts and rejects), memo edit times, the undo history, the embedding cache and the project's "
               "model setting.")

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
CASE_ATTRIBUTE = "case"  # the attribute naming a transcript's case, as the import of a tool's cases sets it
_VALUE_ELEMENT = {"Text": "TextValue", "Integer": "IntegerValue", "Boolean": "BooleanValue", "Date": "DateValue",
                  "Float": "FloatValue", "DateTime": "DateTimeValue"}


@dataclass
class QdpxExport:
    path: str
    transcripts: int
    codes: int
    codings: int
    coders: list[str]
    memos: int
    detached: int

    def summary(self) -> str:
        text = (f"Wrote {self.path}: {count(self.transcripts, 'transcript')}, {count(self.codes, 'code')}, "
                f"{count(self.codings, 'coding')} by {count(len(self.coders), 'coder')}, {count(self.memos, 'memo')}.")
        if self.detached:
            text += f" {count(self.detached, 'detached coding')} left out (their text is gone)."
        return text + " " + NOT_CARRIED

    def __str__(self) -> str:
        return self.summary()


def variable_type(values: list[str]) -> str:
    """The REFI type that holds every value exactly as written: Integer, Float (a decimal with a point),
    Boolean, Date, DateTime, else Text (a leading zero, a decimal comma or a mix stay Text)."""
    if values and all(re.fullmatch(r"-?[1-9]\d*|0", v) for v in values):
        return "Integer"
    if values and all(re.fullmatch(r"-?(?:[1-9]\d*|0)\.\d+", v) for v in values):
        return "Float"
    if values and all(v in ("true", "false") for v in values):
        return "Boolean"
    try:
        if values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) and date.fromisoformat(v) for v in values):
            return "Date"
        if values and all(_DATETIME.fullmatch(v) and datetime.fromisoformat(v.replace("Z", "+00:00"))
                          for v in values):
            return "DateTime"
    except ValueError:
        pass
    return "Text"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def export_qdpx(project, path: str | Path, *, force: bool = False) -> QdpxExport:
    """Write the whole project as a QDPX archive at ``path``."""
    from lxml import etree

    from codering.fileio import atomic_write_bytes

    path = Path(path)
    if path.exists() and not force:
        raise ExportError(f"{path}: exists; choose another name or add --force")
    ns = PROJECT_NS
    base = project.project_id
    book = project.codebook()
    infos = project.transcripts()
    names = {t.id: t.name for t in infos}
    codings = project.codings()
    detached = len(project.codings(include_detached=True)) - len(codings)
    memos = project.memos()

    def E(parent, tag: str, **attrs: str):  # noqa: N802 - reads like the XML
        return etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)

    def user(name: str) -> str:
        return guid(base, "user", name)

    def note_guid(memo) -> str:
        return guid(base, "memo", memo.id)

    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns}, name=xml_safe(project.path.stem), origin=ORIGIN)
    coders = sorted({c.coder for c in codings} | {m.coder for m in memos})
    if coders:
        users = E(root, "Users")
        for name in coders:
            E(users, "User", guid=user(name), name=xml_safe(name))
    code_notes: dict[str, list[str]] = {}
    for memo in memos:
        if memo.kind == "code":
            code_notes.setdefault(memo.code_id, []).append(note_guid(memo))
    if len(book):
        append_codes(E(E(root, "CodeBook"), "Codes"), book, base, ns, code_notes)

    attributes = {t.id: project.attributes(t.id) for t in infos}
    # transcripts that name their case (the `case` attribute an import from a tool with cases gives) are one
    # Case with the values they share; what differs goes on each source. The others: a Case each, as before.
    by_case: dict[str, list] = {}
    for t in infos:
        if attributes[t.id].get(CASE_ATTRIBUTE):
            by_case.setdefault(attributes[t.id][CASE_ATTRIBUTE], []).append(t)
    source_values: dict[int, dict[str, str]] = {}
    variables: dict[str, list[str]] = {}
    for attrs in attributes.values():
        for key, value in attrs.items():
            if not (key == CASE_ATTRIBUTE and by_case):
                variables.setdefault(key, []).append(value)
    types = {key: variable_type(values) for key, values in variables.items()}

    def values(el, attrs: dict[str, str]) -> None:
        for key, value in attrs.items():
            vv = E(el, "VariableValue")
            E(vv, "VariableRef", targetGUID=guid(base, "variable", key))
            E(vv, _VALUE_ELEMENT[types[key]]).text = xml_safe(value)

    if variables or by_case:
        if variables:
            el = E(root, "Variables")
            for key, kind in types.items():
                E(el, "Variable", guid=guid(base, "variable", key), name=xml_safe(key), typeOfVariable=kind)
        cases = E(root, "Cases")
        for t in infos:
            own = {k: v for k, v in attributes[t.id].items() if k != CASE_ATTRIBUTE or not by_case}
            if not own or attributes[t.id].get(CASE_ATTRIBUTE):
                continue
            case = E(cases, "Case", guid=guid(base, "case", t.name), name=xml_safe(t.name))
            values(case, own)
            E(case, "SourceRef", targetGUID=guid(base, "source", t.name))
        for name, members in by_case.items():
            first = {k: v for k, v in attributes[members[0].id].items() if k != CASE_ATTRIBUTE}
            shared = {k: v for k, v in first.items() if all(attributes[m.id].get(k) == v for m in members)}
            case = E(cases, "Case", guid=guid(base, "case", f"{CASE_ATTRIBUTE}:{name}"), name=xml_safe(name))
            values(case, shared)
            for m in members:
                E(case, "SourceRef", targetGUID=guid(base, "source", m.name))
                source_values[m.id] = {k: v for k, v in attributes[m.id].items()
                                       if k != CASE_ATTRIBUTE and k not in shared}

    spans: dict[tuple[int, int, int], list] = {}
    for coding in codings:
        spans.setdefault((coding.transcript_id, coding.start, coding.end), []).append(coding)
    span_notes: dict[tuple[int, int, int], list[str]] = {}
    source_notes: dict[int, list[str]] = {}
    project_notes: list[str] = []
    for memo in memos:
        if memo.kind == "segment":
            key = (memo.transcript_id, memo.start, memo.end)
            spans.setdefault(key, [])
            span_notes.setdefault(key, []).append(note_guid(memo))
        elif memo.kind == "transcript":
            source_notes.setdefault(memo.transcript_id, []).append(note_guid(memo))
        elif memo.kind == "project":
            project_notes.append(note_guid(memo))

    files: list[tuple[str, bytes]] = []
    if infos:
        sources = E(root, "Sources")
        for t in infos:
            source_guid = guid(base, "source", t.name)
            content = project.content(t.id)
            files.append((f"sources/{source_guid}.txt", content.encode("utf-8")))
            src = E(sources, "TextSource", guid=source_guid, name=xml_safe(t.name),
                    plainTextPath=f"internal://{source_guid}.txt")
            for (tid, start, end) in sorted(k for k in spans if k[0] == t.id):
                found = sorted(spans[(tid, start, end)], key=lambda c: (c.created, c.code_id, c.coder))
                sel = E(src, "PlainTextSelection", guid=guid(base, "selection", t.name, start, end),
                        name=xml_safe(_short(content[start:end])), startPosition=str(start), endPosition=str(end))
                if found:
                    sel.set("creatingUser", user(found[0].coder))
                    if _DATETIME.match(found[0].created):
                        sel.set("creationDateTime", found[0].created)
                for c in found:
                    coding = E(sel, "Coding", guid=guid(base, "coding", t.name, start, end, c.code_id, c.coder),
                               creatingUser=user(c.coder))
                    if _DATETIME.match(c.created):
                        coding.set("creationDateTime", c.created)
                    E(coding, "CodeRef", targetGUID=guid(base, "code", c.code_id))
                for note in span_notes.get((tid, start, end), []):
                    E(sel, "NoteRef", targetGUID=note)
            for note in source_notes.get(t.id, []):
                E(src, "NoteRef", targetGUID=note)
            values(src, source_values.get(t.id, {}))  # a source's own values beside its case's

    if memos:
        notes = E(root, "Notes")
        for memo in memos:
            where = {"project": "project", "code": f"code {memo.code_id}"}.get(
                memo.kind, names.get(memo.transcript_id, "transcript"))
            note = E(notes, "Note", guid=note_guid(memo), name=xml_safe(f"Memo {memo.id} ({where})"),
                     creatingUser=user(memo.coder))
            if _DATETIME.match(memo.created):
                note.set("creationDateTime", memo.created)
            E(note, "PlainTextContent").text = xml_safe(memo.text)
    if len(book):
        E(root, "Description").text = xml_safe(encode_project_description(book))
    for note in project_notes:
        E(root, "NoteRef", targetGUID=note)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in [("project.qde", xml_bytes(root)), *files]:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise ExportError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return QdpxExport(str(path), len(infos), len(book), len(codings), coders, len(memos), detached)
