"""Choosing: a code by fuzzy search, or one item of a short list."""

from __future__ import annotations

from typing import Any, Generic, Mapping, Sequence, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from codering.codebook import Codebook
from codering.coding.search import PICK_KEYS, CodeIndex, Match, fold
from codering.tui.dialogs.base import Dialog

T = TypeVar("T")

#: What a :class:`CodePicker` opened with ``top`` returns for its entry "the top level" (as the command line's
#: ``codebook move CODE -``; never a code id, which starts with a letter, digit or underscore).
TOP_LEVEL = "-"

#: Words that find the top-level entry besides its own text.
_TOP_WORDS = ("top", "-", "geen", "bovencode")


def _top_prompt(text: str, number: int | None) -> Content:
    head = Content.assemble((f"{number} " if number else "  ", "bold"), ("⤒ ", "bold"), (text, "bold"))
    return Content("\n").join([head, Content.styled("  de code komt zonder bovencode in het codeboek", "dim italic")])


def _top_matches(text: str, query: str) -> bool:
    """Does every word of ``query`` start a word of the top-level entry (its text or ``_TOP_WORDS``)?"""
    words = fold(f"{text} {' '.join(_TOP_WORDS)}").split()
    return all(any(w.startswith(q) for w in words) for q in fold(query).split())


def _code_prompt(codebook: Codebook, match: Match, color: str, number: int | None = None,
                 guess: float | None = None) -> Content:
    code = codebook.codes[match.code_id]
    label = Content(code.label)
    for pos in match.label_positions:
        label = label.stylize("bold underline", pos, pos + 1)
    parents = " › ".join(c.label for c in reversed(codebook.ancestors(code.id)))
    same = codebook.distinct_label(code.id)
    if same != code.label:  # another code has this label: say which one this is on the first line too
        label = Content.assemble(label, (same[len(code.label):], "dim"))
    head = Content.assemble((f"{number} " if number else "  ", "bold"), ("■ ", color), label)
    if guess is not None:
        # one of the engine's next guesses: one line each (label, how likely, where in the codebook), so
        # the nine numbered ones fit on the screen together
        return Content.assemble(head, (f"  {guess:.0%}", "bold"), ("  " + parents, "dim"))
    first = Content.assemble(head, ("  " + code.id, "dim"))
    lines = [first]
    if parents:
        lines.append(Content.assemble(("  " + parents, "dim")))
    if code.description:
        text = " ".join(code.description.split())
        lines.append(Content.assemble(("  " + (text[:140] + "…" if len(text) > 140 else text), "dim italic")))
    return Content("\n").join(lines)


class QueryInput(Input):
    """The picker's query: it leaves the digits 1-9 to the picker, which applies the numbered entries."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        if character is not None and character in _DIGITS:
            return False
        return super().check_consume_key(key, character)


_DIGITS = frozenset(str(n) for n in range(1, PICK_KEYS + 1))


class CodePicker(Dialog[str | None]):
    """Type to find a code (labels, ids, descriptions; accents ignored); Enter applies the highlighted
    one, a digit the numbered one. Opened on a sentence with an empty query, the list starts with the
    engine's next guesses (see :mod:`codering.coding.search`). With ``top`` (its text), the list starts
    with an entry for the top level of the codebook (no code above it), while the query fits it; choosing
    it returns ``TOP_LEVEL``."""

    BINDINGS = [
        # digits choose, even while the query has the focus (code labels are found by their words)
        *(Binding(str(n), f"choose({n - 1})", show=False, priority=True, id=f"picker.choose{n}")
          for n in range(1, PICK_KEYS + 1)),
        Binding("escape", "cancel", "Annuleren", id="picker.cancel"),
        Binding("down", "move(1)", "Volgende", show=False, id="picker.down"),
        Binding("up", "move(-1)", "Vorige", show=False, id="picker.up"),
        Binding("pagedown", "move(8)", show=False, id="picker.pagedown"),
        Binding("pageup", "move(-8)", show=False, id="picker.pageup"),
    ]

    def __init__(self, codebook: Codebook, colors: dict[str, str], title: str = "Code toepassen",
                 query: str = "", recent: Sequence[str] = (), scores: Mapping[str, float] | None = None,
                 codable_only: bool = True, top: str | None = None) -> None:
        super().__init__()
        self.top = top
        self.codebook = codebook
        self.recent = list(recent)  # the coder's recent codes, newest first: ranked first
        self.scores = dict(scores or {})  # the engine's probability of each code for the sentence: ranked before
        self.palette = colors
        self.title_text = title
        self.initial = query
        self.index = CodeIndex(codebook, codable_only=codable_only)  # folders too: where a code may go

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box picker-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield QueryInput(value=self.initial, placeholder="typ een deel van een label, id of omschrijving…",
                        id="query")
            yield OptionList(id="codes")
            yield Label(f"1-{PICK_KEYS} of ↑↓ en Enter: toepassen · Esc annuleren", classes="dialog-hint")

    def on_mount(self) -> None:
        self._fill(self.initial)
        self.query_one("#query", Input).focus()

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one("#codes", OptionList)
        matches = self.index.search(query, limit=60, recent=self.recent, scores=self.scores)
        entries: list[Option] = []
        if self.top is not None and _top_matches(self.top, query):
            entries.append(Option(_top_prompt(self.top, 1), id=TOP_LEVEL))
        entries += [Option(_code_prompt(self.codebook, m, self.palette.get(m.code_id, "#888888"),
                                        n + 1 if n < PICK_KEYS else None, m.guess), id=m.code_id)
                    for n, m in enumerate(matches, start=len(entries))]
        options.set_options(entries)
        if entries:
            options.highlighted = 0

    @on(Input.Submitted, "#query")
    def _submitted(self) -> None:
        option = self.query_one("#codes", OptionList).highlighted_option
        if option is not None:
            self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#codes")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, position: int) -> None:
        """Apply the entry with this number (counted from 0); nothing if the list is shorter."""
        options = self.query_one("#codes", OptionList)
        if position < options.option_count:
            self.dismiss(options.get_option_at_index(position).id)

    def action_move(self, step: int) -> None:
        options = self.query_one("#codes", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + step))


class ChoiceDialog(Dialog[Any], Generic[T]):
    """Pick one of a few items (e.g. which coding to remove)."""

    BINDINGS = [Binding("escape", "cancel", "Annuleren", id="choice.cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[T, str | Content]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box choice-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(prompt, id=str(i)) for i, (_, prompt) in enumerate(self.choices)),
                             id="choices")
            yield Label("Enter kiezen · Esc annuleren", classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)][0])
