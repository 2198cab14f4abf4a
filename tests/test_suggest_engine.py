"""The suggestion engine with a fast fake embedder: learning, abstention, explanations, resuming."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from codering.codebook import parse_codebook
from codering.store import Project
from codering.suggest.base import Suggester, Suggestion
from codering.suggest.embed import HashingEmbedder, embed_cached, text_key
from codering.suggest.engine import EmbeddingSuggester
from codering.suggest.phrases import code_phrases
from codering.ingest import parse_text

CODEBOOK = """\
codebook:
  id: test
  name: Test
codes:
  - id: stim
    label: Stimulerende factoren
    codable: false
  - id: stim.praktisch
    parent: stim
    label: Praktisch
    description: Praktische zaken zoals nabijheid die samenwerking makkelijker maken.
  - id: stim.praktisch.nabijheid
    parent: stim.praktisch
    label: Nabijheid
    description: De partners zitten dicht bij elkaar, in hetzelfde gebouw of om de hoek.
    examples: ["We zitten in hetzelfde gebouw als de huisarts.", "De apotheek is hier om de hoek."]
  - id: stim.financieel
    parent: stim
    label: Financieel
    description: Geld, subsidies of gedeelde kosten die samenwerking mogelijk maken.
    examples: ["Dankzij de subsidie van de provincie konden we starten."]
  - id: rem
    label: Remmende factoren
    codable: false
  - id: rem.praktisch
    parent: rem
    label: Praktisch
    description: Praktische zaken zoals afstand en bereikbaarheid die samenwerking moeilijk maken.
    examples: ["Die dienst is telefonisch bijna niet bereikbaar."]
  - id: rem.organisatorisch
    parent: rem
    label: Organisatorisch
    description: Wachtlijsten, administratie en personeelswissels die samenwerking hinderen.
    examples: ["De wachtlijsten bij de psycholoog zijn maanden lang."]
  - id: fin
    label: Finaliteit
    codable: false
  - id: fin.doorverwijzen
    parent: fin
    label: Doorverwijzen
    description: Iemand naar een andere dienst of hulpverlener sturen.
    examples: ["Ik verwijs mensen door naar het CAW."]
"""

TRANSCRIPT = """\
interview_id: T-1

I: Met wie werkt u samen?

R: Ja, dat klopt. We zitten in hetzelfde gebouw als de huisarts. Ik verwijs mensen door naar het CAW.

I: Wat loopt er moeilijk?

R: De wachtlijsten bij de psycholoog zijn maanden lang. Die dienst is telefonisch bijna niet bereikbaar.

I: En de kosten?

R: We delen de huur van de zaal met de bibliotheek. We delen de kosten van het lokaal met de bibliotheek. \
De kosten van de zaal delen we met de bibliotheek en de school.

I: Nog iets?

