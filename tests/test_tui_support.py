"""Fixtures, fake suggesters and Pilot helpers for the UI tests (and the coding loop's), plus tests of the UI's
pure modules.

The fakes implement the ``Suggester`` protocol: ``GoldSuggester`` proposes the
gold codes of a transcript (suggestions that are always right, for the
keystroke test), ``SlowSuggester`` blocks in ``prepare`` until released (the
one place a wait is allowed), ``BrokenSuggester`` fails as a missing model
package would.
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
import threading
from pathlib import Path

import pytest

from codering.suggest.base import Suggestion

ROOT = Path(__file__).resolve().parent.parent
SHARED_TRANSCRIPTS = ROOT.parent / "shared" / "data" / "transcripts"
DEFAULT_CODEBOOK = ROOT / "codebooks" / "samenwerking-zorg-welzijn.yaml"


# -- fakes ---------------------------------------------------------------------------------------

class GoldSuggester:
    """Suggests, for a span, the gold codes of every gold span covering most of it."""

    model_id = "gold"

    def __init__(self, gold: dict[str, list[tuple[int, int, list[str]]]]) -> None:
        self.gold = gold
        self._ready = False

    @property
    def ready(self) -> bool:
        return self._ready

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        self._ready = True

    def suggest(self, project, transcript, start, end, k=3):
        name = project.transcript_name(project.transcript_id(transcript))
        out: list[str] = []
        for a, b, codes in self.gold.get(name, []):
            overlap = min(b, end) - max(a, start)
            if overlap > 0 and overlap >= 0.5 * (end - start):
                out.extend(c for c in codes if c not in out)
        return [Suggestion(c, 0.9, "lijkt op: gouden codering", "example") for c in out[:k]]

    def observe(self, project) -> None:
        pass


class SlowSuggester:
    """A model that takes as long as the test wants: ``prepare`` waits for ``release``."""

    model_id = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self._ready = False

    @property
    def ready(self) -> bool:
        return self._ready

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        self.started.set()
        for step in range(5):
            if progress:
                progress("embedding segments", step, 5)
            if self.release.wait(timeout=2):  # the only wait in the UI tests: a slow model
                break
            if cancelled():
                return
        if progress:
            progress("embedding segments", 5, 5)
        self._ready = True

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion("stim.praktisch.nabijheid", 0.8, "lijkt op: traag model", "example")]

    def observe(self, project) -> None:
        pass


class BrokenSuggester:
    """Fails like an engine whose model package is not installed."""

    model_id = "broken"
    ready = False

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        raise ModuleNotFoundError("No module named 'sentence_transformers'", name="sentence_transformers")

    def suggest(self, project, transcript, start, end, k=3):
        return []

    def observe(self, project) -> None:
        pass


def sync(test):
    """Run an async Pilot test with asyncio (no pytest plugin needed)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


async def until(pilot, condition, seconds: float = 15.0, step: float = 0.1) -> bool:
    """Let the app run (``pilot.pause(step)``) until ``condition()`` holds, at most ``seconds``; return
    whether it holds (for ``assert await until(...)``: workers and timers, never a fixed sleep)."""
    for _ in range(round(seconds / step)):
        if condition():
            return True
        await pilot.pause(step)
    return condition()


# -- projects --------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> Path:
    """The four sample transcripts (with attributes) against the default codebook, built once."""
    from codering.codebook import load_codebook
    from codering.ingest.plan import plan_import
    from codering.store import Project

    path = tmp_path_factory.mktemp("template") / "sample.codering"
    plan = plan_import([ROOT / "transcripts"])
    with Project.create(path, load_codebook(DEFAULT_CODEBOOK)) as project:
        plan.apply(project, coder="import")
    return path


@pytest.fixture
def sample_project(sample_template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the sample project; the working folder is its folder (short paths on screen)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CODERING_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "studie.codering"
    shutil.copy(sample_template, target)
    return target


@pytest.fixture(scope="session")
def gold_template(tmp_path_factory):
    """The dev transcripts with gold codings (shared data), or skip when absent."""
    from codering.codebook import load_codebook
    from codering.ingest.plan import plan_import
    from codering.store import Project

    texts = sorted(SHARED_TRANSCRIPTS.glob("*.txt")) if SHARED_TRANSCRIPTS.is_dir() else []
    if not texts:
        pytest.skip("shared/data/transcripts is not there")
    gold: dict[str, list[tuple[int, int, list[str]]]] = {}
    for text in texts:
        gold_file = text.with_suffix(".gold.jsonl")
        for line in gold_file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                gold.setdefault(row["transcript"], []).append((row["start"], row["end"], row["codes"]))
    path = tmp_path_factory.mktemp("gold") / "gold.codering"
    plan = plan_import(texts[:1])
    with Project.create(path, load_codebook(DEFAULT_CODEBOOK)) as project:
        plan.apply(project, coder="import")
    return path, gold


# -- the pure modules --------------------------------------------------------------------------------



def test_code_colours_are_stable_and_inherited():
    from codering.codebook import load_codebook
    from codering.tui.colors import PALETTE, blend, code_color, palette_color

    book = load_codebook(DEFAULT_CODEBOOK)
    assert code_color(book, "stim.praktisch.nabijheid") == book.codes["stim.praktisch"].color
    assert palette_color("x.y") == palette_color("x.y") and palette_color("x.y") in PALETTE
    assert blend("#000000", "#ffffff", 0.5) == "#808080"


def test_layout_keeps_offsets_and_wraps_within_width():
    from codering.tui.layout import INDENT, TurnInfo, layout_transcript, wrap

    content = "R: " + "woord " * 40 + "\nnieuwe regel"
    spans = wrap(content, 3, len(content), 20, 20)
    for a, b in spans:
        assert len(content[a:b]) <= 20 and content[a:b] == content[a:b].strip()
    assert content[spans[-1][0]:spans[-1][1]] == "nieuwe regel"
    turns = [TurnInfo(0, 0, len(content), 3, "R", "respondent", "00:00:01")]
    layout = layout_transcript(content, turns, 30)
    assert layout.lines[0].first and not layout.lines[1].first
    row = layout.row_of(content.index("nieuwe"))
    assert layout.lines[row].start == content.index("nieuwe")
    assert all(len(content[ln.start:ln.end]) <= 30 - INDENT for ln in layout.lines[1:])
    assert list(layout.rows_for(3, len(content))) == list(range(len(layout)))
