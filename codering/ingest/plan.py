"""Import files into a project: transcripts, case attributes (CSV) and codings (JSONL).

Importing is two-phase so that bad input writes nothing: ``plan_import`` reads
and checks every file, ``ImportPlan.apply`` writes. Each transcript is written
in its own transaction, so an import killed half-way leaves every transcript
either fully imported or absent.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from codering.errors import CoderingError, ImportProblems, TranscriptError
from codering.fileio import input_problem, read_input
from codering.ingest.attributes import read_attributes_csv
from codering.ingest.decoding import align
from codering.ingest.files import file_text, read_transcript
from codering.ingest.model import MAX_BYTES, SUPPORTED_SUFFIXES, transcript_name_form
from codering.wording import count

if TYPE_CHECKING:
    from codering.store import CodeMerge, ImportReport, Project

Progress = Callable[[str], None]

CODINGS_SUFFIXES = (".jsonl",)
ATTRIBUTE_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class CodingRecord:
    source: str  # "file:line" for messages
    transcript: str
    start: int
    end: int
    codes: tuple[str, ...]
    text: str | None
    coder: str | None


@dataclass
class ImportPlan:
    transcripts: list = field(default_factory=list)  # [(path, ParsedTranscript)]
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    codings: list[CodingRecord] = field(default_factory=list)
    attribute_files: dict[str, Path] = field(default_factory=dict)  # transcript name -> the CSV naming it
    notices: list[str] = field(default_factory=list)  # files left out of a folder, and why
    # what apply() did: codings new and already there, attribute values that replaced another value
    codings_added: int = 0
    codings_present: int = 0
    attributes_changed: list[str] = field(default_factory=list)  # "name: key 'old' -> 'new'"
    attributes_set: int = 0  # transcripts whose attributes were set (not those of a renamed copy left out)
    replace: bool = False  # a transcript of the same name from another file may replace the project's
    merges: dict[str, CodeMerge] = field(default_factory=dict)  # check(): codes merged away, where they went

    @property
    def empty(self) -> bool:
        return not (self.transcripts or self.attributes or self.codings)

    def check(self, project: Project) -> None:
        """Check attributes and codings against the project and this plan; raise if any problem."""
        known = {transcript_name_form(t.name): t for t in project.transcripts()}
        contents = {parsed.name: parsed.content for _, parsed in self.transcripts}
        names = set(known) | set(contents)
        codebook = project.codebook()
        self.merges = project.code_merges()
        problems: list[str] = []
        sources = {transcript_name_form(name): path for name, path in project.transcript_sources().items()}
        for path, parsed in self.transcripts:
            before, old = sources.get(parsed.name), known.get(parsed.name)
            if (old is None or old.content_hash == parsed.content_hash or self.replace or not before
                    or _ARCHIVE_SOURCE.search(before) or _same_file(before, path)):
                continue  # new, unchanged, asked for, or the same file changed since: brought up to date
            problems.append(f"{path}: the project's '{parsed.name}' came from {before} and has another text; "
                            "this file would replace it (to update it from this file add --replace; to keep "
                            "both, rename this file)")
        for name in self.attributes:
            if name not in names:
                where = f"{self.attribute_files[name]}: " if name in self.attribute_files else ""
                problems.append(f"{where}attributes for '{name}': no such transcript in the project or this import")
        text_starts = {parsed.name: parsed.turns[0].start for _, parsed in self.transcripts}
        refused = self._place_on_stored_text(project, sources, problems)
        for rec in self.codings:
            if id(rec) in refused:
                continue
            if rec.transcript not in names:
                problems.append(f"{rec.source}: transcript '{rec.transcript}' is not in the project or this import")
                continue
            content = contents.get(rec.transcript)
            if content is None:
                content = project.content(rec.transcript)
            if not (0 <= rec.start < rec.end <= len(content)):
                problems.append(f"{rec.source}: span {rec.start}-{rec.end} lies outside '{rec.transcript}' (0-{len(content)})")
                continue
            if rec.transcript not in text_starts:
                turns = project.turns(rec.transcript)
                text_starts[rec.transcript] = turns[0][1] if turns else 0
            header = len(content[:text_starts[rec.transcript]].rstrip())
            if rec.start < header:  # the key: value lines are attributes; a code there would count as a mention
                problems.append(f"{rec.source}: span {rec.start}-{rec.end} lies on the header of '{rec.transcript}' "
                                f"(its key: value lines, 0-{header}); the interview text starts at "
                                f"{text_starts[rec.transcript]}")
            if rec.text is not None and content[rec.start:rec.end] != rec.text:
                problems.append(f"{rec.source}: text does not match the transcript at {rec.start}-{rec.end}")
            for code in (self._onto(c) for c in rec.codes):
                if code not in codebook:
                    problems.append(f"{rec.source}: unknown code '{code}' (not in codebook '{codebook.id}')")
                elif not codebook.codes[code].codable:
                    problems.append(f"{rec.source}: '{code}' is a folder, not a code that can be applied")
        if problems:
            raise ImportProblems(problems)

    def _onto(self, code: str) -> str:
        """The code a codings file's ``code`` is put on: the code it went into, if it was merged away."""
        merge = self.merges.get(code)
        return merge.target if merge is not None else code

    def _place_on_stored_text(self, project: Project, sources: dict[str, str], problems: list[str]) -> set[int]:
        """Offsets a program counted on a transcript file's own text (its CRLF line ends as two characters,
        say) would put the codings on other words of the stored text. Where the spans' ``text`` shows that a
        codings file counted so for a transcript, its spans are moved onto the same words (with a notice);
        where there is no ``text`` but the spans cut words in the stored text and none in the file's own, they
        are refused, since a guess could move them wrongly. ``sources``: the file each transcript of the project
        came from. Returns the ids of the records refused here."""
        groups: dict[tuple[str, str], list[CodingRecord]] = {}
        for rec in self.codings:
            groups.setdefault((rec.source.rsplit(":", 1)[0], rec.transcript), []).append(rec)
        own = {parsed.name: parsed for _, parsed in self.transcripts}
        refused: set[int] = set()
        for (where, name), recs in groups.items():
            if name in own:
                original, content = own[name].file_text, own[name].content
            elif name in sources:
                original, content = file_text(Path(sources[name])), project.content(name)
            else:
                continue
            if original is None or original.rstrip() == content:
                continue
            verdict, table, cuts = _counting(recs, content, original)
            why = ("CRLF line ends counted as two characters" if "\r\n" in original else
                   "before codering took out invisible characters and composed accents")
            if verdict == "file":
                placed = {id(r): dataclasses.replace(r, start=table[r.start], end=table[r.end],
                                                     text=r.text and content[table[r.start]:table[r.end]])
                          for r in recs if 0 <= r.start and r.end < len(table)
                          and r.text in (None, original[r.start:r.end])}
                self.codings = [placed.get(id(r), r) for r in self.codings]
                self.notices.append(f"{Path(where).name}: the offsets of its {count(len(placed), 'span')} on "
                                    f"'{name}' count the file's own text ({why}), as their 'text' shows; they were "
                                    "moved onto the same words of the stored text")
            elif verdict == "guess":
                refused |= {id(r) for r in recs}
                problems += [f"{r.source}: the offsets for '{name}' seem to count the file's own text ({why}): "
                             f"{cuts} of {count(len(recs), 'span')} begin or end inside a word of the stored text, "
                             "none of the file's own; add each span's \"text\" (codering then places it) or count "
                             "the offsets on the text with LF line ends" for r in recs]
        return refused

    def apply(self, project: Project, coder: str, progress: Progress | None = None) -> list[ImportReport]:
        self.check(project)
        project.check_pages()  # nothing more into a file that is already damaged
        reports = []
        for path, parsed in self.transcripts:
            if progress:
                progress(parsed.name)
            # a renamed copy of a transcript in the project would count every coding twice: not imported
            reports.append(project.import_transcript(parsed, source_path=str(Path(path).resolve()),
                                                     new_text_only=True))
        copies = {r.name: r for r in reports if r.status == "duplicate"}
        for name, attrs in self.attributes.items():
            if name in copies:
                where = f" from {self.attribute_files[name].name}" if name in self.attribute_files else ""
                copies[name].notices.append(f"its attributes{where} were not set ('{copies[name].same_as}' keeps "
                                            "its own)")
                continue
            old = project.attributes(name)
            self.attributes_changed += [f"{name}: {key} '{old[key]}' -> '{value}'" for key, value in attrs.items()
                                        if key in old and old[key] != value]
            project.set_attributes(name, attrs)
            self.attributes_set += 1
        if self.codings:
            moved: dict[str, dict[str, int]] = {}  # a copy's codings go onto the transcript with its text
            # journaled as the person at the project (undo is per coder), else as ``coder``
            with project.action(f"import {len(self.codings)} codings", project.coder or coder):
                present: dict[str, set] = {}
                landed: dict[str, int] = {}  # code merged away -> its codings added onto the code it went into
                for rec in self.codings:
                    target = copies[rec.transcript].same_as if rec.transcript in copies else rec.transcript
                    if target != rec.transcript:
                        files = moved.setdefault(rec.transcript, {})
                        where = Path(rec.source.rsplit(":", 1)[0]).name
                        files[where] = files.get(where, 0) + len(rec.codes)
                    if target not in present:
                        present[target] = {(c.start, c.end, c.code_id, c.coder)
                                           for c in project.codings(target, include_detached=True)}
                    for named in rec.codes:
                        key = (rec.start, rec.end, self._onto(named), rec.coder or coder)
                        if key in present[target]:
                            self.codings_present += 1
                            continue
                        project.add_coding(target, *key, origin="import")
                        present[target].add(key)
                        self.codings_added += 1
                        if named in self.merges:
                            landed[named] = landed.get(named, 0) + 1
                project.rename_action(f"import {count(self.codings_added, 'coding')}")  # not the spans listed
            self.notices += [self.merges[named].landed(n) for named, n in landed.items()]
            for name, files in moved.items():
                copies[name].notices.append(
                    f"its {count(sum(files.values()), 'coding')} from {', '.join(files)} went onto "
                    f"'{copies[name].same_as}' (the same text)")
        return reports


