"""Word (.docx) transcripts through python-docx: paragraphs become turns, a leading table the header."""

from __future__ import annotations

from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.documents import blocks_to_text, check_zip

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
    check_zip(path, "not a valid Word file")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
        from lxml import etree

        entity = next(document.element.iter(etree.Entity), None)
        if entity is not None:  # python-docx leaves it unexpanded, which would cut the text around it
            raise TranscriptError(path, f"the document uses its own XML entity ({entity.text}), which codering "
                                        "does not read; open it in Word and save it again")
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
    return blocks_to_text(blocks, notices), notices
