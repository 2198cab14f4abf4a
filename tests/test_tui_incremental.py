"""Pilot: on a project nobody embedded yet, the open transcript gets suggestions before the rest of the corpus.

The embedder is the hashing fake (the real model is tested in test_runtime.py
and test_model.py), wrapped so that the test decides when the other
transcripts may be embedded: until it says so, embedding any of their
sentences waits. If the open transcript's suggestions needed the whole
corpus, the test would never see them. The same holds within the open
transcript: the part around the cursor is embedded first, and the cursor's
sentence has its suggestions while half of its transcript still waits.
"""

from __future__ import annotations

import threading

from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.embed import HashingEmbedder
from codering.suggest.engine import FILL, EmbeddingSuggester
from codering.suggest.features import needed
from codering.tui.app import make_app
from codering.tui.screens.coding import CodingScreen
from codering.tui.screens.overview import OverviewScreen
from codering.coding.suggester import EngineLoader

SIZE = (100, 30)
#: Longest wait for the loader (seconds; ``until`` polls every 50 ms).
WAIT = 30.0



class GatedEmbedder(HashingEmbedder):
    """The hashing fake; sentences in ``held`` wait until ``release`` is set."""

    def __init__(self, held: set[str]) -> None:
        super().__init__()
        self.held = held
        self.release = threading.Event()
        self.waiting = threading.Event()
        self.embedded: list[str] = []

    def encode(self, texts):
        if any(t in self.held for t in texts):
            self.waiting.set()
            self.release.wait(timeout=60)
        self.embedded.extend(texts)
        return super().encode(texts)


@sync
async def test_open_transcript_gets_suggestions_before_the_corpus_is_embedded(sample_project):
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        assert len(infos) >= 3
        target = infos[1]  # not the first: the loader must take the open one first
        own = {s.text for s in needed(project.segments(target.id))}
        others = {s.text for t in infos if t.id != target.id for s in needed(project.segments(t.id))} - own
        assert not project.pending_suggestions(), "the sample project starts without stored suggestions"
    embedder = GatedEmbedder(others)
    loader = EngineLoader(build=lambda emb: EmbeddingSuggester(embedder=emb, gate=0.0, use_user_cache=False),
                          embedder_for=lambda _project: embedder)
    app = make_app(sample_project, suggester=loader, coder="tester", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("down", "enter")  # open the second transcript
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen) and screen.session.tid == target.id
        assert screen.session.suggestions() == []  # nothing stored, nothing embedded
        app.start_suggester()  # the model starts after the transcript is open (as when it loads slowly)

        assert await until(pilot, lambda: loader.ready_for(target.id), WAIT, step=0.05)
        await pilot.pause()
        shown = screen.session.suggestions()
        assert len(shown) == FILL and all(s.source != "stored" for s in shown)  # gate 0: the list is full
        # ... while the rest of the corpus has not been embedded: its sentences are still held back.
        assert not embedder.release.is_set()
        assert not any(t in others for t in embedder.embedded)
        assert not any(loader.ready_for(t.id) for t in infos if t.id != target.id)
        assert app.model_state.phase == "loading"
        panel = screen.query_one("#panel").data
        assert len(panel.suggestions) == FILL and "model laadt" not in panel.status

        embedder.release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.model_state.phase == "ready"
        assert all(loader.ready_for(t.id) for t in infos)
        # Every transcript's suggestions were stored as it was done: the overview's column is filled.
        pending = app.project.pending_suggestions()
        assert set(pending) == {t.id for t in infos}
        # No sentence was embedded twice (the final whole-corpus preparation reads the project's cache;
        # the codebook is embedded again only because this engine has no per-user cache).
        segments = [t for t in embedder.embedded if t in own | others]
        assert len(segments) == len(set(segments)) == len(own | others)


class RecordingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def encode(self, texts):
        self.embedded.extend(texts)
        return super().encode(texts)


def _loader(embedder: HashingEmbedder) -> EngineLoader:
    return EngineLoader(build=lambda emb: EmbeddingSuggester(embedder=emb, gate=0.0, use_user_cache=False),
                        embedder_for=lambda _project: embedder)


