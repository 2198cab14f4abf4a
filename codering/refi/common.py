"""What QDPX and QDC share: GUIDs, lenient XML reading, code descriptions and code ids.

Import leniently, export strictly. Reading accepts any namespace (ATLAS.ti
names ``urn:QDA-XML:codebook:0:4`` in its schema location), GUIDs that are not
GUIDs, codes without descriptions and code groups as ``Set``s. Writing
produces what ``Project.xsd`` and ``Codebook.xsd`` accept.

A codering code has more fields than a REFI ``Code`` (inclusion and exclusion
notes, examples, a key, a short label, and its id, which evaluation data and
tables rely on). They travel in the code's ``Description``, after the
description itself, as a last paragraph of ``field: value`` lines that ends
with ``id: ...``; other tools show it as text, codering reads it back::

    Praktische zaken die samenwerking makkelijker maken.

    include: ...
    example: we zitten in hetzelfde gebouw
    id: stim.praktisch
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterable

from codering.codebook import Code, Codebook, id_problem
from codering.errors import RefiError

if TYPE_CHECKING:
    from lxml import etree

    from codering.store import CodeMerge

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = "codering 0.1.0"
PATH_SEPARATOR = " / "  # a code named by its path of labels, as the Taguette export writes it
_COLOR6 = re.compile(r"^#[0-9a-fA-F]{6}$")
_COLOR3 = re.compile(r"^#[0-9a-fA-F]{3}$")
_FIELD_LINE = re.compile(r"^(include|exclude|example|short|key|id): ?(.*)$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# -- GUIDs -------------------------------------------------------------------------------------

def guid(base: str, kind: str, *key: object) -> str:
    """A stable GUID: uuid5 of the project id and ``kind:key``; the same object always gets the same one."""
    try:
        namespace = uuid.UUID(base)
    except (ValueError, AttributeError, TypeError):
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"codering:{base}")
    return str(uuid.uuid5(namespace, ":".join([kind, *map(str, key)])))


def norm_guid(value: str | None) -> str:
    """GUIDs compare without braces and case ('{ABC-...}' == 'abc-...'); non-GUIDs are kept as they are."""
    return (value or "").strip().strip("{}").lower()


def codebook_base(codebook: Codebook) -> str:
    """The GUID base of a codebook exported on its own (no project)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"codering:codebook:{codebook.id}"))


# -- XML reading ---------------------------------------------------------------------------------

def parse_xml(source: "bytes | BinaryIO", where: str) -> "etree._Element":
    """Parse untrusted XML (no entities, no network, libxml2's size limits on); a syntax error names the line.

    ``source``: the bytes, or a binary stream that is read in chunks (never held whole).
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        if isinstance(source, (bytes, bytearray)):
            root = etree.fromstring(source, parser)
        else:
            root = etree.parse(source, parser).getroot()
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else None)
        msg = getattr(exc, "msg", None) or str(exc)
        msg = re.sub(r"\s*,? line \d+, column \d+$", "", msg.strip())
        if "XML_PARSE_HUGE" in msg:  # libxml2's limits (10 MB per text, bounded buffers) protect memory
            msg = re.sub(r",? try XML_PARSE_HUGE\s*", "", msg) + " (the XML holds more than codering reads)"
        raise RefiError(f"{where}{f' line {line}' if line else ''}: invalid XML: {msg}") from None
    except ValueError as exc:
        raise RefiError(f"{where}: invalid XML: {exc}") from None
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:  # left unexpanded, it would cut the text it stands in; no REFI-QDA tool writes one
        raise RefiError(f"{where} line {entity.sourceline}: the XML uses its own entity ({entity.text}), which "
                        "codering does not read; nothing was imported")
    return root


def local(el: "etree._Element") -> str:
    """An element's name without its namespace (any namespace is accepted on import)."""
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def kids(el: "etree._Element", name: str) -> list["etree._Element"]:
    return [c for c in el if local(c) == name]


def kid(el: "etree._Element", name: str) -> "etree._Element | None":
    found = kids(el, name)
    return found[0] if found else None


def text_of(el: "etree._Element", name: str) -> str:
    child = kid(el, name)
    return (child.text or "") if child is not None else ""


