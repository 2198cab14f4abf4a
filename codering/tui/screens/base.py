"""What the screens over a project share: the table screen's life cycle and a few display helpers.

A :class:`ProjectScreen` focuses its main widget and fills itself when
mounted, fills itself again when one of its reactive settings changes
(``reload_if_mounted`` in a watcher), and has the common actions: undo with a
status line message, help, back. Screens import these helpers from here, never
from each other.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence, TypeVar

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable

from codering.tui.messages import GuardActions, reads_only
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.store import Project, TranscriptInfo

PREFERRED_ATTRIBUTES = ("locatie", "actorgroep")
HIDDEN_ATTRIBUTES = {"interview_id", "datum", "interviewer"}


ResultT = TypeVar("ResultT")


class AppScreen(GuardActions, Screen[ResultT]):
    """Every full screen: actions guarded (errors become dialogs), ``?`` shows its keys, Escape goes back."""

    @reads_only
    def action_help(self) -> None:
        from codering.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen.for_screen(self))

    def action_back(self) -> None:
        self.dismiss(None)


class ProjectScreen(AppScreen[None]):
    """A screen over ``self.project`` that shows it in ``reload()``; ``FOCUS`` gets the focus on mount."""

    FOCUS = ""
    project: "Project | None"

    def on_mount(self) -> None:
        if self.FOCUS:
            self.query_one(self.FOCUS).focus()
        with while_server_there(self):
            self.reload()

    def reload(self) -> None:
        raise NotImplementedError

    def reload_if_mounted(self) -> None:
        if not self.is_mounted:
            return
        try:
            with while_server_there(self):
                self.reload()
        except NoMatches:
            # a refresh (live view, a watcher) can land while the screen is taken down and its widgets are
            # gone; a wrong selector still fails where it matters, in on_mount's own reload
            return

    def say(self, message: str) -> None:
        self.query_one(StatusLine).message = message

    def action_undo(self) -> None:
        self.say(undo_message(self.project, self.project.undo()))
        self.reload()


@contextmanager
def while_server_there(screen: Screen) -> Iterator[None]:
    """Around a screen's reads that are not an action (shown again after another screen or a dialog,
    mounted): when the server has gone, the status line says so instead of the app ending with a
    traceback; the live check fills the screen again once the connection is back."""
    from codering.errors import ConnectionLostError

    try:
        yield
    except ConnectionLostError:
        gone = getattr(screen.app, "server_gone", None)
        if gone is not None:
            gone()


#: What the status line adds to a message about something ``u`` takes back.
UNDO_HINT = "   (u: ongedaan maken)"


def undo_verb(done: str, redo: bool = False) -> str:
    """How the status line says an undo (or redo) of ``done``: "niet ongedaan gemaakt" when the journal
    says nothing of it changed (every row was changed by someone since)."""
    from codering.store import changed_nothing

    nothing = changed_nothing(done)
    if redo:
        return "niet opnieuw gedaan" if nothing else "opnieuw gedaan"
    return "niet ongedaan gemaakt" if nothing else "ongedaan gemaakt"


def undo_message(project: "Project", done: str | None) -> str:
    """What the status line says after ``project.undo()`` returned ``done``: in Dutch, with code labels."""
    if not done:
        return "niets om ongedaan te maken"
    from codering.wording import readable

    book = project.codebook()
    return f"{undo_verb(done)}: {readable(done, lambda c: book.distinct_label(c) if c in book else c)}"


@contextmanager
def keeping_cursor(table: DataTable) -> Iterator[DataTable]:
    """Refill ``table`` inside the block; the cursor stays on the same row number (or the last row)."""
    keep = table.cursor_row
    yield table
    if table.row_count:
        table.move_cursor(row=min(keep, table.row_count - 1))


ItemT = TypeVar("ItemT")


def under_cursor(table: DataTable, items: "Sequence[ItemT]") -> "ItemT | None":
    """The item of the row the table's cursor is on (row i shows ``items[i]``); None on an empty table."""
    if not table.row_count or not 0 <= table.cursor_row < len(items):
        return None
    return items[table.cursor_row]


def flat(text: str) -> str:
    return " ".join(text.split())


def show_path(path: Path) -> str:
    """A path as short as it can be said: relative to here, or from ~, or absolute (a server project: its
    address)."""
    if getattr(path, "is_server", False):
        return str(path)
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    home = Path(os.path.expanduser("~")).resolve()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def attribute_columns(infos: list["TranscriptInfo"], limit: int = 2) -> list[str]:
    keys: list[str] = []
    for info in infos:
        for key in info.attributes:
            if key not in keys and key not in HIDDEN_ATTRIBUTES:
                keys.append(key)
    preferred = [k for k in PREFERRED_ATTRIBUTES if k in keys]
    return (preferred + [k for k in keys if k not in preferred])[:limit]

