"""Word (.docx) transcripts through python-docx: paragraphs become turns, a leading table the header."""

from __future__ import annotations

from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.documents import Collected, TextTooLarge, check_zip, finish, flatten_blocks, too_much_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_SKIP = {f"{_W}del", f"{_W}moveFrom", _MC_FALLBACK, f"{_W}footnoteReference",
           f"{_W}commentReference", f"{_W}instrText", f"{_W}delInstrText"}


def _docx_paragraph_text(p, boxes: list) -> str:
    """Text of a w:p, including tracked insertions and hyperlinks, without deletions. The text boxes
    (w:txbxContent) anchored in it are not part of its text; they are added to ``boxes``."""
    out: list[str] = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag == f"{_W}txbxContent":
                boxes.append(child)
                continue
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


# block-level parts without text of the document: properties, deleted or moved-away content, and the copy of
# mc:Choice for older readers (Word writes a text box twice)
_BLOCK_SKIP = {f"{_W}sectPr", f"{_W}sdtPr", f"{_W}sdtEndPr", f"{_W}customXmlPr", f"{_W}del", f"{_W}moveFrom",
               _MC_FALLBACK}


def _within(node, tag: str):
    """The elements ``tag`` in ``node``, also those wrapped in a content control (w:sdt), w:customXml or a
    tracked insertion, but not inside one another: a table's rows, a row's cells."""
    for child in node:
        if child.tag == tag:
            yield child
        elif child.tag not in _BLOCK_SKIP:
            yield from _within(child, tag)


def _docx_blocks(node, blocks: list[tuple], style_of, seen: Collected) -> None:
    """The paragraphs and tables in ``node`` in document order as blocks, also those inside block-level
    content controls (w:sdt), w:customXml and tracked insertions, which python-docx's iter_inner_content
    does not yield. The content of a text box follows the paragraph it is anchored in, as paragraphs of its
    own; ``seen`` counts the text boxes with text, and the text."""
    for child in node:
        tag = child.tag
        if tag == f"{_W}p":
            anchored: list = []
            blocks.append(("p", seen.add(_docx_paragraph_text(child, anchored)), style_of(child)))
            for box in anchored:
                seen.box(blocks, lambda box=box: _docx_blocks(box, blocks, style_of, seen))
        elif tag == f"{_W}tbl":
            rows = []
            for tr in _within(child, f"{_W}tr"):
                rows.append([_cell_text(tc, style_of, seen) for tc in _within(tr, f"{_W}tc")])
            blocks.append(("table", rows))
        elif tag in _BLOCK_SKIP:
            continue
        else:  # w:sdt, w:sdtContent, w:customXml, w:ins, w:moveTo, mc:AlternateContent, ...
            _docx_blocks(child, blocks, style_of, seen)


def _cell_text(tc, style_of, seen: Collected) -> str:
    """A table cell's paragraphs, one a line; a table nested in it, cell by cell."""
    blocks: list[tuple] = []
    _docx_blocks(tc, blocks, style_of, seen)
    return "\n".join(flatten_blocks(blocks))


def read_docx(path: Path) -> tuple[str, list[str]]:
    """A Word document: paragraphs become turns, a leading table or key: value lines the header."""
    check_zip(path, "not a valid Word file")
    try:
        import docx

        document = docx.Document(str(path))
        from lxml import etree

        entity = next(document.element.iter(etree.Entity), None)
        if entity is not None:  # python-docx leaves it unexpanded, which would cut the text around it
            raise TranscriptError(path, f"the document uses its own XML entity ({entity.text}), which codering "
                                        "does not read; open it in Word and save it again")
        # python-docx's Paragraph.style looks the default style up anew for every paragraph (1 ms each)
        try:
            names = {style.style_id: style.name or "" for style in document.styles}
        except Exception:  # a missing or broken style part is not worth failing for
            names = {}

        def style_of(p) -> str:
            style_id = p.find(f"{_W}pPr/{_W}pStyle")
            return names.get(style_id.get(f"{_W}val"), "") if style_id is not None else ""

        blocks: list[tuple] = []
        seen = Collected()
        _docx_blocks(document.element.body, blocks, style_of, seen)
    except TranscriptError:
        raise
    except TextTooLarge:
        raise too_much_text(path) from None
    except Exception:
        raise TranscriptError(path, "not a valid Word file") from None
    return finish(path, blocks, seen)