def _counting(recs: list[CodingRecord], content: str, original: str) -> tuple[str, list[int] | None, int]:
    """What a codings file's spans on one transcript count: ("stored", ...) the stored text, as documented;
    ("file", table, 0) the file's own text, shown by their quoted ``text``; ("guess", table, n) no quoted text
    says, but ``n`` of the spans cut a word in the stored text and none do in the file's own. ``table`` takes
    an offset of the file's text to the stored text's."""
    table = align(original, content)
    if table is None or table[-1] != len(content):
        return "stored", None, 0  # the file is not (any more) the stored text
    differ = [r for r in recs if 0 <= r.start and r.end < len(table)
              and (table[r.start], table[r.end]) != (r.start, r.end)]
    if not differ:
        return "stored", None, 0
    quoted = [r for r in differ if r.text is not None]
    if quoted:
        on_file = any(original[r.start:r.end] == r.text for r in quoted)
        on_stored = any(content[r.start:r.end] == r.text for r in quoted)
        return ("file", table, 0) if on_file and not on_stored else ("stored", None, 0)
    cut_stored = sum(_cuts_words(content, r.start, r.end) for r in differ)
    cut_file = sum(_cuts_words(original, r.start, r.end) for r in differ)
    return ("guess", table, cut_stored) if cut_stored and not cut_file else ("stored", None, 0)


