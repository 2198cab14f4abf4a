"""Hierarchical codebooks: the data model, the YAML loader and writer.

The YAML format is documented in ``codebooks/README.md``. The loader collects
*every* problem (with file and line) before it raises one ``CodebookError``,
so a researcher fixes a broken codebook in one pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator

import yaml

from codering.errors import CodebookError

CODE_FIELDS = (
    "id", "parent", "label", "short", "description", "include", "exclude",
    "examples", "key", "color", "codable", "children",
)
META_FIELDS = ("id", "name", "language", "version", "description", "source")
_ID_CHARS_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")
_ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_\-]*)*$")
_COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_BOOK_ID_RE = re.compile(r"^[a-z0-9_-]+$")
#: Codes nested deeper than this are refused (the report's tables are three levels deep).
MAX_DEPTH = 20
#: A codebook file larger than this is refused before it is parsed.
MAX_CODEBOOK_BYTES = 20 * 1024 * 1024


#: The category ids of the default codebook that evaluation data and the factor tables use (DESIGN.md, "The
#: default codebook (ids are a contract)"); ``niveau.*`` and ``schaal.*`` are optional and not listed.
CONTRACT_IDS = frozenset(
    [f"{side}.{cat}" for side in ("stim", "rem") for cat in ("inhoud", "juridisch", "financieel", "organisatorisch",
                                                              "praktisch", "persoonlijk", "politiek", "historisch")]
    + [f"ctx.{c}" for c in ("markt", "organisatie", "netwerk", "ecosysteem", "lokaal_bestuur")]
    + [f"fin.{c}" for c in ("doorverwijzen", "informatiedeling", "afstemming", "activiteiten")]
)


def contract_codes(book: "Codebook") -> set[str]:
    """The codes of ``book`` the contract fixes in place: every category id of :data:`CONTRACT_IDS` it has,
    and the codes they hang under (``stim``, ``rem``, ...). They may be edited and reordered among their
    siblings, but not removed, merged away or put under another parent."""
    out: set[str] = set()
    for code_id in CONTRACT_IDS & set(book.codes):
        out.add(code_id)
        out.update(c.id for c in book.ancestors(code_id))
    return out


def id_problem(code_id: str) -> str | None:
    """What is wrong with a code id, in words (None: nothing). Parts of letters, digits, '_' and '-',
    joined by single dots, each starting with a letter, digit or '_'."""
    if _ID_RE.match(code_id):
        return None
    if not _ID_CHARS_RE.match(code_id):
        return "may only hold letters, digits, '_', '-' and '.'"
    if code_id.startswith(".") or code_id.endswith(".") or ".." in code_id:
        return "a '.' separates two parts of the id; it cannot start or end it, nor follow another '.'"
    return "each part (between dots) starts with a letter, a digit or '_'"


@dataclass(frozen=True)
class Code:
    """One code of a codebook. ``parent`` is None for a root."""

    id: str
    label: str
    parent: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    key: str | None = None
    color: str | None = None
    codable: bool = True
    short: str | None = None

    def with_changes(self, **changes: Any) -> "Code":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The code as a YAML-ready mapping, leaving out empty fields."""
        out: dict[str, Any] = {"id": self.id}
        if self.parent:
            out["parent"] = self.parent
        out["label"] = self.label
        for name in ("short", "description", "include", "exclude"):
            value = getattr(self, name)
            if value:
                out[name] = value
        if self.examples:
            out["examples"] = list(self.examples)
        if self.key:
            out["key"] = self.key
        if self.color:
            out["color"] = self.color
        if not self.codable:
            out["codable"] = False
        return out


