"""REFI-QDA codebooks (``.qdc``): write the project's codebook, read what other tools write.

``write_qdc`` writes a file that validates against ``Codebook.xsd``; codering's
own fields ride in each code's description (see :mod:`codering.refi.common`).
``read_qdc`` reads leniently: any schema location, codes without descriptions
or colours, non-GUID GUIDs, code groups (``Set``) as folder codes.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from codering.codebook import Codebook
from codering.errors import ExportError
from codering.refi.common import (
    CODEBOOK_NS,
    ORIGIN,
    RefiError,
    append_codes,
    build_codebook,
    codebook_base,
    codebook_meta,
    fold_merged,
    kid,
    local,
    merge_codebook,
    parse_xml,
    read_codes,
    read_sets,
    xml_bytes,
)
from codering.wording import count

__all__ = ["CodebookImport", "import_codebook", "load_codebook_file", "parse_qdc", "read_qdc", "write_qdc"]


def write_qdc(codebook: Codebook, path: str | Path, *, base: str | None = None, force: bool = False) -> Path:
    """Write ``codebook`` as a QDC file. ``base``: the project id, so GUIDs match the project's QDPX export."""
    from lxml import etree

    from codering.fileio import atomic_write_bytes

    path = Path(path)
    if path.exists() and not force:
        raise ExportError(f"{path}: exists; choose another name or add --force")
    if not len(codebook):
        raise ExportError(f"codebook '{codebook.id}' has no codes; a QDC file needs at least one")
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS, "xsi": xsi}, origin=ORIGIN)
    root.set(f"{{{xsi}}}schemaLocation", f"{CODEBOOK_NS} Codebook.xsd")
    append_codes(etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes"), codebook, base or codebook_base(codebook),
                 CODEBOOK_NS)
    atomic_write_bytes(path, xml_bytes(root))
    return path


def parse_qdc(path: str | Path, target: Codebook | None = None,
              base: str | None = None) -> tuple[Codebook, list[str]]:
    """Read a QDC file: (codebook, notices). With ``target`` (and the project id as ``base``),
    codes that are already in the project keep their ids."""
    from codering.refi.archive import MAX_QDE

    from codering.fileio import check_input

    path = Path(path)
    check_input(path, MAX_QDE, lambda reason: RefiError(
        f"{path}: is a folder, not a codebook file" if reason.startswith("is a folder")
        else f"{path}: {reason} for a codebook" if reason.startswith("the file is") else f"{path}: {reason}"))
    try:
        if zipfile.is_zipfile(path):
            raise RefiError(f"{path}: a zip archive, not a codebook (a .qdpx project? import it with "
                            "`codering import`)")
        with path.open("rb") as stream:
            root = parse_xml(stream, str(path))
    except FileNotFoundError:
        raise RefiError(f"{path}: no such file") from None
    except OSError as exc:
        raise RefiError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if local(root) != "CodeBook":
        hint = " (a project.qde; import the .qdpx with `codering import`)" if local(root) == "Project" else ""
        raise RefiError(f"{path} line {root.sourceline}: the root element is <{local(root)}>, not <CodeBook>{hint}")
    codes_el = kid(root, "Codes")
    if codes_el is None:
        raise RefiError(f"{path}: no <Codes> in the codebook")
    notices: list[str] = []
    codes = read_codes(codes_el, str(path), notices)
    if not codes:
        raise RefiError(f"{path} line {codes_el.sourceline}: <Codes> holds no codes")
    sets, _ = read_sets(kid(root, "Sets"), "guid")
    book, _ = build_codebook(codes, sets, codebook_meta(path, root.get("origin")), notices, target, base)
    return book, notices


def read_qdc(path: str | Path) -> Codebook:
    """A QDC file as a codebook (ids from codering's id lines, else derived from the names)."""
    return parse_qdc(path)[0]


def load_codebook_file(path: str | Path, notices: list[str] | None = None) -> Codebook:
    """A codebook file as the commands take it: REFI-QDA when it ends in ``.qdc``, else YAML; problems
    raise ``CodebookError`` either way (so ``codebook validate`` lists them alike). ``notices``: what a
    ``.qdc`` lost or changed on the way in (a colour that is not #rrggbb, a code group become a folder)."""
    from codering.codebook import CodebookError, load_codebook

    if Path(path).suffix.lower() != ".qdc":
        return load_codebook(path)
    try:
        book, said = parse_qdc(path)
    except RefiError as exc:
        raise CodebookError(str(exc)) from None
    if notices is not None:
        notices.extend(said)
    return book


@dataclass
class CodebookImport:
    path: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.path}: {count(self.added, 'code')} added, {self.updated} updated, "
                f"{self.unchanged} already in the codebook")

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  note: {n}" for n in self.notices)])


def import_codebook(project, path: str | Path, coder: str, *, update: bool = True) -> CodebookImport:
    """Bring the codes of a QDC file into the project's codebook (one undoable action).

    Codes already in the project (same id line, same GUID, or same label under the
    same parent) are matched; with ``update`` their label, description, notes,
    examples and colour take the file's values. New codes are added.
    """
    current = project.codebook()
    book, notices = parse_qdc(path, current, project.project_id)
    for merge in fold_merged(book, {}, current, project.code_merges()).values():
        notices.append(f"code '{merge.source}' is not added again: {merge.said()}")
    report = CodebookImport(str(path), notices=notices)
    with project.action(f"import codebook {Path(path).name}", coder):
        report.added, report.updated = merge_codebook(project, book, coder, update, report.notices)
    report.unchanged = len(book) - report.added - report.updated
    return report