def xml_safe(text: str) -> str:
    """Text XML 1.0 can hold: control characters become U+FFFD."""
    return _XML_BAD.sub("\ufffd", text)


# -- descriptions --------------------------------------------------------------------------------

def clean_text(value: str | None) -> str:
    """A description as codering keeps it: stripped; one line collapsed like the YAML loader does."""
    value = (value or "").strip()
    return value if "\n" in value else " ".join(value.split())


def _field(name: str, value: str) -> str:
    first, *rest = value.split("\n")
    return "\n".join([f"{name}: {first}", *("  " + line for line in rest)])


def encode_description(code: Code) -> str:
    """The code's description followed by its codering fields (see the module docstring)."""
    lines = [_field(n, v) for n, v in (("include", code.include), ("exclude", code.exclude)) if v]
    lines += [_field("example", e) for e in code.examples]
    lines += [_field(n, v) for n, v in (("short", code.short), ("key", code.key)) if v]
    lines.append(f"id: {code.id}")
    return "\n\n".join(p for p in (code.description, "\n".join(lines)) if p)


def decode_description(text: str | None) -> tuple[str, dict[str, list[str]]]:
    """(description, fields): the trailing field block is recognised only when it names an id."""
    text = (text or "").strip()
    head, entries = _field_block(text, _FIELD_LINE)
    if entries is None:
        return clean_text(text), {}
    fields: dict[str, list[str]] = {}
    for name, lines in entries:
        fields.setdefault(name, []).append("\n".join(lines))
    if "id" not in fields:
        return clean_text(text), {}
    return clean_text(head), fields


def _field_block(text: str, pattern: "re.Pattern[str]") -> tuple[str, list[tuple[str, list[str]]] | None]:
    """(text before the last paragraph, that paragraph's ``name: value`` entries) when every line of it is
    such a field (``pattern``) or an indented continuation of one; (text, None) otherwise."""
    head, sep, block = text.rpartition("\n\n")
    entries: list[tuple[str, list[str]]] = []
    for line in block.split("\n"):
        m = pattern.match(line)
        if m:
            entries.append((m.group(1), [m.group(2)]))
        elif line.startswith("  ") and entries:
            entries[-1][1].append(line[2:])
        else:
            return text, None
    return (head if sep else ""), entries


_BOOK_LINE = re.compile(r"^codebook-(id|name|language|version|source|description): ?(.*)$")
BOOK_FIELDS = ("id", "name", "language", "version", "source", "description")


def encode_project_description(codebook: Codebook) -> str:
    """The codebook's id, name, ... as ``codebook-field: value`` lines: REFI-QDA has no place for them
    but the project's ``Description``, which other tools show as text and codering reads back."""
    meta = codebook.meta()
    return "\n".join(_field(f"codebook-{name}", meta[name]) for name in BOOK_FIELDS if meta.get(name))


def decode_project_description(text: str | None) -> tuple[str, dict[str, str]]:
    """(the project's own description, codebook fields) from a project ``Description``; the fields are
    recognised only as its last paragraph, naming at least the codebook's id."""
    text = (text or "").strip()
    head, entries = _field_block(text, _BOOK_LINE)
    if entries is None:
        return clean_text(text), {}
    fields = {name: clean_text("\n".join(lines)) for name, lines in entries}
    if not fields.get("id"):
        return clean_text(text), {}
    return clean_text(head), fields


# -- codes read from a file -------------------------------------------------------------------------

@dataclass
class RefiCode:
    """A ``Code`` as another tool wrote it, before it has a codering id."""

    guid: str
    name: str
    parent: str | None  # the parent's guid
    description: str
    fields: dict[str, list[str]]
    color: str | None
    codable: bool
    line: int | None = None


@dataclass
class RefiSet:
    guid: str
    name: str
    description: str
    members: list[str] = field(default_factory=list)  # code guids