@dataclass
class Codebook:
    """An ordered tree of codes plus what the codebook is."""

    id: str
    name: str
    codes: dict[str, Code] = field(default_factory=dict)
    language: str = "nl"
    version: str = ""
    description: str = ""
    source: str = ""

    # -- tree ---------------------------------------------------------------
    def __contains__(self, code_id: object) -> bool:
        return code_id in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code_id: str) -> Code:
        try:
            return self.codes[code_id]
        except KeyError:
            raise CodebookError(f"unknown code '{code_id}' (not in codebook '{self.id}')") from None

    def roots(self) -> list[Code]:
        return [c for c in self.codes.values() if c.parent is None]

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes.values() if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[Code]:
        """Parent, grandparent, ... of a code (nearest first)."""
        out: list[Code] = []
        code = self.get(code_id)
        while code.parent is not None:
            code = self.codes[code.parent]
            out.append(code)
        return out

    def _child_index(self) -> dict[str | None, list[Code]]:
        """Children per parent id, in file order, built in one pass (``children`` scans every code: asked for
        each code, a codebook of 40,000 codes took 12 s to validate and a minute to ``init``)."""
        index: dict[str | None, list[Code]] = {}
        for code in self.codes.values():
            index.setdefault(code.parent, []).append(code)
        return index

    def descendants(self, code_id: str) -> list[Code]:
        index = self._child_index()
        out: list[Code] = []
        stack = list(reversed(index.get(code_id, [])))
        while stack:
            code = stack.pop()
            out.append(code)
            stack.extend(reversed(index.get(code.id, [])))
        return out

    def depth(self, code_id: str) -> int:
        return len(self.ancestors(code_id))

    def walk(self) -> Iterator[tuple[int, Code]]:
        """All codes depth-first in file order, with their depth."""
        index = self._child_index()
        stack: list[tuple[int, Code]] = [(0, c) for c in reversed(index.get(None, []))]
        while stack:  # without recursion: a deep codebook does not reach Python's recursion limit
            depth, code = stack.pop()
            yield depth, code
            stack.extend((depth + 1, c) for c in reversed(index.get(code.id, [])))

    def path_label(self, code_id: str, sep: str = " › ") -> str:
        """"Stimulerende factoren › Praktische › Nabijheid"."""
        chain = [self.get(code_id), *self.ancestors(code_id)]
        return sep.join(c.label for c in reversed(chain))

    def distinct_label(self, code_id: str) -> str:
        """The label; when another code has the same label (``Verzuiling`` under stimulerend and under
        remmend), followed by the nearest ancestor that tells them apart: ``Verzuiling (Remmende
        factoren)``, ``Concurrentie (Politieke)``. The label comes first, so a cut-off keeps it."""
        code = self.get(code_id)
        twins = [c.id for c in self.codes.values() if c.label == code.label and c.id != code_id]
        if not twins:
            return code.label
        theirs = {a.label for t in twins for a in self.ancestors(t)}
        ancestors = self.ancestors(code_id)
        which = next((a.label for a in ancestors if a.label not in theirs),
                     " › ".join(a.label for a in reversed(ancestors)))
        return f"{code.label} ({which})" if which else code.label

    def label_clashes(self) -> list[tuple[str, str]]:
        """Pairs of codes (first, second) that share a label under the same parent, in file order: the
        codebook rule a YAML file is checked against, for codebooks assembled from several files."""
        return label_clashes(self.codes.values())

    def counts_for(self, code_id: str) -> set[str]:
        """The code and every ancestor: coding a child counts for its parents."""
        return {code_id, *(c.id for c in self.ancestors(code_id))}

    def family_head(self, code_id: str) -> str:
        """The topmost codable code among ``code_id`` and its ancestors: a factor's category, a category
        itself (the head of the family the suggestion engine scores it in)."""
        head = code_id
        for ancestor in self.ancestors(code_id):
            if ancestor.codable:
                head = ancestor.id
        return head

    # -- serialisation --------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in META_FIELDS}

    def to_dict(self) -> dict[str, Any]:
        meta = {k: v for k, v in self.meta().items() if v}
        codes = []
        for _, code in self.walk():
            out = code.to_dict()
            if code.parent is None and code.id.rpartition(".")[0] in self.codes:
                # a code moved to the top whose dotted id names a code: without an explicit null the loader
                # would put it back under that code (``parent`` is implicit from the id)
                out = {"id": code.id, "parent": None, **{k: v for k, v in out.items() if k != "id"}}
            codes.append(out)
        return {"codebook": meta, "codes": codes}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=88)

    def write_yaml(self, path: Path) -> None:
        from codering.fileio import atomic_write_text

        atomic_write_text(Path(path), self.to_yaml())


# -- loading -------------------------------------------------------------------