def _texts(project, tid: int) -> set[str]:
    return {s.text for s in needed(project.segments(tid))}


def test_loader_takes_the_focused_transcript_first_and_skips_embedded_ones(sample_project):
    from codering.suggest.embed import embed_cached

    embedder = RecordingEmbedder()
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        first, focus = infos[0], infos[-1]
        embed_cached(embedder, sorted(_texts(project, first.id)), project=project)
        embedder.embedded.clear()
        loader = _loader(embedder)
        loader.focus(focus.id)
        reported: list[int] = []
        seen_ready: list[bool] = []

        def on_transcript(tid: int) -> None:
            reported.append(tid)
            seen_ready.append(loader.ready_for(first.id))  # embedded before: answered from the start

        loader.on_transcript = on_transcript
        loader.prepare(project)
        assert reported[0] == focus.id and first.id not in reported
        assert sorted(reported) == sorted(t.id for t in infos if t.id != first.id)
        assert all(seen_ready)
        assert all(loader.ready_for(t.id) for t in infos)
        # The focused transcript's sentences were embedded before any other transcript's.
        others = set().union(*(_texts(project, t.id) for t in infos if t.id not in (first.id, focus.id)))
        only_focus = _texts(project, focus.id) - others - _texts(project, first.id)
        order = [i for i, t in enumerate(embedder.embedded) if t in others - _texts(project, focus.id)]
        assert order and max(i for i, t in enumerate(embedder.embedded) if t in only_focus) < min(order)
        assert not (_texts(project, first.id) - others - _texts(project, focus.id)) & set(embedder.embedded)
        assert loader.suggest(project, focus.id, *_span(project, focus.id))


def test_loader_prepares_in_one_go_when_everything_is_embedded(sample_project):
    from codering.suggest.embed import embed_cached

    embedder = RecordingEmbedder()
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        segment_texts = set().union(*(_texts(project, t.id) for t in infos))
        embed_cached(embedder, sorted(segment_texts), project=project)
        embedder.embedded.clear()
        loader = _loader(embedder)
        reported: list[int] = []
        loader.on_transcript = reported.append
        loader.prepare(project)
        assert reported == [] and loader.ready and all(loader.ready_for(t.id) for t in infos)
        assert embedder.embedded and not segment_texts & set(embedder.embedded)  # the codebook only


def _span(project, tid: int) -> tuple[int, int]:
    seg = next(s for s in project.segments(tid) if s.role != "interviewer")
    return seg.start, seg.end