R: Ja, dat klopt. We delen ook de kosten van de koffie met de bibliotheek. \
De kosten van de drank delen we ook met de bibliotheek.
"""


def make_project(tmp_path, text: str = TRANSCRIPT, name: str = "t1") -> Project:
    project = Project.create(tmp_path / "p.codering", parse_codebook(CODEBOOK))
    project.import_transcript(parse_text(text, name), None)
    return project


def segment(project: Project, text: str, transcript: str = "t1"):
    matches = [s for s in project.segments(transcript) if s.text == text]
    assert matches, f"no segment {text!r}"
    return matches[0]


@pytest.fixture
def project(tmp_path):
    with make_project(tmp_path) as proj:
        yield proj


@pytest.fixture
def engine(project):
    # The hashing fake is not the model the default gate was chosen for, and the test turns are
    # two or three sentences (the prior gate holds short turns back): test the mechanics at 0.4.
    eng = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False, gate=0.4)
    eng.prepare(project)
    return eng


def prob(engine, project, seg, code_id: str) -> float:
    scores = engine.score_span(project, "t1", seg.start, seg.end)
    return float(scores.prob[0, engine.heads.index(code_id)])


def test_implements_the_suggester_protocol(engine, project):
    assert isinstance(engine, EmbeddingSuggester)
    suggester: Suggester = engine  # type-level check that the protocol's names exist
    assert suggester.ready and suggester.model_id == "fake:hashing"
    seg = segment(project, "De wachtlijsten bij de psycholoog zijn maanden lang.")
    found = engine.suggest(project, "t1", seg.start, seg.end, k=3)
    assert found and all(isinstance(s, Suggestion) for s in found)
    assert len(found) <= 3
    assert all(0.0 <= s.score <= 1.0 for s in found)
    assert found == sorted(found, key=lambda s: -s.score)
    assert found[0].code_id == "rem.organisatorisch"


def test_not_ready_before_prepare_and_no_codes_for_the_interviewer(project):
    eng = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
    seg = segment(project, "Wat loopt er moeilijk?")
    assert not eng.ready
    assert eng.suggest(project, "t1", seg.start, seg.end) == []
    eng.prepare(project)
    assert eng.suggest(project, "t1", seg.start, seg.end) == []  # interviewer turns are never coded


def test_a_factor_is_suggested_and_counts_for_its_category(engine, project):
    seg = segment(project, "We zitten in hetzelfde gebouw als de huisarts.")
    found = engine.suggest(project, "t1", seg.start, seg.end)
    assert found[0].code_id == "stim.praktisch.nabijheid"


def test_unsure_engine_fills_the_list_with_alternatives_marked_unlikely(engine, project):
    seg = segment(project, "We zitten in hetzelfde gebouw als de huisarts.")
    scores = engine.score_span(project, "t1", seg.start, seg.end)
    prob = np.sort(scores.prob[0])[::-1]
    found = engine.suggest(project, "t1", seg.start, seg.end, k=9)
    likely = [s for s in found if s.likely]
    assert len(likely) == int((prob >= engine.min_score).sum())  # every likely family (up to k)
    assert len(found) == max(len(likely), engine.fill)  # alternatives only to reach ``fill``
    assert all(s.score < engine.min_score for s in found if not s.likely)
    assert found == sorted(found, key=lambda s: -s.score)
    strict = EmbeddingSuggester(embedder=engine.embedder, use_user_cache=False, gate=0.5, fill=0)
    strict.prepare(project)
    assert [s.code_id for s in strict.suggest(project, "t1", seg.start, seg.end, k=9)] == [s.code_id for s in likely]


def test_content_free_sentence_gets_no_suggestion(engine, project):
    seg = segment(project, "Ja, dat klopt.")
    assert engine.suggest(project, "t1", seg.start, seg.end) == []
    scores = engine.score_span(project, "t1", seg.start, seg.end)
    assert scores.p_any[0] < 0.5


def test_explanation_names_the_codebook_phrase_it_matched(engine, project):
    seg = segment(project, "De wachtlijsten bij de psycholoog zijn maanden lang.")
    top = engine.suggest(project, "t1", seg.start, seg.end)[0]
    assert top.source == "codebook"
    assert top.reason == 'past bij: "De wachtlijsten bij de psycholoog zijn maanden lang."'


def test_accepting_examples_raises_a_code_and_rejecting_lowers_it(engine, project):
    first = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    second = segment(project, "We delen de kosten van het lokaal met de bibliotheek.")
    target = segment(project, "We delen ook de kosten van de koffie met de bibliotheek.")
    before = prob(engine, project, target, "stim.financieel")
    for seg in (first, second):
        project.record_decision("t1", seg.start, seg.end, "stim.financieel", True, "tester")
        engine.observe(project)
    after_accepts = prob(engine, project, target, "stim.financieel")
    assert after_accepts > before + 0.05

    found = engine.suggest(project, "t1", target.start, target.end)
    assert found and found[0].code_id == "stim.financieel"
    assert found[0].source in ("example", "learned")
    assert found[0].reason.startswith('lijkt op: "We delen de')  # the nearest coded example, by name
    assert "(t1)" in found[0].reason

    third = segment(project, "De kosten van de zaal delen we met de bibliotheek en de school.")
    project.record_decision("t1", third.start, third.end, "stim.financieel", False, "tester")
    engine.observe(project)
    after_reject = prob(engine, project, target, "stim.financieel")
    assert after_reject < after_accepts


def test_rejected_code_is_not_suggested_again_for_that_segment(engine, project):
    seg = segment(project, "De wachtlijsten bij de psycholoog zijn maanden lang.")
    top = engine.suggest(project, "t1", seg.start, seg.end)[0]
    project.record_decision("t1", seg.start, seg.end, top.code_id, False, "tester")
    engine.observe(project)
    assert top.code_id not in [s.code_id for s in engine.suggest(project, "t1", seg.start, seg.end)]


def test_a_coded_sentence_makes_its_code_likelier_for_the_next_sentence_of_the_turn(engine, project):
    first = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    nxt = segment(project, "We delen de kosten van het lokaal met de bibliotheek.")
    other = engine.heads.index("rem.praktisch")
    before = engine.score_span(project, "t1", nxt.start, nxt.end).prob[0, other]
    project.add_coding("t1", first.start, first.end, "rem.praktisch", "tester")
    engine.observe(project)
    after = engine.score_span(project, "t1", nxt.start, nxt.end).prob[0, other]
    assert after > before


def test_a_sentence_opening_with_maar_turns_from_the_previous_code_towards_its_opposite(tmp_path):
    text = ("interview_id: T-2\n\nI: Hoe loopt het?\n\n"
            "R: We zitten in hetzelfde gebouw als de huisarts. De apotheek is hier om de hoek. "
            "Maar de dienst is telefonisch bijna niet bereikbaar.\n")
    with make_project(tmp_path, text, "t2") as project:
        eng = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False, gate=0.5)
        eng.prepare(project)
        segs = project.segments("t2")
        first, plain, turning = [s for s in segs if s.role == "respondent"]
        project.add_coding("t2", first.start, first.end, "stim.praktisch", "tester")
        project.add_coding("t2", plain.start, plain.end, "stim.praktisch", "tester")
        eng.observe(project)
        feats = eng._features[project.transcript_id("t2")]
        assert feats.contrast.tolist() == [False, False, False, True]  # the question, three sentences
        previous = eng._previous(project.transcript_id("t2"), [2, 3])
        assert previous.contrast.tolist() == [0.0, 1.0] and previous.state.tolist() == [1.0, 1.0]
        # The same evidence without the opening "Maar": the continuation weighs more.
        from codering.suggest.calibrate import Previous, code_features

        stim, rem = eng.heads.index("stim.praktisch"), eng.heads.index("rem.praktisch")
        z = np.zeros((2, len(eng.heads)))
        F = code_features(z, None, None, None, Previous(previous.runs[[1, 1]], previous.state[[1, 1]],
                                                        np.array([0.0, 1.0]), np.zeros(2)), eng._opposite)
        p = eng.calibrator.code_prob(F)
        assert p[1, stim] < p[0, stim] and p[1, rem] > p[0, rem]


def test_calibration_rows_see_the_sentence_before_as_coding_time_does(engine, project):
    first = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    second = segment(project, "We delen de kosten van het lokaal met de bibliotheek.")
    for seg in (first, second):
        project.add_coding("t1", seg.start, seg.end, "stim.financieel", "tester")
    engine.observe(project)
    examples = list(engine.learner.data.examples)
    assert len(examples) >= 3
    examples = examples[::-1]  # any order: rows come back in the examples' order
    grouped = engine._previous_examples(examples)
    one_by_one = [engine._previous(e.key[0], [e.key[1]]) for e in examples]
    for name in ("runs", "state", "contrast", "addition"):
        assert np.array_equal(getattr(grouped, name), np.concatenate([getattr(p, name) for p in one_by_one]))
    assert grouped.state.max() == 1.0 and grouped.runs.max() >= 1  # the second sentence follows a coded one


def test_the_next_sentence_of_the_turn_is_scored_with_it_and_never_with_its_own_label(engine, project):
    tid = project.transcript_id("t1")
    segs = project.segments("t1")
    feats = engine._features[tid]
    rows = [i for i, s in enumerate(segs) if s.role == "respondent"]
    nxt = engine._next_rows(tid, rows).tolist()
    for i, j in zip(rows, nxt):  # the next respondent sentence of the same turn, -1 at a turn's end
        assert j == (i + 1 if i + 1 < len(segs) and feats.turns[i + 1] == feats.turns[i] else -1)
    assert -1 in nxt and any(j >= 0 for j in nxt)
    first = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    second = segment(project, "We delen de kosten van het lokaal met de bibliotheek.")
    for seg in (first, second):
        project.record_decision("t1", seg.start, seg.end, "stim.financieel", True, "tester")
    engine.observe(project)
    data = engine.learner.data
    keys = [e.key for e in data.examples]
    row_first = keys.index((tid, segs.index(first)))
    row_second = keys.index((tid, segs.index(second)))
    # for calibration, the first sentence's "next" is the second's output without its own label, and its
    # vote without the first sentence's label (when the coder reached the first, neither was coded)
    gap, ridge, knn = engine._following_examples([data.examples[row_first]])
    loo_ridge, loo_knn = engine.learner.training_predictions(np.array([row_second]),
                                                             hide_from=np.array([segs.index(first)]))
    H = len(engine.heads)
    assert np.allclose(ridge[0], loo_ridge[0, :H]) and np.allclose(knn[0], loo_knn[0, :H])
    _, seen_knn = engine.learner.training_predictions(np.array([row_second]))
    fin = engine.heads.index("stim.financieel")
    assert seen_knn[0, fin] > knn[0, fin]  # the second's own vote does count the first, coded before it
    live_gap, live_ridge, _ = engine._following(tid, [segs.index(first)])
    assert not np.allclose(live_ridge[0], ridge[0])  # the fitted model has seen the second's label


def test_a_training_vote_counts_only_what_was_coded_before_it_in_the_interview(engine, project):
    """The calibrator learns from the k-NN vote as the coder meets it: coding in order, the sentences
    after this one in its interview are not coded yet (their labels would leak the passage's end)."""
    tid = project.transcript_id("t1")
    segs = project.segments("t1")
    first = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    second = segment(project, "We delen de kosten van het lokaal met de bibliotheek.")
    assert segs.index(first) < segs.index(second)
    for seg in (first, second):
        project.record_decision("t1", seg.start, seg.end, "stim.financieel", True, "tester")
    engine.observe(project)
    data = engine.learner.data
    keys = [e.key for e in data.examples]
    rows = np.array([keys.index((tid, segs.index(first))), keys.index((tid, segs.index(second)))])
    _, votes = engine.learner.training_predictions(rows)
    fin = engine.heads.index("stim.financieel")
    assert votes[0, fin] == 0.0  # the first: the second (later) is hidden, and nothing else is coded
    assert votes[1, fin] > 0.5  # the second: the first was coded before it


def test_opposite_families_pair_the_two_polarities_of_one_category():
    from codering.suggest.engine import opposites

    assert opposites(["stim.financieel", "rem.financieel", "stim.politiek", "ctx.netwerk"]).tolist() == [1, 0, -1, -1]


def test_contrastive_openers_are_found_after_fillers_and_not_inside_words():
    from codering.suggest.lexicon import opens_with_contrast

    assert opens_with_contrast("Maar dat geld is op.")
    assert opens_with_contrast("Ja, euh, toch is het gelukt.")
    assert opens_with_contrast("Jammer genoeg kwam er niemand.")
    assert not opens_with_contrast("Maarten van het OCMW belde.")
    assert not opens_with_contrast("We werken goed samen, maar niet altijd.")


def test_additive_openers_make_a_next_point():
    from codering.suggest.lexicon import opens_with_addition

    assert opens_with_addition("En de huisarts werkt ook mee.")
    assert opens_with_addition("Ja, euh, daarnaast is er het budget.")
    assert opens_with_addition("Een ander punt is de afstand.")
    assert not opens_with_addition("En toch is het gelukt.")  # contrast wins: a turn away, not a next point
    assert not opens_with_addition("Ende was het niet gemakkelijk.")
    assert not opens_with_addition("We doen dat ook samen.")


def test_suggest_and_observe_answer_for_every_segment(engine, project):
    """Speed is measured in benchmarks/suggest_speed.py; here: every call answers sensibly."""
    segs = [s for s in project.segments("t1") if s.role != "interviewer"]
    for s in segs:
        shown = engine.suggest(project, "t1", s.start, s.end)
        assert len(shown) <= 3
        assert all(0.0 <= x.score <= 1.0 and x.reason for x in shown)
    project.record_decision("t1", segs[1].start, segs[1].end, "stim.praktisch.nabijheid", True, "tester")
    engine.observe(project)
    assert all(x.code_id != "stim.praktisch.nabijheid"
               for x in engine.suggest(project, "t1", segs[1].start, segs[1].end))


def test_interrupted_embedding_resumes_without_embedding_anything_twice(tmp_path):
    long = "interview_id: T-2\n\n" + "\n\n".join(
        f"I: Vraag nummer {i}?\n\nR: Antwoord {i} over samenwerking met partner {i}. Nog een zin {i} over de wijk."
        for i in range(40)) + "\n"
    with make_project(tmp_path, long, "t2") as project:
        texts = {s.text for s in project.segments("t2")}
        first = HashingEmbedder()
        eng = EmbeddingSuggester(embedder=first, use_user_cache=False, chunk=25)
        # checked before each chunk: the codebook and two chunks of segments get done
        eng.prepare(project, cancelled=lambda: first.calls >= 3)
        assert not eng.ready
        segment_texts_done = first.texts_embedded - len(eng.zeroshot.phrases) - 12  # minus codebook + anchors
        assert segment_texts_done == 50

        second = HashingEmbedder()  # a new run, as after a restart
        eng2 = EmbeddingSuggester(embedder=second, use_user_cache=False, chunk=25)
        progress: list[tuple[str, int, int]] = []
        eng2.prepare(project, progress=lambda *a: progress.append(a))
        assert eng2.ready
        codebook_texts = len(eng2.zeroshot.phrases) + 12
        assert second.texts_embedded - codebook_texts == len(texts) - 50
        assert ("embedding segments", len(texts) - 50, len(texts) - 50) in progress

        third = HashingEmbedder()
        EmbeddingSuggester(embedder=third, use_user_cache=False).prepare(project)
        assert third.texts_embedded == codebook_texts  # every segment vector came from the project


def test_embed_cached_stores_vectors_under_the_model_and_text_hash(project):
    fake = HashingEmbedder(dim=64)
    vectors = embed_cached(fake, ["een", "twee", "een"], project=project)
    assert vectors.shape == (3, 64) and np.allclose(vectors[0], vectors[2])
    assert fake.texts_embedded == 2
    stored = project.cached_vectors("fake:hashing", [text_key("een"), text_key("twee")])
    assert set(stored) == {text_key("een"), text_key("twee")}
    assert embed_cached(fake, ["twee"], project=project).shape == (1, 64) and fake.texts_embedded == 2


def test_batch_suggest_command_stores_suggestions_and_resumes(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import codering.suggest.engine as engine_mod
    from codering.cli.suggest import suggest_command

    monkeypatch.setenv("CODERING_CACHE", str(tmp_path / "cache"))
    made: list[HashingEmbedder] = []

    class Interrupting(HashingEmbedder):
        fail_after: int | None = None

        def encode(self, texts):
            if self.fail_after is not None and self.calls >= self.fail_after:
                raise KeyboardInterrupt  # Ctrl-C in the middle of embedding
            return super().encode(texts)

    def factory(name=None, **_kw):
        made.append(Interrupting(model_id=name))
        return made[-1]

    monkeypatch.setattr(engine_mod, "SentenceTransformerEmbedder", factory)
    monkeypatch.setattr(engine_mod, "CHUNK", 4)

    class State:
        project_path = "p.codering"

        def __init__(self, proj):
            self._project = proj

        def project(self):
            return self._project

    with make_project(tmp_path) as project:
        project.set_setting("model", "fake:hashing")
        segment_texts = {s.text for s in project.segments("t1")}
        Interrupting.fail_after = 2  # the codebook, one chunk of 4 segments, then Ctrl-C
        result = CliRunner().invoke(suggest_command, [], obj=State(project))
        assert result.exit_code != 0  # click turns Ctrl-C into "Aborted!"
        assert made[0].model_id == "fake:hashing"
        assert project.stored_suggestions("t1") == []

        Interrupting.fail_after = None
        result = CliRunner().invoke(suggest_command, ["t1"], obj=State(project))
        assert result.exit_code == 0, result.output
        # the codebook came from the per-user cache, the first 4 segments from the project
        # (sentences identical to a codebook example were never embedded separately)
        codebook_texts = {p.text for p in code_phrases(project.codebook())}
        assert made[1].texts_embedded == len(segment_texts - codebook_texts) - 4
        rows = project.stored_suggestions("t1")
        assert rows and {r[6] for r in rows} == {"fake:hashing"}
        assert "Stored suggestions for" in result.output
        gebouw = segment(project, "We zitten in hetzelfde gebouw als de huisarts.")
        assert any(r[0] == gebouw.start and r[2] == "stim.praktisch.nabijheid" and r[3] == 0 for r in rows)

        result = CliRunner().invoke(suggest_command, ["nope"], obj=State(project))
        assert result.exit_code == 2 and "no transcript named 'nope'" in result.output


def test_importing_the_cli_stays_light():
    code = ("import sys, codering.cli.suggest, codering.suggest.base; "
            "print(','.join(m for m in ('torch', 'sentence_transformers', 'sklearn', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_model_commands_show_and_set_the_projects_model(project, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from codering.cli.suggest import model_command
    from codering.suggest.model import DEFAULT_MODEL

    monkeypatch.setenv("CODERING_CACHE", str(tmp_path / "cache"))

    class State:
        project_path = "p.codering"

        def project(self):
            return project

    result = CliRunner().invoke(model_command, ["info"], obj=State())
    assert result.exit_code == 0 and DEFAULT_MODEL in result.output and "not built yet" in result.output
    folder = tmp_path / "my-model"
    folder.mkdir()
    result = CliRunner().invoke(model_command, ["use", str(folder)], obj=State())
    assert result.exit_code == 0, result.output
    assert project.setting("model") == str(folder)
    engine = EmbeddingSuggester(use_user_cache=False)
    assert engine.model_id == DEFAULT_MODEL  # until it is prepared on the project
    result = CliRunner().invoke(model_command, ["use", "x"], obj=None)
    assert result.exit_code == 2


def test_a_new_code_in_the_codebook_is_suggested_after_observe(engine, project):
    from codering.codebook import Code

    seg = segment(project, "We delen de huur van de zaal met de bibliotheek.")
    project.update_code(Code("ctx.bib", "Bibliotheek", parent=None,
                             description="Samenwerking met de bibliotheek rond de zaal en de huur.",
                             examples=("We delen de huur van de zaal met de bibliotheek.",)), "tester")
    engine.observe(project)
    assert "ctx.bib" in engine.heads
    scores = engine.score_span(project, "t1", seg.start, seg.end)
    assert engine.heads[int(np.argmax(scores.prob[0]))] == "ctx.bib"


def test_observe_learns_step_by_step_what_a_fresh_engine_learns_at_once(project):
    """observe only rereads and refits what changed; after accepts, rejects, codings, undo, redo, a
    removed transcript and a write from another connection it agrees with an engine built from scratch."""
    project.import_transcript(parse_text(TRANSCRIPT.replace("T-1", "T-2"), "t2"), None)
    engine = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
    engine.prepare(project)
    segs = {t: [s for s in project.segments(t) if s.role != "interviewer"] for t in ("t1", "t2")}

    def agrees(scores: bool = True) -> None:
        fresh = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
        fresh.prepare(project)
        mine, theirs = engine.learner, fresh.learner
        assert mine.trained == theirs.trained
        if not theirs.trained:
            return
        assert [e.key for e in mine.data.examples] == [e.key for e in theirs.data.examples]
        assert np.array_equal(mine.data.Y, theirs.data.Y) and np.array_equal(mine.data.X, theirs.data.X)
        assert mine.data.member_pos == theirs.data.member_pos
        assert np.allclose(mine.ridge.W, theirs.ridge.W, atol=1e-6)
        assert np.allclose(mine.ridge.inverse, theirs.ridge.inverse, atol=1e-6)
        assert engine._coded == fresh._coded and engine._rejected == fresh._rejected
        assert engine._reviewed == fresh._reviewed and engine._head_level == fresh._head_level
        if not scores:  # a removed transcript still counts in the corpus statistics of the zero-shot scores
            return
        for t in ("t1", "t2"):
            for s in segs[t]:
                a, b = engine.score_span(project, t, s.start, s.end), fresh.score_span(project, t, s.start, s.end)
                assert np.allclose(a.prob, b.prob, atol=1e-6)

    def step(action, scores: bool = True) -> None:
        action()
        engine.observe(project)
        agrees(scores)

    step(lambda: project.record_decision("t1", segs["t1"][1].start, segs["t1"][1].end,
                                         "stim.praktisch.nabijheid", True, "tester"))
    step(lambda: project.record_decision("t2", segs["t2"][3].start, segs["t2"][3].end, "rem.praktisch", False, "x"))
    step(lambda: project.add_coding("t2", segs["t2"][5].start, segs["t2"][5].end, "stim.financieel", "tester"))
    step(lambda: project.add_coding("t1", segs["t1"][0].start, segs["t1"][2].end, "fin.doorverwijzen", "tester"))
    step(project.undo)
    step(project.undo)
    step(project.redo)
    step(lambda: project.remove_coding(project.codings("t2")[0].id))

    def elsewhere() -> None:
        with Project.open(project.path) as other:
            other.add_coding("t1", segs["t1"][6].start, segs["t1"][6].end, "stim.financieel", "colleague")
    step(elsewhere)
    step(lambda: project.remove_transcript("t2"), scores=False)
    step(project.undo, scores=False)  # the colleague's coding (the journal is the project's)


TWO_FACTORS = CODEBOOK.replace('''    examples: ["We zitten in hetzelfde gebouw als de huisarts.", "De apotheek is hier om de hoek."]
''', '''    examples: ["We zitten in hetzelfde gebouw als de huisarts.", "De apotheek is hier om de hoek."]
  - id: stim.praktisch.bereikbaarheid
    parent: stim.praktisch
    label: Bereikbaarheid
    description: De partners zijn telefonisch of per mail goed te bereiken.
    examples: ["Je krijgt haar altijd meteen aan de lijn."]
''')


def test_a_passage_goes_on_with_the_factor_the_coder_gave_it_and_says_so(tmp_path):
    text = ("interview_id: T-3\n\nI: Hoe loopt het?\n\n"
            "R: We zitten in hetzelfde gebouw als de huisarts. De apotheek is hier om de hoek.\n\n"
            "I: En verder?\n\n"
            "R: De apotheek is hier om de hoek.\n")
    project = Project.create(tmp_path / "p.codering", parse_codebook(TWO_FACTORS))
    project.import_transcript(parse_text(text, "t3"), None)
    with project:
        eng = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False, gate=0.0)
        eng.prepare(project)
        first, second, alone = [s for s in project.segments("t3") if s.role == "respondent"]

        def shown(seg):
            return {s.code_id: s for s in eng.suggest(project, "t3", seg.start, seg.end, k=5)}

        # the codebook's examples make Nabijheid the factor these sentences fit
        assert "stim.praktisch.nabijheid" in shown(second) and "stim.praktisch.bereikbaarheid" not in shown(second)
        # the coder calls the first sentence Bereikbaarheid: the passage goes on with it, and the reason says why
        project.add_coding("t3", first.start, first.end, "stim.praktisch.bereikbaarheid", "tester")
        eng.observe(project)
        after = shown(second)
        assert "stim.praktisch.nabijheid" not in after
        assert after["stim.praktisch.bereikbaarheid"].reason == "de vorige zin heeft deze code"
        assert after["stim.praktisch.bereikbaarheid"].source == "passage"
        # the same sentence in a turn of its own carries nothing over: the factor that fits it
        assert "stim.praktisch.nabijheid" in shown(alone)
        assert all(s.source != "passage" for s in shown(alone).values())


def test_prepare_imports_what_the_first_decision_needs(tmp_path, small_codebook):
    """The UI prepares the engine in a worker thread; the first decision's calibration imported
    scikit-learn's metrics (1.2 s, scipy with it) on the event loop, and the first key of every session
    froze for 1-2 s. ``prepare`` imports them now."""
    from codering.ingest import parse_text

    path = tmp_path / "p.codering"
    with Project.create(path, small_codebook) as project:
        project.import_transcript(parse_text("I: Hoe gaat het?\n\nR: We zitten in hetzelfde gebouw.", "t"), "t.txt")
    child = ("import sys\n"
             "from codering.store import Project\n"
             "from codering.suggest.embed import HashingEmbedder\n"
             "from codering.suggest.engine import EmbeddingSuggester\n"
             "with Project.open(sys.argv[1]) as project:\n"
             "    before = 'sklearn.metrics' in sys.modules\n"
             "    EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False).prepare(project)\n"
             "    print(before, 'sklearn.metrics' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", child, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
