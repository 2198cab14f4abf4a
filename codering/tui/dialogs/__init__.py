"""Modal dialogs: each is a ``ModalScreen[T]`` that returns its answer with ``dismiss(value)``."""

from codering.tui.dialogs.errors import ErrorDialog, NoticeDialog, describe
from codering.tui.dialogs.forms import CodeForm, MemoDialog, NarrowDialog, TextDialog
from codering.tui.dialogs.picker import ChoiceDialog, CodePicker

__all__ = ["ChoiceDialog", "CodeForm", "CodePicker", "ErrorDialog", "MemoDialog", "NarrowDialog", "NoticeDialog",
           "TextDialog", "describe"]
