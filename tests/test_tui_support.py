"""Fixtures and fake suggesters for the UI tests, plus tests of the UI's pure modules.

The fakes implement the ``Suggester`` protocol: ``GoldSuggester`` proposes the
gold codes of a transcript (suggestions that are always right, for the
keystroke test), ``SlowSuggester`` blocks in ``prepare`` until released (the
one place a wait is allowed), ``BrokenSuggester`` fails as a missing model
package would.
"""

from __future__ import annotations

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

def test_fuzzy_ignores_diacritics_and_ranks_labels_first():
    from codering.codebook import load_codebook
    from codering.coding.search import CodeIndex, fold

    book = load_codebook(DEFAULT_CODEBOOK)
    index = CodeIndex(book)
    assert fold("Cliënt Één") == "client een"
    assert index.search("nabijh")[0].code_id == "stim.praktisch.nabijheid"
    first = index.search("nabijh")[0]
    assert first.label_positions == tuple(range(6))
    # by id, by words of the path, by a subsequence, and accents typed or not
    assert index.search("stim.praktisch.nab")[0].code_id == "stim.praktisch.nabijheid"
    assert any(m.code_id.startswith("rem.") for m in index.search("remmende"))
    accented = [c for c in book if c.codable and any(ch in c.label for ch in "éëïèö")]
    if accented:
        code = accented[0]
        plain = fold(code.label)
        assert code.id in [m.code_id for m in index.search(plain, limit=10)]
    assert all(book.codes[m.code_id].codable for m in index.search(""))
    assert index.search("zzzqqq") == []


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


def test_session_writes_each_decision_before_returning(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        gold = GoldSuggester({})
        gold.prepare(project)
        session = CodingSession(project, tid, gold, "tester")
        assert session.current.role != "interviewer"
        seg = session.current
        gold.gold[session.name] = [(seg.start, seg.end, ["stim.praktisch.nabijheid", "fin.doorverwijzen"])]
        session._cache.clear()
        assert [s.code_id for s in session.suggestions()] == ["stim.praktisch.nabijheid", "fin.doorverwijzen"]
        session.accept(0)
        with Project.open(sample_project) as other:  # another connection sees it: committed
            assert [(c.code_id, c.origin) for c in other.codings(tid)] == [("stim.praktisch.nabijheid", "suggestion")]
        assert session.current == seg  # one suggestion still open: the cursor stays
        session.reject(0)
        assert session.current != seg  # none left: moved on by itself
        assert session.current.role != "interviewer"
        decisions = project.decisions()
        assert [(d.code_id, d.accepted) for d in decisions] == [("stim.praktisch.nabijheid", True),
                                                                ("fin.doorverwijzen", False)]
        session.goto(seg.index)
        assert session.suggestions() == []  # accepted is applied, rejected stays rejected
        assert session.undo() is not None
        assert session.suggestions()[0].code_id == "fin.doorverwijzen"


class UnsureSuggester(GoldSuggester):
    """Suggests one likely code and two alternatives it is unsure of, on every respondent sentence."""

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion("stim.praktisch.nabijheid", 0.6, "lijkt op: …", "example"),
                Suggestion("rem.financieel", 0.05, "past bij: …", "codebook", likely=False),
                Suggestion("fin.doorverwijzen", 0.04, "past bij: …", "codebook", likely=False)][:k]


def test_alternatives_neither_hold_the_cursor_nor_go_with_accept_all(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        unsure = UnsureSuggester({})
        unsure.prepare(project)
        session = CodingSession(project, tid, unsure, "tester")
        first = session.current
        assert [s.likely for s in session.suggestions()] == [True, False, False]
        session.decide_all(True)  # "a": only the likely one
        assert [c.code_id for c in project.codings(tid)] == ["stim.praktisch.nabijheid"]
        assert session.current != first  # the alternatives left open do not hold the cursor
        second = session.current
        session.reject(0)  # rejecting keeps the cursor on the alternatives
        assert session.current == second
        assert [s.likely for s in session.suggestions()] == [False, False]
        assert session.decide_all(True) is None  # nothing likely left to accept
        session.accept(0)  # an alternative, by its number
        assert session.current != second
        assert sorted(c.code_id for c in project.codings(tid)) == ["rem.financieel", "stim.praktisch.nabijheid"]