def _cuts_words(text: str, start: int, end: int) -> bool:
    """Does the span start or end inside a word of ``text`` (or lie beyond its end)?"""
    if end > len(text):
        return True
    return any(0 < at < len(text) and text[at - 1].isalnum() and text[at].isalnum() for at in (start, end))


_ARCHIVE_SOURCE = re.compile(r"\.qdpx#[^/\\]*$", re.I)  # "study.qdpx#Interview 3": a source of an archive


def _same_file(recorded: str, path: Path) -> bool:
    """Is ``path`` the file a transcript was imported from? Recorded absolute now; before, as typed, so a
    relative record matches a path that ends in it (``data/int09.txt`` for ``proj/data/int09.txt``)."""
    try:
        if Path(recorded).is_absolute():
            return Path(recorded).resolve() == Path(path).resolve()
        return Path(path).resolve().parts[-len(Path(recorded).parts):] == Path(recorded).parts
    except OSError:
        return False


def collect_files(paths: Iterable[str | Path], notices: list[str] | None = None) -> list[Path]:
    """Expand folders (not recursively) into the files codering can import; what a folder holds besides
    (other file types, subfolders, pipes, broken links) is named in ``notices``. Hidden files, READMEs and
    the lock files Word and LibreOffice keep beside an open document (``~$interview.docx``,
    ``.~lock.interview.odt#``) are passed over quietly. A file named twice (the same path twice, or a folder
    and a file in it) is taken once."""
    importable = SUPPORTED_SUFFIXES + CODINGS_SUFFIXES + ATTRIBUTE_SUFFIXES
    out: list[Path] = []
    taken: set[tuple[str, str]] = set()

    def add(path: Path) -> None:
        key = (_real_path(path), path.name)
        if key not in taken:
            taken.add(key)
            out.append(path)

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            skipped: list[str] = []
            for child in sorted(path.iterdir()):
                if child.name.startswith((".", "README", "~$")):
                    continue
                if child.suffix.lower() not in importable or child.is_dir():
                    skipped.append(child.name + ("/" if child.is_dir() else ""))
                    continue
                unreadable = _not_a_file(child)
                if unreadable is None:
                    add(child)
                elif notices is not None:
                    notices.append(f"{child}: left out, {unreadable}")
            if skipped and notices is not None:
                notices.append(f"{path}: left out {', '.join(skipped)} (not a transcript, .csv or .jsonl; "
                               "subfolders are not read)")
        else:
            add(path)
    return out


