"""The side column of the coding screen: where the cursor is, its codes, memos and suggestions.

The screen hands the panel a :class:`PanelData` (attributes down); the panel
only draws it. Suggestions carry clickable ✓ and ✗ marks that run the
screen's accept and reject actions, so the mouse works as well as the keys.

A likely suggestion's swatch is filled (■), an alternative's hollow (□) as
well as dimmed, so the difference does not rest on colour or on a terminal
that draws faint text; the highlighted one carries ▶.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class CodeLine:
    coding_id: int
    label: str
    path: str
    color: str
    origin: str
    coder: str


@dataclass(frozen=True)
class SuggestionLine:
    label: str
    path: str
    score: float
    reason: str
    color: str
    likely: bool = True


@dataclass(frozen=True)
class PanelData:
    """Everything the panel shows for the current selection."""

    where: str
    quote: str = ""
    codes: list[CodeLine] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)
    suggestions: list[SuggestionLine] = field(default_factory=list)
    highlight: int = 0
    status: str = ""


#: The swatch before a likely suggestion, and before an alternative (dimmed as well; ``a`` leaves it open).
LIKELY_MARK, ALTERNATIVE_MARK = "■", "□"

ORIGIN_WORDS = {"manual": "hand", "suggestion": "suggestie", "import": "import", "consensus": "consensus",
                "search": "zoekopdracht"}


class SegmentPanel(Widget, can_focus=False):
    """Codes, memos and suggestions of the selection (repainted in place, no layout pass)."""

    DEFAULT_CSS = """
    SegmentPanel { padding: 0 1; }
    """

    data: reactive[PanelData | None] = reactive(None, layout=False)
    """What the panel shows; the screen sets it after every key."""

    def show(self, data: PanelData) -> None:
        self.data = data

    def _width(self) -> int:
        return max(20, self.content_region.width or 34)

    def render(self) -> Content:
        data = self.data
        if data is None:
            return Content("")
        head = "bold $text-muted"
        parts = [
            Content.styled(data.where, "$text-muted"),
            Content(""),
            Content.styled("Codes", head),
            self._codes(data),
        ]
        if data.memos:
            parts.append(Content.assemble(*[("✎ " + m + "\n", "italic") for m in data.memos]).rstrip())
        parts += [Content(""), Content.styled("Suggesties", head), self._suggestions(data, self._width())]
        return Content("\n").join(parts)

    @staticmethod
    def _codes(data: PanelData) -> Content:
        if not data.codes:
            return Content.styled("nog geen code", "dim italic")
        lines = []
        for i, code in enumerate(data.codes):
            key = f"{i + 1}" if len(data.codes) > 1 else ""
            lines.append(Content.assemble(
                ("■ ", code.color), (code.label, "bold"),
                (f"  {ORIGIN_WORDS.get(code.origin, code.origin)}{' · ' + code.coder if code.coder else ''}", "dim"),
                (f" {key}" if key else "", "dim"),
            ))
            if code.path:
                lines.append(Content.styled("  " + code.path, "dim"))
        return Content("\n").join(lines)

    @staticmethod
    def _suggestions(data: PanelData, width: int) -> Content:
        lines: list[Content] = []
        if data.status:
            lines.append(Content.styled(data.status, "dim italic"))
        for i, s in enumerate(data.suggestions):
            on = i == data.highlight
            score = f" {round(s.score * 100)}%"
            room = max(6, width - len(score) - 9)
            label = s.label if len(s.label) <= room else s.label[: room - 1] + "…"
            lines.append(Content.assemble(
                ("▶" if on else " ", "bold $accent"), (f"{i + 1} ", "bold $accent"),
                (f"{LIKELY_MARK if s.likely else ALTERNATIVE_MARK} ", s.color),
                (label, ("bold" if on else "") if s.likely else ("bold dim" if on else "dim")), (score, "dim"), " ",
                ("✓", f"@click=screen.accept_suggestion({i})"), " ",
                ("✗", f"@click=screen.reject_suggestion({i})"),
            ))
            detail = s.reason if not on or not s.path else f"{s.path}: {s.reason}"
            if detail:
                limit = width - 4 if not on else 3 * (width - 4)
                if len(detail) > limit:
                    detail = detail[: limit - 1] + "…"
                lines.append(Content.styled("    " + detail, "dim italic"))
        if not lines:
            lines.append(Content.styled("geen suggesties", "dim italic"))
        return Content("\n").join(lines)
