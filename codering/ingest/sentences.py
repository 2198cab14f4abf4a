"""Dutch sentence boundaries inside a speaker turn.

spaCy (``spacy.blank("nl")`` + sentencizer, imported lazily and cached) gives
candidate boundaries; the rules here keep Dutch abbreviations (bvb., o.a.,
m.b.t., dhr., ...), initials, quotes and annotations such as ``(lacht)`` from
splitting a sentence. Pure string code: offsets are into the turn body.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable, Iterator

MAX_TEXT = 200 * 1024 * 1024  # spaCy's max_length: bodies are never longer than a file

# -- sentence segmentation -------------------------------------------------------------------

ABBREVIATIONS = frozenset("""
    bvb. bv. bijv. b.v. o.a. m.b.t. nl. resp. dhr. mevr. mw. mr. dr. prof. ir. ing. drs. enz. etc. i.p.v.
    o.m. d.w.z. ca. evt. z.g.a.n. t.o.v. a.d.h.v. m.a.w. i.v.m. m.i. m.n. n.a.v. o.b.v. t.a.v. t.e.m.
    a.s. e.d. e.a. incl. excl. gem. ong. vnl. zgn. z.g. jl. nr. blz. pag. art. hfst. vb. vgl. cf. st.
    mgr. em. sr. jr. feb. mrt. apr. aug. sept. sep. okt. nov. dec. i.s.m. t.g.v. v.d. i.h.b. i.c.m.
    a.u.b. s.v.p. z.s.m. e.v. o.i.d. c.q. m.u.v. i.t.t. i.e. e.g. vs. bijv. mv. ev. tel. max. min.
    p. pp. vnl. ws. wss. mvg. gr. kl. afd. adj. gesch. ong. verz. dgl. m.h.o.o. p.m. a.m. v.s. vzw.
    o.l.v. i.o.m. m.b.v. v.w.b. t.b.v. ivm. mbt. ipv. oa. dwz. burg. sch. lic. hr. fam. kan. e.h.
    z.e.h. br. zr. mgr. dir. coörd. coord. verpl. kin. tss. tgo. vlg. zie. pt. bijv.
