"""Loading suggestions on a project nobody embedded yet: the part on screen first, then the whole transcript,
then the corpus; and another model's vectors made while the model before keeps answering.

The embedder is the hashing fake (the real model is tested in test_runtime.py, test_model.py and the engine's
quality tests), wrapped so that the test decides when which sentences may be embedded: until it says so,
embedding any of them waits. No test here reads a clock.
"""

from __future__ import annotations

import threading

import numpy as np
from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.coding.session import CodingSession
from codering.coding.suggester import EngineLoader
from codering.store import Project
from codering.suggest.embed import HashingEmbedder, text_key
from codering.suggest.engine import EmbeddingSuggester
from codering.suggest.features import build_features, context_complete, context_rows, needed

WAIT = 60.0  # seconds a gate or a poll waits at most (a stuck loader fails the test instead of hanging it)


class GatedEmbedder(HashingEmbedder):
    """The hashing fake; a sentence held by a gate waits until that gate is opened."""

    def __init__(self, dim: int = 512, model_id: str = "fake:hashing") -> None:
        super().__init__(dim=dim, model_id=model_id)
        self.gates: dict[str, threading.Event] = {}
        self.embedded: list[str] = []
        self.waiting = threading.Event()  # set when a sentence waits at a closed gate

    def hold(self, texts, gate: threading.Event) -> None:
        for text in texts:
            self.gates.setdefault(text, gate)

    def encode(self, texts):
        for text in texts:
            gate = self.gates.get(text)
            if gate is not None and not gate.is_set():
                self.waiting.set()
                gate.wait(timeout=WAIT)
        self.embedded.extend(texts)
        return super().encode(texts)


def engine(embedder) -> EmbeddingSuggester:
    return EmbeddingSuggester(embedder=embedder, gate=0.0, use_user_cache=False)  # gate 0: always a list


def poll(condition, timeout: float = WAIT) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        done.wait(0.02)
    return condition()


def start(loader: EngineLoader, path) -> threading.Thread:
    def run() -> None:
        with Project.open(path) as project:
            loader.prepare(project)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def at_most_a_step_before(loader: EngineLoader, after: list[str], wanted: set[str], rest: set[str]) -> None:
    """In the texts embedded ``after`` the coder moved, at most the step under way (``loader.STEP`` texts)
    of ``rest`` came before the last of the ``wanted`` ones (``rest`` is several steps long)."""
    assert len(rest) > 3 * loader.STEP
    wanted_at = max(k for k, t in enumerate(after) if t in wanted)
    assert sum(1 for t in after[:wanted_at] if t in rest) <= loader.STEP


def respondent_rows(segs) -> list[int]:
    return [i for i, s in enumerate(segs) if s.role != "interviewer"]


