"""Every key the help screen lists says what it does: the third column (the binding's tooltip) is never empty.

A QA pass from a fresh install found `a`, `j`, `n`, `X` and most other keys of the coding screen with an empty
explanation, where a coder looks up what a key does before pressing it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from test_qa_screens2 import open_help
from test_tui_app import ready
from test_tui_support import sample_project, sample_template, sync  # noqa: F401 - fixtures
from textual.binding import Binding

from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app
import codering.tui.screens as screens

#: The help screen shows these as one row ("Aanvaard suggestie 1 tot 9"), with the explanation of `1`.
FOLDED = {f"coding.accept{n}" for n in range(2, 10)}


def screen_bindings():
    for info in pkgutil.iter_modules(screens.__path__):
        module = importlib.import_module(f"codering.tui.screens.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or name == "HelpScreen":
                continue
            for binding in getattr(cls, "BINDINGS", []):
                if isinstance(binding, Binding) and binding.id and binding.description:
                    yield name, binding


def test_every_key_of_every_screen_has_an_explanation():
    found = list(screen_bindings())
    assert len(found) > 80  # the screens were all found
    missing = [f"{name}: {b.key} ({b.description})" for name, b in found if not b.tooltip and b.id not in FOLDED]
    assert not missing, missing


@sync
async def test_the_help_of_the_overview_and_the_coding_screen_explains_every_row(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(app, pilot)
        rows = await open_help(app, pilot)
        assert rows and all(explanation.strip() for _, _, explanation in rows), rows
        await pilot.press("escape", "enter")
        await pilot.pause()
        rows = await open_help(app, pilot)
        empty = [action for _, action, explanation in rows if not explanation.strip()]
        assert not empty, empty
        explained = {action: " ".join(explanation.split()) for _, action, explanation in rows}
        assert explained["Alles aanvaarden"].startswith("Aanvaard alle waarschijnlijke suggesties")
        assert explained["Ongecodeerd"] == ("Naar de volgende zin zonder code; de zinnen die je zo overspringt, "
                                            "tellen voor het model niet als 'geen code'")