""".split()) - {"zie."}
_COMPANY_FORMS = frozenset("vzw. v.z.w. ivzw. bvba. b.v.b.a. cvba. nv. n.v. vof. esv. srl.".split())
ABBREVIATIONS = ABBREVIATIONS | _COMPANY_FORMS
# these may end a sentence: a capital after them starts a new one
_SENTENCE_FINAL_ABBR = frozenset("enz. etc. e.d. e.a. e.v. o.i.d. a.m. p.m. vs.".split()) | _COMPANY_FORMS
_CASE_SENSITIVE_ABBR = frozenset("max. min. p. art. kin. dir. br.".split())  # "Max." and "St." are names too
_OPENING = "([{„“‘«"
_CLOSING = ")]}”’»\"'"
_ANNOTATION = re.compile(r"(?:[(\[][^()\[\]\n]{1,60}[)\]][\s.,;:!?…]*)+")
_ELLIPSIS_CAPITAL = re.compile(r"(?:\.{3,}|…)[\"'”’»)\]]*\s+(?=[\"'„“‘«(\[]*[^\W\d_])")
# a word ending in one period, then a capital: a sentence boundary unless it is a known abbreviation
# (the tokenizer keeps thousands of abbreviations, "Belg." among them, in one token, hiding the period)
_PERIOD_CAPITAL = re.compile(r"(?<=[^\s.])\.[\"'”’»)\]]*\s+(?=[\"'„“‘«(\[]*[^\W\d_])")

_NLP = None


def _get_nlp():
    global _NLP
    if _NLP is None:
        import spacy
        from spacy.symbols import ORTH

        nlp = spacy.blank("nl")
        nlp.add_pipe("sentencizer")
        nlp.max_length = MAX_TEXT
        for abbr in ABBREVIATIONS - _SENTENCE_FINAL_ABBR:
            variants = {abbr} if abbr in _CASE_SENSITIVE_ABBR else {abbr, abbr.capitalize(), abbr.upper()}
            for variant in variants:
                nlp.tokenizer.add_special_case(variant, [{ORTH: variant}])
        _NLP = nlp
    return _NLP


def _quote_spans(body: str) -> list[tuple[int, int]]:
    """(open, close) offsets of balanced double quotes, at most 400 characters long."""
    spans, stack, straight = [], [], None
    for i, ch in enumerate(body):
        if ch == '"':
            if straight is None:
                straight = i
            else:
                spans.append((straight, i))
                straight = None
        elif ch in "„“«" and not (ch == "“" and stack and body[stack[-1]] == "„"):
            stack.append(i)
        elif ch in "”»“" and stack:
            spans.append((stack.pop(), i))
    return sorted((a, b) for a, b in spans if b - a <= 400)


def _inside_quotes(spans: list[tuple[int, int]], starts: list[int], b: int) -> bool:
    i = bisect.bisect_left(starts, b)
    return any(a < b <= c for a, c in spans[max(0, i - 8):i])


def _is_opening(body: str, i: int) -> bool:
    ch = body[i]
    if ch in _OPENING:
        return True
    if ch in "-–—":  # a dash standing alone before a sentence ("- Goed.") opens it
        return (i == 0 or body[i - 1].isspace()) and i + 1 < len(body) and body[i + 1].isspace()
    if ch in "\"'":
        return (i == 0 or body[i - 1].isspace() or body[i - 1] in _OPENING) and i + 1 < len(body) \
            and not body[i + 1].isspace()
    return False


def _keep_boundary(body: str, b: int, quotes, quote_starts) -> bool:
    """Whether a sentence may start at ``b`` (after sentencizer candidates are adjusted)."""
    before = body[max(0, b - 120):b].rstrip()  # windows: never copy the whole body per boundary
    if not before:
        return False
    chunk = before.split()[-1].lstrip(_OPENING + "\"'").rstrip(_CLOSING)
    rest = body[b:b + 120].lstrip()
    lead = _ANNOTATION.match(rest)  # look past "(lacht)" to the sentence after it
    if lead:
        rest = rest[lead.end():]
    rest = rest.lstrip(_OPENING + "\"'")
    nxt = rest[:1]
    if _inside_quotes(quotes, quote_starts, b):
        return False
    low = chunk.lower()
    if chunk in ABBREVIATIONS or (low in ABBREVIATIONS and low not in _CASE_SENSITIVE_ABBR):
        return low in _SENTENCE_FINAL_ABBR and nxt.isupper()
    if re.fullmatch(r"(?:[A-Z]\.){1,3}", chunk) and nxt.isupper():
        return False  # initials: "J. Peeters"
    if re.fullmatch(r"\([?!]+\)", before.split()[-1]):
        return False  # "10 euro (!) per maand"
    if nxt.islower() and not re.search(r"[?!][\"'”’»)]*$", before):
        # a lowercase word after what looks like an abbreviation ("vzw. is", "a.s.o. en") or an
        # ellipsis continues the sentence; after an ordinary word ("ja. nee.") it does not
        word = chunk.rstrip(".…")
        if chunk.endswith(("..", "…")) or "." in word or not re.search(r"[aeiouyàáâäéèêëíìîïóòôöúùûü]", word.lower()):
            return False
    return True


def _sentence_bounds(body: str, doc_starts: list[int]) -> list[tuple[int, int]]:
    """Split one turn body into (start, end) pieces that cover it completely."""
    candidates = set(doc_starts)
    for pattern in (_ELLIPSIS_CAPITAL, _PERIOD_CAPITAL):
        for m in pattern.finditer(body):
            after = body[m.end():m.end() + 12].lstrip(_OPENING + "\"'")[:1]
            if after.isupper():
                candidates.add(m.end())
    quotes = _quote_spans(body) if ('"' in body or "„" in body or "“" in body or "«" in body) else []
    quote_starts = [a for a, _ in quotes]
    bounds: list[int] = []
    for b in sorted(candidates):
        if b <= 0 or b >= len(body):
            continue
        # opening brackets and quotes belong to the sentence they open
        while True:
            j = b - 1
            while j >= 0 and body[j].isspace():
                j -= 1
            if j >= 0 and _is_opening(body, j) and (not bounds or j > bounds[-1]):
                b = j
            else:
                break
        if bounds and b <= bounds[-1]:
            continue
        if _keep_boundary(body, b, quotes, quote_starts):
            bounds.append(b)
    edges = [0, *bounds, len(body)]
    pieces = [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]
    # annotations such as "(lacht)" and punctuation-only pieces join the sentence before them
    merged: list[list[int]] = []
    for a, e in pieces:
        text = body[a:e].strip()
        lead = _ANNOTATION.match(text)
        if merged and lead and lead.end() < len(text):
            # "(lacht) En toen ..." -> the annotation goes to the previous sentence
            cut = a + (len(body[a:e]) - len(body[a:e].lstrip())) + lead.end()
            merged[-1][1] = cut
            a = cut
            text = body[a:e].strip()
        if merged and (_ANNOTATION.fullmatch(text) or not any(ch.isalnum() for ch in text)):
            merged[-1][1] = e
        elif merged and not any(ch.isalnum() for ch in body[merged[-1][0]:merged[-1][1]]):
            merged[-1][1] = e  # a leading annotation or dash joins the sentence after it
        else:
            merged.append([a, e])
    if len(merged) > 1 and _ANNOTATION.fullmatch(body[merged[0][0]:merged[0][1]].strip()):
        merged[1][0] = merged[0][0]
        del merged[0]
    return [(a, e) for a, e in merged]




def sentence_bounds(bodies: Iterable[str]) -> Iterator[list[tuple[int, int]]]:
    """For each turn body, the (start, end) offsets of its sentences (not yet stripped)."""
    nlp = _get_nlp()
    bodies = list(bodies)
    for body, doc in zip(bodies, nlp.pipe(bodies, batch_size=64)):
        starts = [sent.start_char for sent in doc.sents][1:]
        yield _sentence_bounds(body, starts)