def _real_path(path: Path) -> str:
    """The file ``path`` names, links followed (as written when that fails, e.g. for a loop of links)."""
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return os.path.abspath(path)


def _not_a_file(path: Path) -> str | None:
    """Why a folder's entry with a transcript's (or .csv's, .jsonl's) name cannot be read as a file, or None:
    a pipe, device or socket, a link to nothing, a loop of links (what a direct import says, in other words)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if path.is_symlink():
            if isinstance(exc, FileNotFoundError):
                return f"a broken link (to {os.readlink(path)}, which does not exist)"
            if exc.errno == errno.ELOOP:
                return "a link that leads back to itself (a loop of links)"
        return f"cannot be read ({exc.strerror or exc})"
    return input_problem(info)


def plan_import(paths: Iterable[str | Path], progress: Progress | None = None) -> ImportPlan:
    """Read and check every file; raise ImportProblems (one line per bad file) if any fails."""
    plan = ImportPlan()
    problems: list[str] = []
    seen: dict[str, Path] = {}
    for path in collect_files(paths, plan.notices):
        if progress:
            progress(path.name)
        suffix = path.suffix.lower()
        try:
            if suffix in CODINGS_SUFFIXES:
                plan.codings.extend(read_codings_jsonl(path, plan.notices))
            elif suffix in ATTRIBUTE_SUFFIXES:
                for name, attrs in read_attributes_csv(path).items():
                    plan.attributes.setdefault(name, {}).update(attrs)
                    plan.attribute_files[name] = path
            else:
                parsed = read_transcript(path)
                if parsed.name in seen:
                    other = seen[parsed.name]
                    looks = ""
                    if other.name != path.name and transcript_name_form(other.name) == transcript_name_form(path.name):
                        looks = " (the same name with its accents written another way, as macOS does)"
                    problems.append(f"{path}: a transcript named '{parsed.name}' is already in this import "
                                    f"({other}){looks}")
                    continue
                seen[parsed.name] = path
                plan.transcripts.append((path, parsed))
        except CoderingError as exc:
            problems.append(str(exc))
    if problems:
        raise ImportProblems(problems)
    return plan


#: The keys of a codings line; others are named in a notice (a typo such as "code" beside "codes").
CODING_KEYS = ("transcript", "start", "end", "codes", "text", "coder")


def _no_twice(pairs: list[tuple[str, object]]) -> dict:
    keys = [k for k, _ in pairs]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"the key {', '.join(repr(k) for k in twice)} appears twice")
    return dict(pairs)


def read_codings_jsonl(path: Path, notices: list[str] | None = None) -> list[CodingRecord]:
    """Codings in the gold format: ``{"transcript", "start", "end", "codes", ["text"], ["coder"]}``. Other keys
    are named in ``notices`` (by line); a key given twice or an empty ``codes`` is refused."""
    data = read_input(path, MAX_BYTES, lambda reason: TranscriptError(path, reason))
    records: list[CodingRecord] = []
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise TranscriptError(path, "codings file is not UTF-8 text") from None
    unknown: dict[str, list[int]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            obj = json.loads(line, object_pairs_hook=_no_twice)
        except json.JSONDecodeError as exc:
            raise TranscriptError(where, f"invalid JSON ({exc.msg})") from None
        except RecursionError:
            raise TranscriptError(where, "invalid JSON (nested too deeply)") from None
        except ValueError as exc:  # a key twice: which value was meant cannot be told
            raise TranscriptError(where, str(exc)) from None
        if not isinstance(obj, dict):
            raise TranscriptError(where, "each line must be a JSON object")
        missing = [k for k in ("transcript", "start", "end", "codes") if k not in obj]
        if missing:
            raise TranscriptError(where, f"missing {', '.join(missing)}")
        codes = obj["codes"]
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise TranscriptError(where, "'codes' must be a list of code ids")
        if not codes:
            raise TranscriptError(where, "'codes' is empty: name at least one code")
        for key in obj:
            if key not in CODING_KEYS:
                unknown.setdefault(key, []).append(number)
        if any(not isinstance(obj[k], int) or isinstance(obj[k], bool) for k in ("start", "end")):
            raise TranscriptError(where, "'start' and 'end' must be whole numbers")
        if obj["end"] <= obj["start"]:
            raise TranscriptError(where, f"'end' ({obj['end']}) must be after 'start' ({obj['start']})")
        if obj.get("coder") is not None and (not isinstance(obj["coder"], str) or not obj["coder"].strip()):
            raise TranscriptError(where, "'coder' must be a name (text)")
        if obj.get("text") is not None and not isinstance(obj["text"], str):
            raise TranscriptError(where, "'text' must be text")
        name = transcript_name_form(Path(str(obj["transcript"])).name)
        name = name[:-4] if name.endswith(".txt") else name
        coder = obj["coder"].strip() if obj.get("coder") is not None else None  # "  ann " is ann
        records.append(CodingRecord(where, name, obj["start"], obj["end"], tuple(codes), obj.get("text"), coder))
    if not records:
        raise TranscriptError(path, "no codings in the file")
    if notices is not None:
        for key, numbers in unknown.items():
            lines_said = ", ".join(map(str, numbers[:5])) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
            notices.append(f"{path.name}: key '{key}' is not one codering reads (it reads {', '.join(CODING_KEYS)}); "
                           f"left out (line{'s' if len(numbers) > 1 else ''} {lines_said})")
    return records