#: Fields whose unquoted numbers are kept as written: YAML reads ``id: 1.20`` as the number 1.2 and
#: ``id: 010`` as 8, and codings that name the code as written then found no such code.
_TEXT_AS_WRITTEN = ("id", "parent", "label", "key", "short")


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping and key, and refuses aliases.

    A codebook has no use for ``&anchor``/``*alias``; refusing them is what keeps a
    "billion laughs" file (aliases of aliases, ``label: *a9``) from expanding
    without bound in memory.
    """

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, f"aliases (*{event.anchor}) are not allowed in a codebook; write the value out",
                event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        lines: dict[str, int] = {}
        dupes: list[tuple[str, int]] = []
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in _TEXT_AS_WRITTEN and isinstance(value_node, yaml.ScalarNode) \
                    and value_node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
                mapping[key] = value_node.value  # 1.20 stays "1.20" (not 1.2), 010 stays "010" (not 8)
            line = key_node.start_mark.line + 1
            if key in lines:
                dupes.append((key, line))
            lines[key] = line
        mapping["__line__"] = node.start_mark.line + 1
        mapping["__keylines__"] = lines
        mapping["__dupes__"] = dupes
        return mapping


def label_clashes(codes: Iterable[Code]) -> list[tuple[str, str]]:
    """Pairs of codes (first, second) that share a label (case aside) under the same parent, in order."""
    seen: dict[tuple[str | None, str], str] = {}
    clashes: list[tuple[str, str]] = []
    for code in codes:
        if not code.label:
            continue
        sig = (code.parent, code.label.casefold())
        if sig in seen:
            clashes.append((seen[sig], code.id))
        else:
            seen[sig] = code.id
    return clashes


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _shipped_hint() -> str:
    from codering.paths import codebook_dirs

    *home, shipped = codebook_dirs()
    own = "".join(f"codebooks in {d}: {', '.join(sorted(p.stem for p in d.glob('*.yaml'))) or 'none'}; "
                  for d in home)
    names = sorted(p.stem for p in shipped.glob("*.yaml"))
    return f" ({own}codering ships: {', '.join(names)}; give one by name)" if names or own else ""


def load_codebook(path: str | Path) -> Codebook:
    """Load and validate a YAML codebook; raise CodebookError listing all problems.
    (A file that may also be a REFI-QDA ``.qdc``: :func:`codering.refi.load_codebook_file`.)"""
    from codering.fileio import read_input

    path = Path(path)
    data = read_input(path, MAX_CODEBOOK_BYTES, lambda reason: CodebookError(
        f"{path}: no such codebook file{_shipped_hint()}" if reason == "no such file" else f"{path}: {reason}"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"{path}: not UTF-8 text (byte {exc.start}); save the codebook as UTF-8") from None
    return parse_codebook(text, str(path))


def parse_codebook(text: str, filename: str = "<codebook>") -> Codebook:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{filename}:{mark.line + 1}" if mark else filename
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CodebookError(f"{where}: invalid YAML: {problem}") from None
    except RecursionError:
        raise CodebookError(f"{filename}: the YAML is nested too deeply (codes may be nested at most "
                            f"{MAX_DEPTH} levels)") from None
    return _Validator(filename).build(data)


class _Validator:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[str] = []

    def problem(self, line: int | None, message: str) -> None:
        where = f"{self.filename}:{line}" if line else self.filename
        self.problems.append(f"{where}: {message}")

    def build(self, data: Any) -> Codebook:
        if not isinstance(data, dict):
            self.problem(1, "a codebook must be a mapping with 'codebook' and 'codes' keys")
            self.fail()
        for key, line in data["__dupes__"]:
            self.problem(line, f"key '{key}' appears twice")
        for key in data:
            if not key.startswith("__") and key not in ("codebook", "codes"):
                self.problem(data["__keylines__"][key], f"unknown top-level key '{key}' (expected 'codebook' and 'codes')")
        meta = data.get("codebook")
        if not isinstance(meta, dict):
            self.problem(data.get("__keylines__", {}).get("codebook", 1), "missing 'codebook:' block with id and name")
            meta = {"__line__": 1, "__keylines__": {}, "__dupes__": []}
        for key in meta:
            if not key.startswith("__") and key not in META_FIELDS:
                self.problem(meta["__keylines__"][key], f"unknown codebook field '{key}'")
        for field_name in ("id", "name"):
            if not str(meta.get(field_name) or "").strip():
                self.problem(meta["__line__"], f"codebook {field_name} is missing")
        for field_name in META_FIELDS:
            self.check_text(meta, field_name, "codebook")
        book_id = meta.get("id")
        if isinstance(book_id, str) and book_id.strip() and not _BOOK_ID_RE.match(book_id.strip()):
            self.problem(meta["__keylines__"].get("id", meta["__line__"]),
                         f"codebook id '{book_id.strip()}' may only hold lower-case letters, digits, '_' and '-'")
        raw_codes = data.get("codes")
        if not isinstance(raw_codes, list) or not raw_codes:
            self.problem(data.get("__keylines__", {}).get("codes", 1), "'codes:' must be a non-empty list of codes")
            self.fail()
        entries: list[tuple[dict, str | None]] = []
        self.flatten(raw_codes, None, entries)
        codes = self.check_codes(entries)
        if self.problems:
            self.fail()
        return Codebook(
            id=str(meta["id"]).strip(), name=str(meta["name"]).strip(), codes=codes,
            language=str(meta.get("language") or "nl"), version=str(meta.get("version") or ""),
            description=str(meta.get("description") or "").strip(),
            source=str(meta.get("source") or "").strip(),
        )

    def fail(self) -> None:
        count = len(self.problems)
        head = self.problems[0] if self.problems else f"{self.filename}: invalid codebook"
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        raise CodebookError(head + more, problems=self.problems)

    def check_text(self, raw: dict, field_name: str, owner: str) -> bool:
        """A problem (and False) unless ``raw[field_name]`` is absent, text or a number: a mapping, a list,
        binary or a YAML 1.1 boolean (``yes``, ``on``, ``no`` unquoted) is not what a researcher meant."""
        value = raw.get(field_name)
        if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, bool)):
            return True
        hint = " (write it in quotes: YAML reads yes/no/on/off as true/false)" if isinstance(value, bool) else ""
        self.problem(raw["__keylines__"].get(field_name, raw["__line__"]),
                     f"{owner}: {field_name} must be text, got {type(_clean(value)).__name__}{hint}")
        return False

    def flatten(self, items: list, parent: str | None, out: list, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            self.problem(None, f"codes under '{parent}' are nested more than {MAX_DEPTH} levels deep")
            return
        for item in items:
            if not isinstance(item, dict):
                self.problem(None, f"each code must be a mapping, got {item!r}")
                continue
            out.append((item, parent))
            children = item.get("children")
            if children is not None:
                if isinstance(children, list):
                    self.flatten(children, str(item.get("id") or ""), out, depth + 1)
                else:
                    self.problem(item["__keylines__"].get("children"), "'children' must be a list of codes")

    def check_codes(self, entries: list[tuple[dict, str | None]]) -> dict[str, Code]:
        codes: dict[str, Code] = {}
        lines: dict[str, int] = {}
        explicit_parent: dict[str, tuple[str, int]] = {}
        top_level: set[str] = set()
        keys: dict[str, str] = {}
        for raw, nested_parent in entries:
            line = raw["__line__"]
            kl = raw["__keylines__"]
            for key, dline in raw["__dupes__"]:
                self.problem(dline, f"field '{key}' appears twice in one code")
            for key in raw:
                if not key.startswith("__") and key not in CODE_FIELDS:
                    self.problem(kl[key], f"unknown field '{key}' (allowed: {', '.join(CODE_FIELDS)})")
            fine = {f: self.check_text(raw, f, f"code '{_clean(raw.get('id'))}'")
                    for f in ("id", "label", "parent", "key", "color")}
            if not (fine["id"] and fine["label"] and fine["parent"]):  # no code can be made of it
                continue
            code_id = str(raw.get("id") or "").strip()
            if not code_id:
                self.problem(line, "code without an id")
                continue
            wrong = id_problem(code_id)
            if wrong:
                self.problem(kl.get("id", line), f"id '{code_id}': {wrong}")
            if code_id in codes:
                self.problem(kl.get("id", line), f"duplicate id '{code_id}' (first defined on line {lines[code_id]})")
                continue
            label = str(raw.get("label") or "").strip()
            if not label:
                self.problem(line, f"code '{code_id}' has no label")
            examples = raw.get("examples") or []
            if isinstance(examples, str):
                examples = [examples]
            if not isinstance(examples, list) or not all(isinstance(e, (str, int, float)) for e in examples):
                self.problem(kl.get("examples", line), f"code '{code_id}': examples must be a list of strings")
                examples = []
            if any(isinstance(e, bool) for e in examples):
                self.problem(kl.get("examples", line), f"code '{code_id}': examples must be a list of strings "
                                                       "(write yes/no/on/off in quotes)")
                examples = []
            for text_field in ("description", "include", "exclude", "short"):
                self.check_text(raw, text_field, f"code '{code_id}'")
            key = raw.get("key")
            if key is not None:
                key = str(key)
                if len(key) != 1 or key.isspace():
                    self.problem(kl.get("key", line), f"code '{code_id}': key must be one character, got '{key}'")
                elif key in keys:
                    self.problem(kl.get("key", line), f"key '{key}' is bound twice: to '{keys[key]}' and '{code_id}'")
                else:
                    keys[key] = code_id
            color = raw.get("color")
            if color is not None and not _COLOR_RE.match(str(color)):
                self.problem(kl.get("color", line), f"code '{code_id}': color must look like #1f77b4, got '{color}'")
                color = None
            codable = raw.get("codable", True)
            if not isinstance(codable, bool):
                self.problem(kl.get("codable", line), f"code '{code_id}': codable must be true or false")
                codable = True
            parent = raw.get("parent")
            if parent is not None:
                parent = str(parent).strip()
                if nested_parent and parent != nested_parent:
                    self.problem(kl.get("parent", line), f"code '{code_id}' is nested under '{nested_parent}' but names parent '{parent}'")
                explicit_parent[code_id] = (parent, kl.get("parent", line))
            elif nested_parent:
                parent = nested_parent
            elif "parent" in raw:  # ``parent: null`` (or empty): at the top, whatever the id's dots say
                top_level.add(code_id)
            lines[code_id] = line
            codes[code_id] = Code(
                id=code_id, label=label, parent=parent,
                description=_text(raw.get("description")), include=_text(raw.get("include")),
                exclude=_text(raw.get("exclude")),
                examples=tuple(_text(e) for e in examples if _text(e)),
                key=key if isinstance(key, str) and len(key) == 1 else None,
                color=str(color) if color else None, codable=codable,
                short=_text(raw.get("short")) or None,
            )
        # parents: explicit must exist; implicit from the dotted id when it exists
        for code_id, code in list(codes.items()):
            if code.parent is None:
                prefix = code_id.rpartition(".")[0]
                if prefix and prefix in codes and code_id not in top_level:
                    codes[code_id] = code.with_changes(parent=prefix)
            elif code.parent not in codes:
                pline = explicit_parent.get(code_id, ("", lines[code_id]))[1]
                self.problem(pline, f"code '{code_id}' names unknown parent '{code.parent}'")
                codes[code_id] = code.with_changes(parent=None)
            elif code.parent == code_id:
                self.problem(lines[code_id], f"code '{code_id}' is its own parent")
                codes[code_id] = code.with_changes(parent=None)
        self.check_cycles(codes, lines)
        self.check_sibling_labels(codes, lines)
        return codes

    def check_cycles(self, codes: dict[str, Code], lines: dict[str, int]) -> None:
        for code_id in codes:
            seen = {code_id}
            parent = codes[code_id].parent
            while parent is not None:
                if parent in seen:
                    self.problem(lines[code_id], f"code '{code_id}' is part of a parent cycle")
                    break
                seen.add(parent)
                parent = codes[parent].parent if parent in codes else None

    def check_sibling_labels(self, codes: dict[str, Code], lines: dict[str, int]) -> None:
        for first, second in label_clashes(codes.values()):
            self.problem(lines[second], f"codes '{first}' and '{second}' share the label '{codes[second].label}' "
                                        "under the same parent")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split()) if "\n" not in str(value).strip() else str(value).strip()


def default_codebook_path() -> Path:
    """The shipped default codebook (seed 002): from ``$CODERING_HOME/codebooks`` when that folder has
    it, else the copy codering ships (a home folder of one's own codebooks need not hold the default)."""
    from codering.paths import codebook_dirs

    name = "samenwerking-zorg-welzijn.yaml"
    dirs = codebook_dirs()
    return next((d / name for d in dirs if (d / name).is_file()), dirs[-1] / name)


def iter_problems(paths: Iterable[Path]) -> Iterator[str]:
    """Every problem of every codebook file, for `codebook validate`."""
    for path in paths:
        try:
            load_codebook(path)
        except CodebookError as exc:
            yield from exc.problems
