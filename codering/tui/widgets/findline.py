"""The find line: one line to type a text search in, under the transcript; Enter searches, Esc closes."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

#: What the empty find line says.
PLACEHOLDER = 'zoek in de tekst: woord, woord*, "woordgroep" (alle woorden in één zin) · Enter zoekt · Esc sluit'


class FindLine(Input):
    """An ``Input`` that posts :class:`FindLine.Closed` on Escape (the screen hides it and clears the
    highlights); Enter posts ``Input.Submitted`` as any input does. Hidden, it takes no focus (the coding
    screen's keys would be typed into it): :meth:`open` and :meth:`close`."""

    BINDINGS = [Binding("escape", "close", "Sluiten", id="find.close")]

    class Closed(Message):
        """The coder closed the find line with Escape."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, id=id)
        self.display = False
        self.can_focus = False

    def open(self, value: str | None = None) -> None:
        """Show the line (with ``value``, when given) and type in it."""
        if value is not None:
            self.value = value
        self.display = True
        self.can_focus = True
        self.focus()

    def close(self) -> None:
        """Hide the line; it lets go of the focus."""
        self.display = False
        self.can_focus = False
        if self.has_focus:
            self.screen.set_focus(None)

    def action_close(self) -> None:
        self.post_message(self.Closed())
