"""Dialogs that ask for text: a memo, a path, a code's fields, part of a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, Static, TextArea

from codering.codebook import Code, id_problem
from codering.coding.search import fold
from codering.tui.dialogs.base import Dialog, SaveCancelDialog, save_cancel_bindings


class MemoDialog(SaveCancelDialog[str | None]):
    """Write a memo (``about``: the words or the place it is on), or edit one (``text``: its text); Ctrl+S saves."""

    BINDINGS = save_cancel_bindings("memo")
    WHAT = "de memo"

    def __init__(self, about: str, text: str = "", title: str = "Memo") -> None:
        super().__init__()
        self.about = about
        self.text = text
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box memo-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.about, classes="dialog-quote", markup=False)
            yield TextArea(self.text, id="memo", soft_wrap=True, show_line_numbers=False)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#memo", TextArea).focus()

    def unsaved(self) -> bool:
        return self.query_one("#memo", TextArea).text.strip() != self.text.strip()

    def action_save(self) -> None:
        text = self.query_one("#memo", TextArea).text.strip()
        self.dismiss(text or None)


class TextDialog(Dialog[str | None]):
    """Ask for one line of text (a path, a name); Enter confirms."""

    BINDINGS = [Binding("escape", "cancel", "Annuleren", id="text.cancel")]

    def __init__(self, title: str, prompt: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box text-box"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.prompt, classes="dialog-message", markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="value")
            yield Label("Enter bevestigen · Esc annuleren", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#value", Input).focus()

    @on(Input.Submitted, "#value")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


@dataclass(frozen=True)
class CodeFields:
    """What the code form returns: the edited (or new) code."""

    code: Code
    is_new: bool


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")[:40] or "code"


class CodeForm(SaveCancelDialog[CodeFields | None]):
    """Edit a code's label, description and examples, or make a new child code."""

    BINDINGS = save_cancel_bindings("code")
    WHAT = "de code"

    def __init__(self, code: Code | None = None, parent: Code | None = None, taken: set[str] | None = None,
                 sibling_labels: set[str] | None = None) -> None:
        super().__init__()
        self.code = code
        self.parent_code = parent
        self.taken = taken or set()
        self.sibling_labels = sibling_labels or set()  # case-folded labels of the other codes under the parent

    @property
    def is_new(self) -> bool:
        return self.code is None

    def compose(self) -> ComposeResult:
        code = self.code
        title = f"Nieuwe code onder '{self.parent_code.label}'" if self.is_new and self.parent_code else (
            "Nieuwe code" if self.is_new else f"Code bewerken: {code.id}")  # type: ignore[union-attr]
        with Vertical(classes="dialog-box form-box"):
            yield Label(title, classes="dialog-title")
            with VerticalScroll(classes="form-fields"):
                yield Label("Label")
                yield Input(value=code.label if code else "", id="label")
                if self.is_new:
                    yield Label("Id (leeg: afgeleid van het label)")
                    yield Input(placeholder=f"{self.parent_code.id}.…" if self.parent_code else "", id="code-id")
                yield Label("Omschrijving")
                yield TextArea(code.description if code else "", id="description", soft_wrap=True)
                yield Label("Voorbeelden (één per regel)")
                yield TextArea("\n".join(code.examples) if code else "", id="examples", soft_wrap=True)
            yield from self.buttons()

    def on_mount(self) -> None:
        self.query_one("#label", Input).focus()
        self._opened = self._fields()

    def _fields(self) -> tuple[str, ...]:
        """What the fields hold now (the id field only for a new code)."""
        ids = tuple(w.value for w in self.query("#code-id").results(Input))
        return (self.query_one("#label", Input).value, self.query_one("#description", TextArea).text,
                self.query_one("#examples", TextArea).text, *ids)

    def unsaved(self) -> bool:
        return self._fields() != getattr(self, "_opened", self._fields())

    def action_save(self) -> None:
        label = self.query_one("#label", Input).value.strip()
        description = " ".join(self.query_one("#description", TextArea).text.split())
        examples = tuple(line.strip() for line in self.query_one("#examples", TextArea).text.splitlines()
                         if line.strip())
        if not label:
            self.tell("Een code heeft een label nodig.")
            return
        if label.casefold() in self.sibling_labels:
            self.tell(f"Er is al een code '{label}' op deze plaats; kies een ander label.")
            return
        if self.code is not None:
            self.dismiss(CodeFields(self.code.with_changes(label=label, description=description,
                                                           examples=examples), False))
            return
        raw = self.query_one("#code-id", Input).value.strip()
        prefix = f"{self.parent_code.id}." if self.parent_code else ""
        code_id = raw if raw else prefix + slug(label)
        if raw and prefix and not raw.startswith(prefix) and "." not in raw:
            code_id = prefix + raw
        if raw and prefix and not code_id.startswith(prefix):  # rem.inhoud.x under stim.praktisch: misleading
            self.tell(f"Een id onder '{self.parent_code.label}' begint met '{prefix}' (of laat het leeg).")
            return
        if not raw:  # made from the label: the first free one (labels without Latin letters all give 'code')
            base, n = code_id, 1
            while code_id in self.taken:
                n += 1
                code_id = f"{base}_{n}"
        if id_problem(code_id):
            self.tell(f"'{code_id}' is geen geldig id (delen van letters, cijfers, _ en -, gescheiden door één punt).")
            return
        if code_id in self.taken:
            self.tell(f"Er is al een code met id '{code_id}'.")
            return
        parent = self.parent_code.id if self.parent_code else None
        self.dismiss(CodeFields(Code(id=code_id, label=label, parent=parent, description=description,
                                     examples=examples), True))


class NarrowDialog(Dialog[tuple[int, int] | None]):
    """Select part of the selection (mouse, or Shift+arrows); Enter narrows to it."""

    BINDINGS = [
        Binding("enter", "confirm", "Deel kiezen", id="narrow.confirm", priority=True),
        Binding("escape", "cancel", "Annuleren", id="narrow.cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box narrow-box"):
            yield Label("Deel van de selectie kiezen", classes="dialog-title")
            yield TextArea(self.text, id="narrow", read_only=True, soft_wrap=True, show_cursor=True)
            yield Label("Selecteer met de muis of Shift+pijltjes · Enter kiezen · Esc annuleren",
                        classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one("#narrow", TextArea)
        area.focus()

    def action_confirm(self) -> None:
        area = self.query_one("#narrow", TextArea)
        start, end = sorted((area.selection.start, area.selection.end))
        a = area.document.get_index_from_location(start)
        b = area.document.get_index_from_location(end)
        self.dismiss((a, b) if b > a else None)