def read_codes(codes_el: "etree._Element", where: str, notices: list[str]) -> list[RefiCode]:
    """Every ``Code`` under ``<Codes>``, parents before children, in file order."""
    out: list[RefiCode] = []
    seen: set[str] = set()

    def visit(el: "etree._Element", parent: str | None, path: str) -> None:
        name = " ".join((el.get("name") or "").split())
        if not name:
            raise RefiError(f"{where} line {el.sourceline}: a Code has no name")
        key = norm_guid(el.get("guid")) or f"name:{path}/{name}"
        if key in seen and not norm_guid(el.get("guid")):  # two codes of one name, neither with a GUID: both
            key = f"{key}@{el.sourceline}"  # stay (the second is named "... (2)" in the codebook)
        if key in seen:
            raise RefiError(f"{where} line {el.sourceline}: code GUID '{el.get('guid')}' is used twice")
        seen.add(key)
        description, fields = decode_description(text_of(el, "Description"))
        color = (el.get("color") or "").strip() or None
        if color and _COLOR3.match(color):
            color = "#" + "".join(ch * 2 for ch in color[1:])
        if color and not _COLOR6.match(color):
            notices.append(f"code '{name}': colour '{color}' is not #rrggbb; left out")
            color = None
        flag = (el.get("isCodable") or "true").strip().lower()
        codable = flag not in ("false", "0")
        if flag not in ("true", "false", "1", "0"):  # xs:boolean allows these four
            notices.append(f"code '{name}': isCodable '{el.get('isCodable')}' is not true or false; taken as codable")
        out.append(RefiCode(key, name, parent, description, fields, color, codable, el.sourceline))
        for child in kids(el, "Code"):
            visit(child, key, f"{path}/{name}")

    for el in kids(codes_el, "Code"):
        visit(el, None, "")
    return out


def read_sets(sets_el: "etree._Element | None", member_attr: str) -> tuple[list[RefiSet], int]:
    """Code sets, and how many sets held only sources or notes (which codering has no place for)."""
    sets: list[RefiSet] = []
    other = 0
    for el in kids(sets_el, "Set") if sets_el is not None else []:
        members = [norm_guid(m.get(member_attr) or m.get("guid") or m.get("targetGUID"))
                   for m in kids(el, "MemberCode")]
        if members:
            sets.append(RefiSet(norm_guid(el.get("guid")), " ".join((el.get("name") or "set").split()),
                                clean_text(text_of(el, "Description")), members))
        else:
            other += 1
    return sets, other


# -- code ids ----------------------------------------------------------------------------------------