class TwoGateEmbedder(HashingEmbedder):
    """The hashing fake; sentences held by a gate wait until it is opened."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, threading.Event] = {}
        self.embedded: list[str] = []

    def encode(self, texts):
        for text in texts:
            gate = self.gates.get(text)
            if gate is not None:
                gate.wait(timeout=60)
        self.embedded.extend(texts)
        return super().encode(texts)


@sync
async def test_the_cursors_sentence_gets_suggestions_before_its_transcript_is_embedded(sample_project):
    from codering.suggest.base import LIKELY

    with Project.open(sample_project) as project:
        infos = project.transcripts()
        target = infos[1]
        segs = project.segments(target.id)
        half = len(segs) // 2
        own = {s.text for s in needed(segs)}
        held = own - {s.text for s in segs[:half]}  # the second half of the open transcript waits
        others = {s.text for t in infos if t.id != target.id for s in needed(project.segments(t.id))} - own
    embedder = TwoGateEmbedder()
    rest_of_transcript, rest_of_corpus = threading.Event(), threading.Event()
    embedder.gates.update({t: rest_of_transcript for t in held})
    embedder.gates.update({t: rest_of_corpus for t in others})
    loader = EngineLoader(build=lambda emb: EmbeddingSuggester(embedder=emb, gate=0.0, use_user_cache=False),
                          embedder_for=lambda _project: embedder)
    app = make_app(sample_project, suggester=loader, coder="tester", start_model=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("down", "enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodingScreen) and screen.session.tid == target.id
            panel = screen.query_one("#panel")
            app.start_suggester()
            assert await until(pilot, lambda: bool(panel.data.suggestions), WAIT, step=0.05)
            # the cursor's sentence has its suggestions while half of its transcript is not embedded
            assert held and not held & set(embedder.embedded)
            assert "model laadt" not in panel.data.status and app.model_state.phase == "loading"
            assert len(panel.data.suggestions) == FILL
            table = app.overview.query_one("#transcripts")
            assert table.get_cell(str(target.id), "pending") == "–"  # not done yet

            # to a sentence in the part not embedded: nothing is guessed, the panel says the model loads
            for _ in range(len(segs)):
                if screen.session.current.text in held and screen.session.current.role != "interviewer":
                    break
                await pilot.press("J")  # next turn
            assert screen.session.current.text in held
            await pilot.pause()
            assert panel.data.suggestions == [] and "model laadt" in panel.data.status
            rest_of_transcript.set()  # the loader embeds where the cursor is, then the rest of the transcript
            assert await until(pilot, lambda: bool(panel.data.suggestions), WAIT, step=0.05)
            assert "model laadt" not in panel.data.status
            # the transcript done: its count is in the overview while the others are still being embedded
            assert await until(pilot, lambda: table.get_cell(str(target.id), "pending") != "–", WAIT, step=0.05)
            assert not others & set(embedder.embedded)
            assert all(table.get_cell(str(t.id), "pending") == "–" for t in infos if t.id != target.id)

            rest_of_corpus.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.model_state.phase == "ready"
            # what is shown now is what the engine on the whole, fully embedded corpus says
            whole = EmbeddingSuggester(embedder=HashingEmbedder(), gate=0.0, use_user_cache=False)
            whole.prepare(app.project)
            start, end = screen.session.span
            expected = [(s.code_id, s.score) for s in whole.suggest(app.project, target.id, start, end, k=9)]
            assert [(s.code_id, s.score) for s in screen.session.suggestions()] == expected
            assert [line.score for line in panel.data.suggestions] == [score for _, score in expected][
                :len(panel.data.suggestions)]
            # the overview's column is filled for every transcript
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)
            pending = app.project.pending_suggestions(min_score=LIKELY)
            assert set(pending) == {t.id for t in infos}
            assert [table.get_cell(str(t.id), "pending") for t in infos] == [str(pending[t.id]) for t in infos]
    finally:
        rest_of_transcript.set()
        rest_of_corpus.set()


@sync
async def test_after_an_adapted_model_is_adopted_the_ui_keeps_suggesting_while_it_embeds(sample_project):
    """The adapted model's vectors are made transcript by transcript, the open one first; meanwhile every
    transcript keeps its suggestions: from the new model where its vectors exist, else from the model before
    (each engine on its own model's vectors)."""
    from codering.suggest.adapt import Report

    with Project.open(sample_project) as project:
        infos = project.transcripts()
        target = infos[1]
        own = {s.text for s in needed(project.segments(target.id))}
        others = {s.text for t in infos if t.id != target.id for s in needed(project.segments(t.id))} - own
    base = HashingEmbedder(model_id="fake:base")
    adapted = TwoGateEmbedder()
    adapted.model_id = "fake:adapted"
    rest_of_corpus = threading.Event()
    adapted.gates.update({t: rest_of_corpus for t in others})
    loader = EngineLoader(build=lambda emb: EmbeddingSuggester(embedder=emb, gate=0.0, use_user_cache=False),
                          embedder_for=lambda project: adapted if project.setting("model") == "fake:adapted"
                          else base)

    def adapter(project, *, threads, progress, cancelled):  # stands in for a round (tested in test_adapt.py)
        project.set_setting("model", "fake:adapted")
        return Report(1, "fake:base", "hard", 40, 30, 8, 6, 100, {"positive": 100}, steps=7,
                      base={"top3": 0.5, "kappa": 0.2, "families": 3},
                      adapted={"top3": 0.7, "kappa": 0.4, "families": 3}, adopted=True, model="fake:adapted")

    app = make_app(sample_project, suggester=loader, coder="tester", adapter=adapter, adapt_every=1000)
    try:
        async with app.run_test(size=SIZE) as pilot:
            assert await until(pilot, lambda: app.model_state.phase == "ready", WAIT, step=0.05)
            await pilot.press("down", "enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodingScreen) and screen.session.tid == target.id
            assert {s.model_id for s in screen.session.suggestions()} == {"fake:base"}

            app.action_adapt_now()  # adopted: the app prepares the suggester again, with the adapted model
            assert await until(pilot, lambda: loader.model_for(target.id) == "fake:adapted", WAIT, step=0.05)
            await pilot.pause()
            # the open transcript: the adapted model's suggestions, before the rest of the corpus is embedded
            shown = screen.session.suggestions()
            assert shown and {s.model_id for s in shown} == {"fake:adapted"}
            assert len(screen.query_one("#panel").data.suggestions) == len(shown)
            assert not others & set(adapted.embedded) and app.model_state.phase == "loading"
            # another transcript meanwhile: still suggested, by the model before, on its own vectors
            await pilot.press("escape", "down", "down", "enter")
            await pilot.pause()
            other = app.screen
            assert isinstance(other, CodingScreen) and other.session.tid != target.id
            before = other.session.suggestions()
            assert before and {s.model_id for s in before} == {"fake:base"}
            assert all(s.source != "stored" for s in before)  # live: the engine answers, not a stored list
            assert other.session.ready_here and "model laadt" not in other.query_one("#panel").data.status
            assert len(other.query_one("#panel").data.suggestions) == len(before)

            rest_of_corpus.set()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.model_state.phase == "ready" and app.model_state.model_id == "fake:adapted"
            assert {s.model_id for s in other.session.suggestions()} == {"fake:adapted"}
    finally:
        rest_of_corpus.set()


def run_app_in_fresh_process(main: str, project, timeout: float) -> "subprocess.CompletedProcess":
    """Run ``main`` (the indented body of ``async def main()``, with ``make_app`` and ``sys.argv[1]``, the
    project, at hand) in a fresh Python process: what it imports and how it exits are its own."""
    import subprocess
    import sys

    code = "import asyncio, sys\nfrom codering.tui.app import make_app\nasync def main():\n" + main + \
        "asyncio.run(main())\n"
    return subprocess.run([sys.executable, "-c", code, str(project)], capture_output=True, text=True,
                          timeout=timeout)


def test_start_up_and_opening_a_transcript_import_no_model_runtime(sample_project):
    """The path to a filled overview and an open transcript (what benchmarks/ui_speed.py times) leaves torch,
    sentence-transformers and onnxruntime to the model worker."""
    result = run_app_in_fresh_process(
        "    app = make_app(sys.argv[1], coder='t', start_model=False)\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        while not (app.screen.query('#transcripts') and app.screen.query_one('#transcripts').row_count):\n"
        "            await pilot.pause(0.01)\n"
        "        await pilot.press('enter')\n"
        "        await pilot.pause()\n"
        "        assert type(app.screen).__name__ == 'CodingScreen'\n"
        "    print([m for m in ('torch', 'sentence_transformers', 'onnxruntime', 'transformers') if m in sys.modules])\n",
        sample_project, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_quitting_while_the_real_model_embeds_exits_cleanly(sample_project):
    """Quitting while the model thread is inside ONNX Runtime used to abort the process at interpreter
    shutdown ("terminate called without an active exception", status 134); the app now lets the thread
    stop between two steps."""
    result = run_app_in_fresh_process(
        "    app = make_app(sys.argv[1], coder='t')\n"
        "    async with app.run_test(size=(100, 30)) as pilot:\n"
        "        for _ in range(3000):\n"
        "            state = app.model_state\n"
        "            if state.phase == 'loading' and state.what.startswith('embedding') and state.done:\n"
        "                break\n"
        "            await asyncio.sleep(0.01)\n"
        "        print('quit at', state.phase, state.what, state.done, state.total, flush=True)\n",
        sample_project, timeout=300)
    assert "terminate called" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert "quit at loading embedding" in result.stdout, result.stdout  # it did quit mid-embedding
