"""Word (.docx) transcripts through python-docx: paragraphs become turns, a leading table the header."""

from __future__ import annotations

from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.documents import Collected, TextTooLarge, check_zip, finish, flatten_blocks, too_much_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_SKIP = {f"{_W}del", f"{_W}moveFrom", _MC_FALLBACK, f"{_W}footnoteReference",
           f"{_W}commentReference", f"{_W}instrText", f"{_W}delInstrText"}

# Word's symbol characters (``<w:sym w:font="Wingdings" w:char="F0E0"/>``) as Unicode text.
#
# Word stores a character of a symbol font as the font's byte, usually moved into the private use area
# (``F0E0`` is byte ``E0``), and draws it with that font. The byte means nothing without the font, so the
# few symbols an interview transcript holds are mapped here to the Unicode character a reader sees:
# first of all what Word's AutoCorrect puts in as Wingdings (``-->`` →, ``<--`` ←, ``==>`` ⇨, ``<==`` ⇦,
# ``:)`` ☺, ``:|`` 😐, ``:(`` ☹), then the ticks and boxes of checklists and the arrows, bullets and
# operators of the Symbol font. The glyphs are those of the fonts' code charts (Wingdings as in Unicode's
# Wingdings mapping of Unicode 7.0, Symbol as in Adobe's Symbol encoding, ``symbol.txt``), except that
# where Unicode has a plain form beside the one of its Wingdings block the plain one is taken (✓ for
# Wingdings ``FC``, → for ``E0``) and the two empty squares of checklists (``6F``, ``A8``) are ☐.
# A symbol not in these tables has no text a search could find: it stands as U+FFFD (the replacement
# character) and the document's notices name it.
_REPLACEMENT = "\ufffd"

_WINGDINGS = {
    0x21: "\u270f", 0x22: "\u2702", 0x28: "\u260e", 0x4a: "\u263a", 0x4b: "\U0001f610", 0x4c: "\u2639",
    0x6c: "\u25cf", 0x6e: "\u25a0", 0x6f: "\u2610", 0x71: "\u2751", 0x76: "\u2756",
    0xa7: "\u25aa", 0xa8: "\u2610", 0xd8: "\u27a2", 0xdf: "\u2190", 0xe0: "\u2192", 0xe1: "\u2191",
    0xe2: "\u2193", 0xe8: "\u2794", 0xef: "\u21e6", 0xf0: "\u21e8", 0xfb: "\u2717", 0xfc: "\u2713",
    0xfd: "\u2612", 0xfe: "\u2611",
}
# Symbol: its letters are Greek (a α, b β, c χ, ...), its digits and most punctuation are ASCII's
_SYMBOL = {
    **{ord(a): g for a, g in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ")},
    **{ord(a): g for a, g in zip("abcdefghijklmnopqrstuvwxyz", "αβχδεφγηιϕκλμνοπθρστυϖωξψζ")},
    **{ord(c): c for c in " !#%&()+,./0123456789:;<=>?[]_{|}"},
    0x22: "\u2200", 0x24: "\u2203", 0x2d: "\u2212", 0xa3: "\u2264", 0xa5: "\u221e", 0xab: "\u2194",
    0xac: "\u2190", 0xad: "\u2191", 0xae: "\u2192", 0xaf: "\u2193", 0xb0: "\u00b0", 0xb1: "\u00b1",
    0xb3: "\u2265", 0xb4: "\u00d7", 0xb7: "\u2022", 0xb8: "\u00f7", 0xb9: "\u2260", 0xbb: "\u2248",
    0xdb: "\u21d4", 0xdc: "\u21d0", 0xde: "\u21d2",
}
_FONTS = {"wingdings": _WINGDINGS, "symbol": _SYMBOL}


def _symbol_text(font: str | None, char: str | None) -> tuple[str, bool]:
    """The text of a w:sym: (text, known). A symbol font's character is looked up in the tables above; a
    character of another font outside the private use area is that character; anything else (unknown,
    unreadable) is U+FFFD with known False."""
    try:
        code = int(char or "", 16)
    except ValueError:
        return _REPLACEMENT, False
    table = _FONTS.get(" ".join((font or "").lower().split()))
    byte = code - 0xF000 if 0xF000 <= code <= 0xF0FF else code
    if table is not None:
        return (table[byte], True) if byte in table else (_REPLACEMENT, False)
    if 0x20 <= code < 0xE000 and chr(code).isprintable():
        return chr(code), True  # a text font's character, written as a symbol
    return _REPLACEMENT, False



def _docx_paragraph_text(p, boxes: list, seen: Collected) -> str:
    """Text of a w:p, including tracked insertions and hyperlinks, without deletions, with its symbol
    characters (w:sym) as Unicode (those without an equivalent are counted in ``seen``). The text boxes
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
            elif tag == f"{_W}sym":
                font, char = child.get(f"{_W}font"), child.get(f"{_W}char")
                text, known = _symbol_text(font, char)
                out.append(text)
                if not known:
                    seen.symbols.append(f"{font or 'no font'} {char or '?'}")
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
            blocks.append(("p", seen.add(_docx_paragraph_text(child, anchored, seen)), style_of(child)))
            for box in anchored:
                seen.box(blocks, lambda box=box: _docx_blocks(box, blocks, style_of, seen))
        elif tag == f"{_W}tbl":
            rows = []
            for tr in _within(child, f"{_W}tr"):
                rows.append([_cell_text(tc, style_of, seen) for tc in _within(tr, f"{_W}tc")])
            blocks.append(("table", rows))
        elif tag == f"{_W}altChunk":  # another document (HTML, RTF, .docx, ...) that Word merges in on opening
            seen.embedded.append(child.get(_R_ID) or "")
        elif tag in _BLOCK_SKIP:
            continue
        else:  # w:sdt, w:sdtContent, w:customXml, w:ins, w:moveTo, mc:AlternateContent, ...
            _docx_blocks(child, blocks, style_of, seen)


def _cell_text(tc, style_of, seen: Collected) -> str:
    """A table cell's paragraphs, one a line; a table nested in it, cell by cell."""
    blocks: list[tuple] = []
    _docx_blocks(tc, blocks, style_of, seen)
    return "\n".join(flatten_blocks(blocks))


_KINDS = {"text/html": "HTML", "application/xhtml+xml": "HTML", "message/rfc822": "a web archive (MHT)",
          "text/plain": "plain text", "application/rtf": "RTF", "text/rtf": "RTF",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "a Word document",
          "application/vnd.ms-word.document.macroEnabled.main+xml": "a Word document"}


def _embedded_part(document, rid: str) -> str:
    """What a w:altChunk brings in, for the notice that it was not imported: its part name and kind."""
    try:
        part = document.part.related_parts[rid]
    except KeyError:
        return "a part the document does not hold"
    kind = _KINDS.get(part.content_type, part.content_type)
    return f"{str(part.partname).lstrip('/')}, {kind}"


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
        seen.embedded = [_embedded_part(document, rid) for rid in seen.embedded]
    except TranscriptError:
        raise
    except TextTooLarge:
        raise too_much_text(path) from None
    except Exception:
        raise TranscriptError(path, "not a valid Word file") from None
    return finish(path, blocks, seen)
