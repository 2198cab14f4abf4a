"""How counts and texts are said in messages: ``count(1, "transcript")`` is "1 transcript", not "1 transcripts";
``short`` puts a text on one line of a given width; ``readable`` says an undone or redone action in Dutch.

The store journals every action with a short English description (the command
line prints it as it is): ``code ctx.markt on int01 1062-1411``, ``add code
stim.praktisch.x``, and after an undo that left rows alone, a note such as
``(nothing changed: coding 17 was changed since by bert (edit memo 3))``.
:func:`readable` says all of it as the coder reads it in the terminal UI,
with code labels instead of ids and no offsets: ``code Markt``, ``code X
toegevoegd (niets veranderd: codering 17 is sindsdien veranderd door bert
(memo bewerkt))``. Every screen with an undo key says it through here.
"""

from __future__ import annotations

import re
from typing import Callable

__all__ = ["count", "readable", "short"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, in the plural (``noun + "s"`` unless given) for every number but 1."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def short(text: str, width: int = 50) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_HEADS = [
    (re.compile(r"code (?P<n>\d+) search hits? of (?P<query>.+) with (?P<code>\S+)"),
     "{n} treffer(s) van {query} gecodeerd met {code}"),
    (re.compile(r"code (?P<codes>\S+(?:, \S+)*) on .+? \d+-\d+"), "code {codes}"),
    (re.compile(r"accept suggestion (?P<code>\S+)"), "✓ {code}"),
    (re.compile(r"reject suggestion (?P<code>\S+)"), "✗ {code}"),
    (re.compile(r"accept 1 suggestions"), "✓ 1 suggestie"),
    (re.compile(r"reject 1 suggestions"), "✗ 1 suggestie"),
    (re.compile(r"accept (?P<n>\d+) suggestions"), "✓ {n} suggesties"),
    (re.compile(r"reject (?P<n>\d+) suggestions"), "✗ {n} suggesties"),
    (re.compile(r"recode (?P<code>\S+) -> (?P<new>\S+)"), "hercodeerd: {code} → {new}"),
    (re.compile(r"add segment memo"), "memo"),
    (re.compile(r"add project memo"), "projectmemo"),
    (re.compile(r"add code memo"), "codememo"),
    (re.compile(r"add transcript memo"), "transcriptmemo"),
    (re.compile(r"edit memo \d+"), "memo bewerkt"),
    (re.compile(r"remove memo \d+"), "memo weg"),
    (re.compile(r"remove coding \d+"), "codering weg"),
    (re.compile(r"remove (?P<n>\d+) codings? from .+? \d+-\d+"), "{n} codering(en) weg"),
    (re.compile(r"resolve unit \S+ as (?P<who>\S+)"), "meningsverschil beslecht ({who})"),
    (re.compile(r"add code (?P<code>\S+)"), "code {code} toegevoegd"),
    (re.compile(r"edit code (?P<code>\S+)"), "code {code} bewerkt"),
    (re.compile(r"merge code (?P<code>\S+) into (?P<new>\S+)"), "code {code} samengevoegd in {new}"),
    (re.compile(r"move code (?P<code>\S+)(?: under \S+)?"), "code {code} verplaatst"),
    (re.compile(r"remove code (?P<code>\S+)(?: with .+)?"), "code {code} verwijderd"),
    (re.compile(r"import codebook (?P<name>.+)"), "codeboek geïmporteerd: {name}"),
    (re.compile(r"import training (?:codings|segments) from (?P<name>.+)"), "trainingsdata geïmporteerd: {name}"),
    (re.compile(r"import (?P<n>\d+) codings?"), "{n} codering(en) geïmporteerd"),
    (re.compile(r"import (?P<name>.+)"), "geïmporteerd: {name}"),
    (re.compile(r"merge (?P<name>.+)"), "samengevoegd: {name}"),
    (re.compile(r"remove (?P<label>.+)"), "− {label}"),
]