def slug(name: str) -> str:
    """An id part from a name: ASCII letters, digits and '_' ('Praktische zaken' -> 'praktische_zaken')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_") or "code"


def _single(fields: dict[str, list[str]], name: str) -> str:
    return clean_text(fields.get(name, [""])[-1])


def build_codebook(codes: list[RefiCode], sets: list[RefiSet], meta: dict[str, str], notices: list[str],
                   target: Codebook | None = None, base: str | None = None) -> tuple[Codebook, dict[str, str]]:
    """Give every code an id and return (codebook, guid -> code id).

    An id comes from, in order: the ``id:`` line codering wrote in the description; the
    GUID codering derives from ``base`` (the target project's id); a code in ``target``
    with the same label under the same parent; else it is derived from the names.
    Root codes in exactly one code group (an ATLAS.ti ``Set``) go under a folder named
    after the group.
    """
    target_codes = target.codes if target is not None else {}
    by_path = {target.path_label(cid, PATH_SEPARATOR).casefold(): cid for cid in target_codes} if target else {}
    by_guid = {guid(base, "code", cid): cid for cid in target_codes} if base else {}
    taken: set[str] = set(target_codes)
    ids: dict[str, str] = {}
    used: set[str] = set()
    nested: set[str] = set()  # new codes given a path id under a code of the target
    codes = list(codes)

    set_of: dict[str, list[RefiSet]] = {}
    for s in sets:
        for member in s.members:
            set_of.setdefault(member, []).append(s)
    folders: dict[str, RefiCode] = {}
    for c in codes:
        groups = set_of.get(c.guid, [])
        if c.parent is None and len(groups) == 1:
            s = groups[0]
            if s.guid not in folders:
                folders[s.guid] = RefiCode(f"set:{s.guid}", s.name, None, s.description, {}, None, False)
            c.parent = folders[s.guid].guid
        elif len(groups) > 1:
            notices.append(f"code '{c.name}' is in {len(groups)} code groups; it stays where it is")
        elif groups:
            notices.append(f"code '{c.name}' is in code group '{groups[0].name}' but under another code; "
                           "it stays under its parent")
    if folders:
        notices.append(f"{len(folders)} code group(s) became folder codes: "
                       + ", ".join(f"'{f.name}'" for f in folders.values()))
    codes = list(folders.values()) + codes

    def unique(candidate: str) -> str:
        n, out = 1, candidate
        while out in taken:
            n += 1
            out = f"{candidate}-{n}"
        return out

    for c in codes:
        parent_id = ids.get(c.parent) if c.parent else None
        wanted = _single(c.fields, "id")
        same = [x.id for x in target_codes.values()
                if x.parent == parent_id and x.label.casefold() == c.name.casefold() and x.id not in used]
        if not same and c.parent is None and PATH_SEPARATOR in c.name:  # a tag codering exported for
            found = by_path.get(" ".join(c.name.split()).casefold())  # Taguette, back as a flat code
            same = [found] if found and found not in used else []
        if wanted and not id_problem(wanted) and wanted not in used and (wanted in target_codes or not same):
            cid = wanted  # codering's own id line; one the project lacks yields to a code of that name here
        elif c.guid in by_guid and by_guid[c.guid] not in used:
            cid = by_guid[c.guid]
        else:
            if same:
                cid = same[0]
            else:
                part = slug(c.name)
                if parent_id and (parent_id in target_codes or parent_id in nested):  # under a code of the
                    cid = unique(f"{parent_id}.{part}")  # project: its id's path, so `--codes '^stim\.'` finds it
                    nested.add(cid)
                else:
                    cid = part if part not in taken else unique(f"{parent_id}.{part}" if parent_id else part)
        ids[c.guid] = cid
        used.add(cid)
        taken.add(cid)

    out: dict[str, Code] = {}
    labels: set[tuple[str | None, str]] = {(x.parent, x.label.casefold()) for x in target_codes.values()
                                           if x.id not in used}
    for c in codes:
        cid = ids[c.guid]
        parent = ids.get(c.parent) if c.parent else None
        key = _single(c.fields, "key")
        label, n = c.name, 1
        while (parent, label.casefold()) in labels:  # two codes of one name under one parent: keep both
            n += 1
            label = f"{c.name} ({n})"
        if label != c.name:
            notices.append(f"two codes are named '{c.name}' under the same parent; the second is imported "
                           f"as '{label}'")
        labels.add((parent, label.casefold()))
        out[cid] = Code(
            id=cid, label=label, parent=parent, description=c.description,
            include=_single(c.fields, "include"), exclude=_single(c.fields, "exclude"),
            examples=tuple(clean_text(e) for e in c.fields.get("example", []) if e.strip()),
            key=key if len(key) == 1 else None, color=c.color, codable=c.codable,
            short=_single(c.fields, "short") or None,
        )
    book = Codebook(id=meta.get("id") or "import", name=meta.get("name") or "Imported codebook", codes=out,
                    language=meta.get("language") or "nl", description=meta.get("description", ""),
                    source=meta.get("source", ""), version=meta.get("version", ""))
    return book, ids


def fold_merged(book: Codebook, ids: dict[str, str], current: Codebook,
                merges: dict[str, "CodeMerge"]) -> dict[str, "CodeMerge"]:
    """Codes of a file that were merged away in the project are not made again: ``ids`` (GUID -> code id)
    sends their codings and memos to the code each went into, their subcodes in the file go under that code,
    and ``book`` holds it (and its parents, as the project has them) in their place. ``merges``: the project's
    :meth:`~codering.store.Project.code_merges`. Returns the codes taken out, each with its merge."""
    folded = {cid: merges[cid] for cid in book.codes if cid in merges}
    if not folded:
        return {}
    for cid in folded:
        del book.codes[cid]
    for merge in folded.values():  # the code it went into, where the file's tree can hang things under it
        for code in [current.codes[merge.target], *current.ancestors(merge.target)]:
            book.codes.setdefault(code.id, code)
    for cid, code in list(book.codes.items()):
        if code.parent in folded:
            book.codes[cid] = code.with_changes(parent=folded[code.parent].target)
    ids.update({g: folded[cid].target for g, cid in ids.items() if cid in folded})
    return folded


def codebook_meta(path: Path, origin: str | None) -> dict[str, str]:
    """Codebook id, name and source for a codebook read from ``path``."""
    stem = Path(path).stem
    source = f"{origin} ({Path(path).name})" if origin else Path(path).name
    return {"id": slug(stem).replace("_", "-"), "name": stem, "source": source}


def merge_codebook(project, book: Codebook, coder: str, update: bool, notices: list[str]) -> tuple[int, int]:
    """Add ``book``'s new codes to the project (parents first); with ``update``, also bring existing
    codes' label, description, notes, examples and colour up to date. Returns (added, updated)."""
    added = updated = 0
    current = project.codebook()
    keys = {c.key: c.id for c in current if c.key}
    for _, code in book.walk():
        if code.key and keys.get(code.key, code.id) != code.id:
            notices.append(f"code '{code.id}': key '{code.key}' is already bound to '{keys[code.key]}'; left out")
            code = code.with_changes(key=None)
        if code.key:
            keys[code.key] = code.id
        old = current.codes.get(code.id)
        if old is None:
            project.update_code(code, coder, after=_file_sibling_before(book, code))
            added += 1
            continue
        fields = ("label", "description", "include", "exclude", "examples", "color")
        changes = {f: getattr(code, f) for f in fields if getattr(code, f) and getattr(code, f) != getattr(old, f)}
        if not changes:
            continue
        said = ", ".join(f"label '{old.label}' -> '{code.label}'" if f == "label" else f for f in changes)
        if update:
            project.update_code(old.with_changes(**changes), coder)
            updated += 1
            notices.append(f"code '{old.label}' ({old.id}) updated from the file: {said}")
        else:
            notices.append(f"code '{old.label}' ({old.id}) differs in the file ({said}); the project's kept "
                           "(to take the file's over, export the codebook from the other tool as .qdc and "
                           "`codering -p P codebook import FILE.qdc`)")
    return added, updated


def _file_sibling_before(book: Codebook, code: Code) -> str:
    """The sibling just before ``code`` in the file ("" when it is the first): a new code keeps the
    file's place among codes the project already has, instead of going to the end."""
    siblings = [c.id for c in book.children(code.parent)]
    at = siblings.index(code.id)
    return siblings[at - 1] if at else ""


def ensure_codable(book: Codebook, code_ids: Iterable[str], existing: Codebook | None, notices: list[str],
                   where: str = "the file") -> None:
    """Codes that carry codings in the file must be codable: new folder codes become codable; a code the
    project has as a folder is refused, naming the way out (nothing is written before this check)."""
    for cid in sorted(set(code_ids)):
        code = book.codes[cid]
        if existing is not None and cid in existing and not existing.codes[cid].codable:
            raise RefiError(f"{where}: code '{code.label}' carries codings in the file, but in this project it is "
                            f"the folder '{existing.codes[cid].label}' ({cid}), which cannot be applied; rename "
                            "the code in the other tool, or import the file into a new project")
        if code.codable:
            continue
        book.codes[cid] = code.with_changes(codable=True)
        notices.append(f"code '{code.label}' is marked not codable but has codings; imported as codable")


# -- writing -------------------------------------------------------------------------------------------

def append_codes(parent: "etree._Element", book: Codebook, base: str, ns: str,
                 notes: dict[str, list[str]] | None = None) -> None:
    """``<Code>`` elements for the whole tree, each with its GUID, colour, description and note refs."""
    from lxml import etree

    def add(into: "etree._Element", code: Code) -> None:
        el = etree.SubElement(into, f"{{{ns}}}Code", guid=guid(base, "code", code.id), name=xml_safe(code.label),
                              isCodable="true" if code.codable else "false")
        if code.color:
            el.set("color", code.color)
        etree.SubElement(el, f"{{{ns}}}Description").text = xml_safe(encode_description(code))
        for note in (notes or {}).get(code.id, []):
            etree.SubElement(el, f"{{{ns}}}NoteRef", targetGUID=note)
        for child in book.children(code.id):
            add(el, child)

    for root in book.roots():
        add(parent, root)


def xml_bytes(root: "etree._Element") -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