def test_segments_with_their_whole_context_get_the_features_of_the_whole_transcript(sample_project):
    with Project.open(sample_project) as project:
        segs = project.segments(project.transcripts()[1].id)
    embedder = HashingEmbedder()
    wanted = {id(s) for s in needed(segs)}
    full = np.stack([embedder.encode([s.text])[0] if id(s) in wanted else np.zeros(embedder.dim, np.float32)
                     for s in segs])
    rows = respondent_rows(segs)
    shown = rows[len(rows) // 2: len(rows) // 2 + 4]  # a few sentences in the middle, "on screen"
    keep = set(context_rows(segs, shown))
    part = full.copy()
    part[[i for i in range(len(segs)) if i not in keep]] = 0.0  # what is not embedded yet is blank
    present = [i in keep or id(s) not in wanted for i, s in enumerate(segs)]
    complete = context_complete(segs, present)
    assert complete[shown].all()
    assert 0 < complete.sum() < len(segs)
    whole, partial = build_features(1, segs, full), build_features(1, segs, part)
    np.testing.assert_allclose(partial.context[complete], whole.context[complete], rtol=0, atol=1e-6)
    # the mask means something: a respondent sentence left out differs
    left_out = [i for i in rows if not complete[i]]
    assert left_out and not np.allclose(partial.context[left_out], whole.context[left_out], atol=1e-3)


def test_the_part_on_screen_answers_first_and_the_whole_transcript_replaces_it(sample_project):
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        target = infos[1]  # not the first: the loader must take the focused one first
        segs = project.segments(target.id)
        rows = respondent_rows(segs)
        cursor = rows[len(rows) // 2]
        shown = [i for i in range(max(0, cursor - 2), min(len(segs), cursor + 4))]
        wanted = {id(s) for s in needed(segs)}
        window = {segs[i].text for i in context_rows(segs, shown) if id(segs[i]) in wanted}
        own = {s.text for s in needed(segs)}
        others = {s.text for t in infos if t.id != target.id for s in needed(project.segments(t.id))} - own
    embedder = GatedEmbedder()
    rest_of_transcript, rest_of_corpus = threading.Event(), threading.Event()
    embedder.hold(own - window, rest_of_transcript)
    embedder.hold(others, rest_of_corpus)
    loader = EngineLoader(build=engine, embedder_for=lambda _project: embedder)
    loader.focus(target.id, segs[shown[0]].start, segs[shown[-1]].end)  # what the coding screen says
    done: list[int] = []
    loader.on_transcript = done.append
    thread = start(loader, sample_project)
    at = (segs[cursor].start, segs[cursor].end)
    far = next(i for i in reversed(rows) if segs[i].text in own - window)
    try:
        assert poll(lambda: loader.ready_for(target.id, *at))
        with Project.open(sample_project) as project:
            # suggestions for the cursor's sentence while the rest of its transcript is not embedded
            assert not (own - window) & set(embedder.embedded)
            early = loader.suggest(project, target.id, *at)
            assert early
            session = CodingSession(project, target.id, loader, "tester")
            session.goto(cursor)
            assert [s.code_id for s in session.suggestions()][:len(early)] == [s.code_id for s in early]
            # a sentence whose context is not embedded gets nothing yet (and says so), not a guess
            assert loader.ready_for(target.id) and not loader.ready_for(target.id, segs[far].start, segs[far].end)
            assert loader.suggest(project, target.id, segs[far].start, segs[far].end) == []
            assert not loader.ready_for(infos[0].id)

            rest_of_transcript.set()
            assert poll(lambda: target.id in done)
            # the whole transcript is embedded, the rest of the corpus is not: its answers are those of an
            # engine prepared on the fully embedded transcript, for every sentence, and the session shows them
            reference = engine(HashingEmbedder())
            reference.prepare(project, transcripts={target.id})
            for i in rows:
                span = (segs[i].start, segs[i].end)
                assert loader.ready_for(target.id, *span)
                assert loader.suggest(project, target.id, *span) == reference.suggest(project, target.id, *span)
            expected = [(s.code_id, s.score) for s in reference.suggest(project, target.id, *at, k=9)]
            assert [(s.code_id, s.score) for s in session.suggestions()] == expected
            assert not others & set(embedder.embedded)

            rest_of_corpus.set()
            thread.join(WAIT)
            assert not thread.is_alive() and loader.ready
            whole = engine(HashingEmbedder())
            whole.prepare(project)
            assert loader.suggest(project, target.id, *at) == whole.suggest(project, target.id, *at)
            assert loader.min_score == whole.min_score  # what holds the screen after an accept compares with
            # what is stored (the overview's counts, shown before the model loads next time) is the whole
            # corpus engine's too, not that of the engine that knew one transcript
            feats, scores = whole.transcript_scores(project, target.id)
            expected = [(int(feats.starts[i]), int(feats.ends[i]), s.code_id, rank, round(s.score, 6))
                        for r, i in enumerate(scores.rows)
                        for rank, s in enumerate(whole.suggestions_for_row(scores, r, 3, exclude_key=(target.id, i)))]
            stored = [(a, b, code, rank, round(score, 6)) for a, b, code, rank, score, _, _ in
                      project.stored_suggestions(target.id)]
            assert stored == sorted(expected, key=lambda row: (row[0], row[3]))
            assert [(s.code_id, s.score) for s in session.suggestions()] == [
                (s.code_id, s.score) for s in whole.suggest(project, target.id, *at, k=9)]
        # nothing was embedded twice
        texts = [t for t in embedder.embedded if t in own | others]
        assert len(texts) == len(set(texts)) == len(own | others)
    finally:
        rest_of_transcript.set()
        rest_of_corpus.set()
        thread.join(WAIT)


def test_moving_the_cursor_elsewhere_embeds_that_part_next(sample_project):
    with Project.open(sample_project) as project:
        target = project.transcripts()[0]
        segs = project.segments(target.id)
        rows = respondent_rows(segs)
        own = {s.text for s in needed(segs)}
    embedder = GatedEmbedder()
    moved = threading.Event()
    # the part on screen is the start; everything else waits until the cursor has moved to the end
    start_part = {segs[i].text for i in context_rows(segs, rows[:2])} & own
    embedder.hold(own - start_part, moved)
    loader = EngineLoader(build=engine, embedder_for=lambda _project: embedder)
    loader.STEP = 8  # small steps, so that the order shows
    loader.focus(target.id, segs[rows[0]].start, segs[rows[1]].end)
    thread = start(loader, sample_project)
    try:
        assert poll(lambda: loader.ready_for(target.id, segs[rows[0]].start, segs[rows[0]].end))
        last = rows[-1]
        assert not loader.ready_for(target.id, segs[last].start, segs[last].end)
        loader.focus(target.id, segs[last].start, segs[last].end)  # the coder jumps to the end
        before = len(embedder.embedded)
        moved.set()
        thread.join(WAIT)
        assert not thread.is_alive() and loader.ready
    finally:
        moved.set()
        thread.join(WAIT)
    end_part = {segs[i].text for i in context_rows(segs, [last])} & own
    # between two steps the loader looked at the cursor again: the end's context came right after the step
    # under way when the cursor moved, before the rest of the transcript
    at_most_a_step_before(loader, embedder.embedded[before:], end_part, own - start_part - end_part)


def test_opening_another_transcript_while_one_is_embedded_takes_that_one_next(sample_project):
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        first, target = infos[0], infos[2]
        first_texts = {s.text for s in needed(project.segments(first.id))}
        segs = project.segments(target.id)
        rows = respondent_rows(segs)
        window = {segs[i].text for i in context_rows(segs, rows[:3])} & {s.text for s in needed(segs)}
    embedder = GatedEmbedder()
    opened = threading.Event()
    embedder.hold(first_texts - window, opened)  # the loader starts on the first transcript and waits there
    loader = EngineLoader(build=engine, embedder_for=lambda _project: embedder)
    loader.STEP = 8
    thread = start(loader, sample_project)  # nothing on screen yet: the overview
    try:
        assert embedder.waiting.wait(WAIT)  # embedding the first transcript
        assert not loader.ready
        loader.focus(target.id, segs[rows[0]].start, segs[rows[2]].end)  # the coder opens a transcript
        before = len(embedder.embedded)
        opened.set()
        assert poll(lambda: loader.ready_for(target.id, segs[rows[0]].start, segs[rows[0]].end))
        thread.join(WAIT)
        assert not thread.is_alive() and all(loader.ready_for(t.id) for t in infos)
    finally:
        opened.set()
        thread.join(WAIT)
    # at most the step under way when it was opened came before the opened transcript's part on screen
    at_most_a_step_before(loader, embedder.embedded[before:], window, first_texts - window)


def test_a_transcript_opened_after_the_first_is_done_also_answers_for_its_part_on_screen_first(sample_project):
    with Project.open(sample_project) as project:
        infos = project.transcripts()
        busy, target = infos[1], infos[3]
        segs = project.segments(target.id)
        rows = respondent_rows(segs)
        own = {s.text for s in needed(segs)}
        window = {segs[i].text for i in context_rows(segs, rows[-3:])} & own  # the end is on screen
        first = {s.text for s in needed(project.segments(infos[0].id))}
        busy_texts = {s.text for s in needed(project.segments(busy.id))} - own - first
    embedder = GatedEmbedder()
    opened, rest = threading.Event(), threading.Event()
    embedder.hold(busy_texts, opened)  # the first transcript is done; the loader waits in the second
    embedder.hold(own - window - first, rest)
    loader = EngineLoader(build=engine, embedder_for=lambda _project: embedder)
    thread = start(loader, sample_project)
    try:
        assert embedder.waiting.wait(WAIT)
        assert loader.ready_for(infos[0].id) and not loader.ready_for(target.id)
        span = (segs[rows[-3]].start, segs[rows[-1]].end)
        loader.focus(target.id, *span)
        opened.set()
        assert poll(lambda: loader.ready_for(target.id, segs[rows[-1]].start, segs[rows[-1]].end))
        assert not (own - window - first) & set(embedder.embedded)  # before the rest of that transcript
        assert not loader.ready_for(target.id, segs[rows[0]].start, segs[rows[0]].end)
        with Project.open(sample_project) as project:
            assert loader.suggest(project, target.id, segs[rows[-1]].start, segs[rows[-1]].end)
        rest.set()
        thread.join(WAIT)
        assert not thread.is_alive() and all(loader.ready_for(t.id) for t in infos)
    finally:
        opened.set()
        rest.set()
        thread.join(WAIT)


def test_a_new_model_answers_where_its_vectors_exist_and_the_model_before_elsewhere(sample_project):
    old = HashingEmbedder(model_id="fake:old")
    new = GatedEmbedder(dim=256, model_id="fake:new")
    current = [old]
    loader = EngineLoader(build=engine, embedder_for=lambda _project: current[0])
    with Project.open(sample_project) as project:
        loader.prepare(project)
        infos = project.transcripts()
        target, other = infos[2], infos[0]
        assert loader.model_for(other.id) == "fake:old"
        own = {s.text for s in needed(project.segments(target.id))}
        rest = {s.text for t in infos if t.id != target.id for s in needed(project.segments(t.id))} - own
        old_reference = engine(HashingEmbedder(model_id="fake:old"))
        old_reference.prepare(project)
    gate = threading.Event()
    new.hold(rest, gate)
    current[0] = new  # an adapted model was adopted: the project's model changed
    loader.focus(target.id)
    generation = loader.generation
    thread = start(loader, sample_project)
    try:
        assert poll(lambda: loader.model_for(target.id) == "fake:new" and loader.ready_for(target.id))
        assert loader.generation > generation
        with Project.open(sample_project) as project:
            seg = next(s for s in project.segments(other.id) if s.role != "interviewer")
            # the other transcripts: still answered, by the model before on its own vectors
            assert loader.ready_for(other.id) and loader.model_for(other.id) == "fake:old"
            assert loader.suggest(project, other.id, seg.start, seg.end) == old_reference.suggest(
                project, other.id, seg.start, seg.end)
            session = CodingSession(project, other.id, loader, "tester")
            session.goto(session.index_at(seg.start))
            assert session.suggestions() and {s.model_id for s in session.suggestions()} == {"fake:old"}
            # the focused one: by the new model, whose vectors for it exist (and no vector of the old one)
            mine = next(s for s in project.segments(target.id) if s.role != "interviewer")
            new_reference = engine(HashingEmbedder(dim=256, model_id="fake:new"))
            new_reference.prepare(project, transcripts={target.id})
            assert loader.suggest(project, target.id, mine.start, mine.end) == new_reference.suggest(
                project, target.id, mine.start, mine.end)
            assert not rest & set(new.embedded)
            gate.set()
            thread.join(WAIT)
            assert not thread.is_alive()
            assert {loader.model_for(t.id) for t in infos} == {"fake:new"}
            assert {s.model_id for s in session.suggestions()} <= {"fake:new"}
            keys = [text_key(t) for t in own | rest]
            assert len(project.cached_vectors("fake:new", keys)) == len(set(keys))
    finally:
        gate.set()
        thread.join(WAIT)


def test_a_transcript_imported_later_joins_the_engine_at_hand_from_its_part_on_screen(sample_project):
    from codering.ingest import parse_text

    from test_tui_support import ROOT

    built: list[object] = []

    def build(embedder):
        built.append(embedder)
        return engine(embedder)

    embedder = GatedEmbedder()
    loader = EngineLoader(build=build, embedder_for=lambda _project: embedder)
    with Project.open(sample_project) as project:
        loader.prepare(project)
        source = sorted((ROOT / "transcripts").glob("*.txt"))[0].read_text(encoding="utf-8")
        project.import_transcript(parse_text(source.replace(".", " nu."), "later"), None)  # every sentence new
        tid = project.transcript_id("later")
        segs = project.segments(tid)
        rows = respondent_rows(segs)
        own = {s.text for s in needed(segs)} - set(embedder.embedded)  # its sentences not embedded before
        window = {segs[i].text for i in context_rows(segs, rows[:2])} & own
    rest = threading.Event()
    embedder.hold(own - window, rest)
    builds = len(built)
    loader.focus(tid, segs[rows[0]].start, segs[rows[1]].end)
    thread = start(loader, sample_project)  # what the app does after an import
    try:
        assert poll(lambda: loader.ready_for(tid, segs[rows[0]].start, segs[rows[0]].end))
        assert not (own - window) & set(embedder.embedded)
        assert len(built) == builds + 1  # the loader's own (unused) one: no engine was prepared for the part
        rest.set()
        thread.join(WAIT)
        assert not thread.is_alive() and all(loader.ready_for(t) for t in [tid])
    finally:
        rest.set()
        thread.join(WAIT)
