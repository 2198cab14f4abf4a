"""Sentences the coding screen's cursor jumped over are not "passed over" (no code) for the engine.

The engine takes every sentence before the last one a coder touched as reviewed without a code, since
researchers walk a transcript in order. A jump (``n``, ``N``, ``]``, page down, a sentence opened from
another screen) made every sentence it passed such a "no code" answer, which the coder never gave: the
gate and the code models learned from answers nobody gave, and the more a coder jumped to the sentences
with a suggestion, the surer the engine became of its silence elsewhere. The interview is written for
this test; the engine runs on the fast fake embedder (the real one is tested elsewhere).
"""

from __future__ import annotations

from test_tui_support import sample_project, sample_template, sync  # noqa: F401 - fixtures

from codering.codebook import default_codebook_path, load_codebook
from codering.coding.session import CodingSession
from codering.ingest import parse_text
from codering.store import Project
from codering.suggest.embed import HashingEmbedder
from codering.suggest.engine import EmbeddingSuggester

INTERVIEW = """\
interview_id: S
locatie: Hasselt

I: Hoe werkt u samen met de buurt?

R: We hebben een wijkoverleg elke maand. Daar komt de wijkagent ook. Het is meestal gezellig.

I: En de financiering?

R: Het project loopt op een subsidie van de provincie. Die stopt volgend jaar. Dan moeten we iets anders zoeken.

I: Nog iets?

R: De koffie is er altijd goed. Mijn collega gaat binnenkort met pensioen.
"""


def _project(tmp_path) -> tuple[Project, int]:
    project = Project.create(tmp_path / "s.codering", load_codebook(default_codebook_path()))
    project.import_transcript(parse_text(INTERVIEW, "s_wijk"), "s_wijk.txt")
    project.close()
    project = Project.open(tmp_path / "s.codering", "ann")  # the engine learns from ann's own work
    return project, project.transcript_id("s_wijk")


def _index(session: CodingSession, words: str) -> int:
    return next(i for i, s in enumerate(session.segments) if words in s.text)


def _reviewed(engine: EmbeddingSuggester, project: Project) -> list[str]:
    engine.observe(project)
    return [e.text for e in engine.learner.data.examples]


def test_a_jump_forward_leaves_what_it_passed_out_of_the_passed_over_sentences(tmp_path):
    project, tid = _project(tmp_path)
    engine = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
    engine.prepare(project)
    session = CodingSession(project, tid, engine, "ann")
    assert session.current.text == "We hebben een wijkoverleg elke maand."
    session.move(1)  # read the second sentence
    session.goto(_index(session, "Die stopt"))  # a jump: "Het is meestal gezellig." and "Het project..." passed
    session.apply("rem.financieel")
    skipped = project.setting(f"tui.skipped.ann.{tid}")
    content = project.content(tid)
    assert [content[int(a):int(b)] for a, b in (span.split("-") for span in skipped.split(","))] == \
        ["Het is meestal gezellig.", "Het project loopt op een subsidie van de provincie."]
    assert _reviewed(engine, project) == ["We hebben een wijkoverleg elke maand.", "Daar komt de wijkagent ook.",
                                          "Die stopt volgend jaar."]
    # going back onto a skipped sentence reads it: passed over from the next decision on
    session.goto(_index(session, "Het project loopt"))
    session.goto(_index(session, "Dan moeten"))
    session.apply("rem.financieel")
    assert _reviewed(engine, project) == ["We hebben een wijkoverleg elke maand.", "Daar komt de wijkagent ook.",
                                          "Het project loopt op een subsidie van de provincie.",
                                          "Die stopt volgend jaar.", "Dan moeten we iets anders zoeken."]
    session.save_position()
    # found again in a new session (after a restart): still skipped, and the cursor's first place jumps
    # over nothing
    again = CodingSession(project, tid, engine, "ann")
    assert again.skipped == {_index(again, "meestal gezellig")}
    # a selection stretched over a skipped sentence reads it too
    again.goto(_index(again, "wijkagent"))
    assert again.extend() and again.skipped == set()
    again.save_position()
    assert project.setting(f"tui.skipped.ann.{tid}") == ""


def test_walking_in_order_and_coding_from_the_command_line_keep_the_rule(tmp_path):
    """Moving sentence by sentence skips nothing; codings without the coding screen (the command line, an
    import) keep "everything before the last touched sentence is passed over"; another coder's jumps are
    theirs."""
    project, tid = _project(tmp_path)
    engine = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
    engine.prepare(project)
    session = CodingSession(project, tid, engine, "bob")  # bob jumps; ann's learning does not see it
    session.goto(_index(session, "Die stopt"))
    session.save_position()
    assert project.setting(f"tui.skipped.bob.{tid}")
    walk = CodingSession(project, tid, engine, "ann")
    while "Die stopt" not in walk.current.text:
        assert walk.move(1)
    walk.apply("rem.financieel")
    assert project.setting(f"tui.skipped.ann.{tid}") is None  # nothing to write down
    assert len(_reviewed(engine, project)) == 5  # the five sentences up to the coded one
    seg = next(s for s in project.segments(tid) if "Dan moeten" in s.text)
    project.add_coding(tid, seg.start, seg.end, "rem.financieel", "ann")  # from the command line
    assert len(_reviewed(engine, project)) == 6


def test_an_adaptation_round_leaves_skipped_sentences_out_of_its_negatives(tmp_path):
    from codering.suggest.adapt import collect

    project, tid = _project(tmp_path)
    session = CodingSession(project, tid, None, "ann")
    session.goto(_index(session, "Die stopt"))
    session.apply("rem.financieel")
    texts = [s.text for s in collect(project).sentences]
    assert texts == ["We hebben een wijkoverleg elke maand.", "Die stopt volgend jaar."]


@sync
async def test_on_the_screen_a_turn_jump_is_written_down_before_the_engine_learns(sample_project):
    """The real app, driven by Pilot: `]` jumps to the next turn, a code by search; the sentences of the
    first turn the cursor never stood on are in the setting when the decision is made."""
    from test_tui_app import open_first

    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(110, 30)) as pilot:
        screen = await open_first(app, pilot)
        session = screen.session
        start = session.first
        turn = session.segments[start].turn
        passed = [i for i in range(start + 1, len(session.segments))
                  if session.segments[i].turn == turn and session.visitable(i)]
        await pilot.press("right_square_bracket")
        await pilot.pause()
        await pilot.press("slash", *"nabijheid", "enter")
        await pilot.pause()
        tid, landed = session.tid, session.first
    assert passed  # the first answer has more than one sentence
    with Project.open(sample_project) as project:
        segments = project.segments(tid)
        spans = project.setting(f"tui.skipped.tester.{tid}").split(",")
        assert spans == [f"{segments[passed[0]].start}-{segments[passed[-1]].end}"]
        assert [c.start for c in project.codings(tid)] == [segments[landed].start]
