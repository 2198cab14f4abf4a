"""A one-line (or fixed-size) text widget that repaints without a layout pass.

``Static.update`` asks for a new layout of the whole screen, which costs a
full repaint; for text that changes on every key (the status line, the case
line, the side panel) that is the difference between 5 and 50 ms a key. A
``TextLine`` has a size fixed by CSS and only repaints itself.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


class TextLine(Widget):
    """Text of a size fixed by CSS (one line unless told otherwise), repainted in place."""

    DEFAULT_CSS = """
    TextLine { height: 1; width: 1fr; }
    """

    text: reactive[str | Content] = reactive("", layout=False)
    """What is shown; set it to change the text (no layout pass)."""

    def __init__(self, text: str | Content = "", *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.set_reactive(TextLine.text, text)

    def render(self) -> Content:
        text = self.text
        return text if isinstance(text, Content) else Content(text)