#: The notes an undo or redo adds when rows were changed since (see ``codering.store.journal``).
_NOTES = {" (nothing changed: ": " (niets veranderd: ", " (left as it is: ": " (blijft zoals het is: "}
_NOUNS = {"coding": "codering", "decision": "beslissing", "memo": "memo", "code": "code"}
_WHY = {
    "cannot be taken out: what was made since uses it": "kan niet weg: wat sindsdien gemaakt is, gebruikt het",
    "cannot be put back: what it belongs to is gone": "kan niet terug: waar het bij hoort, is weg",
}
_CHANGED = re.compile(r"(?P<noun>\w+) (?P<key>\S+) was changed since(?: by (?P<who>.+?) \((?P<action>.*)\))?")
_LEFT = re.compile(r"(?P<noun>\w+) (?P<key>\S+) (?P<why>cannot .*)")
#: Several rows left alone for the same reason, said once ("8 codings (2-9) were changed since by ...").
_NOUNS_MANY = {"coding": "coderingen", "decision": "beslissingen", "memo": "memo's", "code": "codes"}
_WHY_MANY = {
    "cannot be taken out: what was made since uses them": "kunnen niet weg: wat sindsdien gemaakt is, gebruikt ze",
    "cannot be put back: what they belong to is gone": "kunnen niet terug: waar ze bij horen, is weg",
}
_CHANGED_MANY = re.compile(r"(?P<n>\d+) (?P<noun>\w+)s \((?P<keys>[^)]*)\) were changed since"
                           r"(?: by (?P<who>.+?) \((?P<action>.*)\))?")
_LEFT_MANY = re.compile(r"(?P<n>\d+) (?P<noun>\w+)s \((?P<keys>[^)]*)\) (?P<why>cannot .*)")


def readable(done: str, label: Callable[[str], str] = str) -> str:
    """``done`` (an action's description as undo or redo returned it) in Dutch; ``label`` gives a code
    id's label. A description this module does not know is returned as it is."""
    head, notes = done, ""
    for english, dutch in _NOTES.items():
        at = done.find(english)
        if at >= 0 and done.endswith(")"):
            head = done[:at]
            notes = dutch + "; ".join(_note(n, label) for n in done[at + len(english):-1].split("; ")) + ")"
            break
    return _head(head, label) + notes


def _head(done: str, label: Callable[[str], str]) -> str:
    for pattern, said in _HEADS:
        found = pattern.fullmatch(done)
        if found is not None:
            parts = found.groupdict()
            for key in ("code", "new"):
                if key in parts:
                    parts[key] = label(parts[key])
            if "codes" in parts:
                parts["codes"] = ", ".join(label(c) for c in parts["codes"].split(", "))
            return said.format(**parts)
    return done


def _note(note: str, label: Callable[[str], str]) -> str:
    """One row an undo or redo left alone: 'codering 17 is sindsdien veranderd door bert (memo bewerkt)'."""
    many = _CHANGED_MANY.fullmatch(note) or _LEFT_MANY.fullmatch(note)
    if many is not None and many["noun"] in _NOUNS_MANY:
        return _note_many(many, label)
    found = _CHANGED.fullmatch(note) or _LEFT.fullmatch(note)
    if found is None or found["noun"] not in _NOUNS:
        return note
    key = label(found["key"]) if found["noun"] == "code" else found["key"]
    what = f"{_NOUNS[found['noun']]} {key}"
    if "why" in found.groupdict():
        return f"{what} {_WHY.get(found['why'], found['why'])}"
    if found["who"] is None:
        return f"{what} is sindsdien veranderd"
    return f"{what} is sindsdien veranderd door {found['who']} ({_head(found['action'], label)})"


def _note_many(found: "re.Match[str]", label: Callable[[str], str]) -> str:
    """Rows left alone for one reason: '8 coderingen (2-9) zijn sindsdien veranderd door bert (...)'."""
    keys = found["keys"]
    if found["noun"] == "code":
        keys = ", ".join(label(k) for k in keys.split(", "))
    what = f"{found['n']} {_NOUNS_MANY[found['noun']]} ({keys})"
    if "why" in found.groupdict():
        return f"{what} {_WHY_MANY.get(found['why'], found['why'])}"
    if found["who"] is None:
        return f"{what} zijn sindsdien veranderd"
    return f"{what} zijn sindsdien veranderd door {found['who']} ({_head(found['action'], label)})"

