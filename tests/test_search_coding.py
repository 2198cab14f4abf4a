"""Coding the hits of a text search (NVivo's "code the results", ATLAS.ti's auto-coding): the store's new
origin ``search`` and its migration on both engines, ``codering search --code-as`` through the real command,
what the engine and agreement make of such codings, and ``c`` on the find screen under Pilot.

The interviews are written for these tests."""

from __future__ import annotations

import sqlite3

import pytest

from codering.coding.textsearch import (MAX_HITS, HitCodingError, code_hits, plan_hit_coding, search_project)
from codering.ingest import parse_text

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

GENT = """\
interview_id: W-01
locatie: Gent

I: Hoe gaat het met de wachtlijsten?

R: De wachtlijst bij het CAW is lang. We zitten wel in hetzelfde gebouw. Dat helpt.

I: En verder?

R: Het weer is mooi. De wachtlijsten voor thuiszorg groeien. Mijn dochter studeert.

R: Niemand klaagt over de wachtlijst van de huisarts.
"""

AALST = """\
interview_id: W-02
locatie: Aalst

R: Een wachtlijst hebben we niet. De koffie is goed.
"""

HITS = ["De wachtlijst bij het CAW is lang.", "De wachtlijsten voor thuiszorg groeien.",
        "Niemand klaagt over de wachtlijst van de huisarts.", "Een wachtlijst hebben we niet."]


@pytest.fixture
def searched(project):
    project.import_transcript(parse_text(GENT, "w01_gent"), None)
    project.import_transcript(parse_text(AALST, "w02_aalst"), None)
    return project


def _segment(project, name: str, text: str):
    return next(s for s in project.segments(name) if s.text == text)


def _mine(project, coder: str, origin: str = "search") -> list[str]:
    return [c.text for c in project.codings(coder=coder) if c.origin == origin]


# -- the domain: plan, code, undo (both engines) ----------------------------------------------------------
def test_coding_the_hits_is_one_action_that_one_undo_takes_back(searched):
    p = searched
    caw = _segment(p, "w01_gent", HITS[0])
    p.add_coding("w01_gent", caw.start, caw.end, "stim.praktisch.nabijheid", "ann")  # a child: counts for it
    groei = _segment(p, "w01_gent", HITS[1])
    p.add_coding("w01_gent", groei.start, groei.end, "stim.praktisch", "bert")  # another coder's: does not count
    hits = search_project(p, "wachtlijst*")
    assert [h.text for h in hits] == HITS  # respondent sentences only

    chosen = plan_hit_coding(p, hits, "stim.praktisch", "ann")
    assert [h.text for h in chosen.todo] == HITS[1:] and [h.text for h in chosen.already] == [HITS[0]]
    assert chosen.transcripts == 2 and chosen.label == "Praktische (Stimulerende factoren)"
    journal_before = p._conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
    assert code_hits(p, chosen, "ann", "wachtlijst*") == 3
    assert p._conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == journal_before + 1  # one action
    assert _mine(p, "ann") == HITS[1:]
    assert {(c.code_id, c.coder) for c in p.codings(coder="ann") if c.origin == "search"} == {("stim.praktisch", "ann")}
    assert p.stats()["search_codings"] == 3

    again = plan_hit_coding(p, search_project(p, "wachtlijst*"), "stim.praktisch", "ann")
    assert again.todo == () and len(again.already) == 4

    assert p.undo("ann") == "code 3 search hits of 'wachtlijst*' with stim.praktisch"
    assert _mine(p, "ann") == [] and _mine(p, "ann", "manual") == [HITS[0]] and _mine(p, "bert", "manual") == [HITS[1]]
    assert p.redo("ann") is not None and _mine(p, "ann") == HITS[1:]


def test_a_code_that_cannot_be_applied_is_refused_in_one_line(searched):
    p = searched
    hits = search_project(p, "wachtlijst*")
    with pytest.raises(HitCodingError) as unknown:
        plan_hit_coding(p, hits, "stim.wachtlijst", "ann")
    assert str(unknown.value) == "no code 'stim.wachtlijst' in the codebook"
    with pytest.raises(HitCodingError) as folder:
        plan_hit_coding(p, hits, "stim", "ann")  # codable: false in the codebook
    assert "category that cannot be applied" in str(folder.value) and "stim.praktisch" in str(folder.value)
    assert "map" in folder.value.dutch
    p.merge_codes("stim.praktisch.nabijheid", "stim.praktisch", "ann")
    with pytest.raises(HitCodingError) as merged:
        plan_hit_coding(p, hits, "stim.praktisch.nabijheid", "ann")
    assert "merged into stim.praktisch" in str(merged.value) and "\n" not in str(merged.value)
    assert p.codings() == []


# -- the command line (both engines, the real command in a subprocess) -----------------------------------
def test_search_code_as_codes_reports_and_undoes_through_the_command(searched, project_location):
    from conftest import run_cli

    where = str(project_location)

    def cli(*args: str):
        return run_cli("-p", where, *args, env={"CODERING_CODER": "ann"})

    folder = cli("search", "wachtlijst*", "--code-as", "stim")
    assert folder.returncode == 1 and folder.stderr.strip().count("\n") == 0 and "cannot be applied" in folder.stderr
    unknown = cli("search", "wachtlijst*", "--code-as", "nope")
    assert unknown.returncode == 1 and unknown.stderr.strip() == "codering: error: no code 'nope' in the codebook"
    alone = cli("search", "wachtlijst*", "--dry-run")
    assert alone.returncode == 2 and "--code-as" in alone.stderr

    dry = cli("search", "wachtlijst*", "--code-as", "stim.praktisch", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert [line.split("\t")[3] for line in dry.stdout.splitlines()[:-1]] == [
        "De «wachtlijst» bij het CAW is lang.", "De «wachtlijsten» voor thuiszorg groeien.",
        "Niemand klaagt over de «wachtlijst» van de huisarts.", "Een «wachtlijst» hebben we niet."]
    assert dry.stdout.splitlines()[-1] == ("Would code 4 sentences in 2 transcripts with Praktische (Stimulerende "
                                           "factoren); nothing was coded (--dry-run).")
    assert "\tsearch\t" not in cli("codings", "--format", "tsv").stdout

    gent = cli("search", "wachtlijst*", "--where", "locatie=Gent", "--code-as", "stim.praktisch")
    assert gent.returncode == 0, gent.stderr
    assert gent.stdout == ("Coded 3 sentences in 1 transcript with Praktische (Stimulerende factoren). "
                           "`codering undo` takes it back.\n")
    done = cli("search", "wachtlijst*", "--code-as", "stim.praktisch")
    assert done.stdout == ("Coded 1 sentence in 1 transcript with Praktische (Stimulerende factoren) (3 already had "
                           "it). `codering undo` takes it back.\n")
    nothing = cli("search", "wachtlijst*", "--code-as", "stim.praktisch")
    assert nothing.returncode == 0 and "all 4 sentences found already had it" in nothing.stdout
    for_bert = cli("search", "wachtlijst*", "--code-as", "stim.praktisch", "--coder", "bert")  # bert's own
    assert for_bert.stdout.startswith("Coded 4 sentences in 2 transcripts")

    tsv = cli("codings", "--format", "tsv").stdout.splitlines()
    rows = [line.split("\t") for line in tsv[1:]]
    assert sorted((r[5], r[6]) for r in rows) == [("ann", "search")] * 4 + [("bert", "search")] * 4
    undone = cli("undo")
    assert undone.stdout == "Undone: code 1 search hit of 'wachtlijst*' with stim.praktisch\n"
    assert cli("undo").stdout == "Undone: code 3 search hits of 'wachtlijst*' with stim.praktisch\n"
    rows = [line.split("\t") for line in cli("codings", "--format", "tsv").stdout.splitlines()[1:]]
    assert [r[5] for r in rows] == ["bert"] * 4  # bert's action is bert's to undo


def test_more_hits_than_the_limit_need_yes(project, project_location):
    from conftest import run_cli

    many = "interview_id: W-03\n\n" + "".join(f"R: De wachtlijst groeit in week {n}.\n\n" for n in range(MAX_HITS + 1))
    project.import_transcript(parse_text(many, "w03_veel"), None)
    refused = run_cli("-p", str(project_location), "search", "wachtlijst", "--code-as", "rem.praktisch")
    assert refused.returncode == 1 and refused.stderr.strip().count("\n") == 0
    assert f"201 sentences to code with rem.praktisch (more than {MAX_HITS})" in refused.stderr
    assert "--yes" in refused.stderr and project.codings() == []
    coded = run_cli("-p", str(project_location), "search", "wachtlijst", "--code-as", "rem.praktisch", "--yes")
    assert coded.returncode == 0 and coded.stdout.startswith("Coded 201 sentences in 1 transcript with Praktische")
    assert len(project.codings()) == 201


# -- the schema: migration 5 on both engines --------------------------------------------------------------
def test_an_older_project_file_takes_search_codings_after_the_upgrade_and_ids_stay_unused(tmp_path):
    from codering.store import Project
    from codering.store.connection import _statements
    from codering.store.migrations import APPLICATION_ID, MIGRATIONS

    path = tmp_path / "v4.codering"
    conn = sqlite3.connect(path, isolation_level=None)
    for _number, _name, sql in MIGRATIONS[:4]:
        for statement in _statements(sql):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 4")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO codes (id, label, position) VALUES ('stim', 'Stimulans', 0)")
    conn.execute("INSERT INTO transcripts (id, name, content, content_hash, source_format, imported_at, position) "
                 "VALUES (1, 't1', 'Ik werk graag dicht bij de huisarts.', 'h', 'txt', '2026-01-01', 0)")
    for start in (0, 5, 9):
        conn.execute("INSERT INTO codings (transcript_id, start, end, code_id, coder, origin, text, created) "
                     "VALUES (1, ?, ?, 'stim', 'ann', 'manual', 'x', '2026-01-01')", (start, start + 3))
    conn.execute("DELETE FROM codings WHERE id = 3")  # an id handed out and freed (an undo)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO codings (transcript_id, start, end, code_id, coder, origin, text, created) "
                     "VALUES (1, 0, 3, 'stim', 'ann', 'search', 'x', '2026-01-01')")
    conn.close()
    with Project.open(path, coder="ann") as p:
        assert p.stats()["schema_version"] == 5
        assert [c.id for c in p.codings()] == [1, 2]
        new = p.add_coding("t1", 13, 20, "stim", "ann", origin="search")
        assert new == 4  # not 3: freed ids are never handed out again
        with pytest.raises(Exception, match="CHECK"):
            p._conn.execute("INSERT INTO codings (transcript_id, start, end, code_id, coder, origin, text, created) "
                            "VALUES (1, 0, 3, 'stim', 'ann', 'guess', 'x', '2026-01-01')")
        assert p.integrity_ok()


def test_a_server_project_of_schema_4_takes_search_codings_after_the_upgrade(pg_project, monkeypatch,
                                                                            small_codebook):
    import codering.store.connection as connection
    import codering.store.project as project_module
    from codering.store import Project
    from codering.store.migrations import MIGRATIONS

    url = pg_project("v4_search")
    with monkeypatch.context() as m:  # a project as the codering before this change made it
        m.setattr(connection, "MIGRATIONS", MIGRATIONS[:4])
        m.setattr(connection, "SCHEMA_VERSION", 4)
        m.setattr(project_module, "SCHEMA_VERSION", 4)
        with Project.create(url, small_codebook) as p:
            p.import_transcript(parse_text(AALST, "w02_aalst"), None)
            seg = p.segments("w02_aalst")[0]
            first = p.add_coding("w02_aalst", seg.start, seg.end, "rem.praktisch", "ann")
            with pytest.raises(Exception, match="origin_check"):  # the schema refused it then
                p.add_coding("w02_aalst", seg.start, seg.end, "stim.praktisch", "ann", origin="search")
    with Project.open(url, coder="ann") as p:
        assert p.stats()["schema_version"] == 5
        hits = search_project(p, "wachtlijst")
        assert code_hits(p, plan_hit_coding(p, hits, "stim.praktisch", "ann"), "ann", "wachtlijst") == 1
        assert [(c.id > first, c.origin) for c in p.codings() if c.code_id == "stim.praktisch"] == [(True, "search")]
        with pytest.raises(Exception, match="codings_origin_check"):
            with p.transaction("ann") as conn:
                conn.execute("UPDATE codings SET origin = 'guess' WHERE id = ?", (first,))


# -- what the engine and agreement make of search codings ------------------------------------------------
LONG = "interview_id: W-04\n\nI: Hoe werkt u samen?\n\n" + "".join(
    f"R: {text}\n\n" for text in [
        "We werken samen met de huisarts.", "Het overleg loopt goed.", "We zitten in hetzelfde gebouw.",
        "De koffie is lekker.", "Mijn dochter studeert in Gent.", "Het weer was slecht.",
        "De wachtlijst bij de thuiszorg is lang.", "Op vrijdag sluiten we vroeg.",
        "De buurtwerker komt elke week langs."])


def test_the_engine_learns_a_search_coding_only_where_the_coder_reviewed_and_passes_nothing_over(tmp_path,
                                                                                                 small_codebook):
    from codering.store import Project
    from codering.suggest.adapt import collect, event_count
    from codering.suggest.embed import HashingEmbedder
    from codering.suggest.engine import EmbeddingSuggester

    with Project.create(tmp_path / "leer.codering", small_codebook) as p:
        p.import_transcript(parse_text(LONG, "w04_lang"), None)
    with Project.open(tmp_path / "leer.codering", coder="ann") as p:
        segs = [s for s in p.segments("w04_lang") if s.role != "interviewer"]
        tid = segs[0].transcript_id
        key = {s.text: (tid, s.index) for s in segs}
        wacht = "De wachtlijst bij de thuiszorg is lang."
        code_hits(p, plan_hit_coding(p, search_project(p, "wachtlijst"), "rem.praktisch", "ann"), "ann", "wachtlijst")
        assert event_count(p) == 0  # one key, not a coder's decisions: no adaptation round for it
        engine = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)
        engine.prepare(p)
        # the code is on the sentence, but nothing was reviewed: the six sentences before it are not "no code"
        assert engine._reviewed == set() and key[wacht] in engine._coded
        assert collect(p).sentences == []

        gebouw = segs[2]
        p.add_coding("w04_lang", gebouw.start, gebouw.end, "stim.praktisch.nabijheid", "ann")  # the coder's own work
        engine.observe(p)
        assert engine._reviewed == {key[s.text] for s in segs[:3]}  # up to the coder's own coding, not the hit
        assert [s.key for s in collect(p).sentences] == [key[s.text] for s in segs[:3]]

        later = segs[8]
        p.add_coding("w04_lang", later.start, later.end, "fin.doorverwijzen", "ann")  # the coder read on past it
        engine.observe(p)
        assert key[wacht] in engine._reviewed  # now a reviewed positive for its family
        learned = {s.key: s for s in collect(p).sentences}
        assert learned[key[wacht]].families == frozenset({"rem.praktisch"})
        assert learned[key["Op vrijdag sluiten we vroeg."]].families == frozenset()


def test_agreement_does_not_read_search_codings_as_how_far_a_coder_got(searched):
    from codering.collab.agreement import unit_matrix

    p = searched
    gent = [s for s in p.segments("w01_gent") if s.role != "interviewer"]
    first, last = gent[0], gent[-1]
    for seg in gent:  # bert worked through all of Gent on the coding screen
        p.record_decision("w01_gent", seg.start, seg.end, "stim.praktisch", seg is first, "bert")
    p.record_decision("w01_gent", first.start, first.end, "stim.praktisch", True, "ann")  # ann: the first only
    code_hits(p, plan_hit_coding(p, search_project(p, "wachtlijst*"), "rem.praktisch", "ann"), "ann", "wachtlijst*")
    aalst = p.segments("w02_aalst")[0]
    p.record_decision("w02_aalst", aalst.start, aalst.end, "stim.praktisch", True, "bert")
    matrix = unit_matrix(p, ["ann", "bert"])
    # Gent: compared up to ann's decision, not up to her search coding on its last sentence
    assert [u.text for u in matrix.units] == [first.text]
    assert [(r.transcript, r.coders) for r in matrix.reaches] == [("w01_gent", ("ann",))]
    assert last.text == HITS[2]
    # Aalst: ann's only codings there came from the search, with nothing read: left out, as if not coded
    assert matrix.left_out == ["w02_aalst"]


# -- the find screen (the real app under Pilot) -----------------------------------------------------------
def test_c_on_the_find_screen_codes_every_hit_after_a_confirm_and_u_takes_it_back(tmp_path, monkeypatch):
    from test_tui_support import sync

    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.dialogs import ChoiceDialog, CodePicker
    from codering.tui.screens.find import FindScreen
    from codering.tui.widgets.status import StatusLine

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "zoek.codering"
    with Project.create(path, load_codebook(default_codebook_path())) as project:
        project.import_transcript(parse_text(GENT, "w01_gent"), None)
        project.import_transcript(parse_text(AALST, "w02_aalst"), None)

    async def ready(app, pilot) -> None:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()

    @sync
    async def run():
        app = make_app(path, suggester=KeywordSuggester(), coder="tester")
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(app, pilot)
            await pilot.press("z")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, FindScreen)
            for key in ["w", "a", "c", "h", "t", "l", "i", "j", "s", "t", "asterisk", "enter"]:
                await pilot.press(key)
            await pilot.pause()
            assert len(screen._hits) == 4
            await pilot.press("c")
            await pilot.pause()
            assert isinstance(app.screen, CodePicker)
            for key in "wachtlijsten":
                await pilot.press(key)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceDialog)
            assert app.screen.title_text == "4 zinnen in 2 transcripten coderen met Wachtlijsten?"
            await pilot.press("enter")  # "Ja, 4 zinnen coderen"
            await ready(app, pilot)
            assert app.screen is screen
            status = screen.query_one(StatusLine).message
            assert status.startswith("4 zinnen in 2 transcripten gecodeerd met Wachtlijsten") and "u:" in status
            codes = [str(screen.query_one("#find-table").get_row_at(i)[3]) for i in range(4)]
            assert codes == ["Wachtlijsten"] * 4
            assert sorted(c.text for c in app.project.codings() if c.origin == "search") == sorted(HITS)
            assert {c.coder for c in app.project.codings()} == {"tester"}

            await pilot.press("c")  # again: every hit has it, nothing to ask
            await pilot.pause()
            for key in "wachtlijsten":
                await pilot.press(key)
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is screen
            assert screen.query_one(StatusLine).message == "alle 4 zinnen hebben Wachtlijsten al; niets gecodeerd"

            await pilot.press("u")
            await ready(app, pilot)
            assert screen.query_one(StatusLine).message == (
                "ongedaan gemaakt: 4 treffer(s) van 'wachtlijst*' gecodeerd met Wachtlijsten")
            assert app.project.codings() == []
            assert [str(screen.query_one("#find-table").get_row_at(i)[3]) for i in range(4)] == [""] * 4

            await pilot.press("c")  # Esc on the confirm codes nothing
            await pilot.pause()
            for key in "wachtlijsten":
                await pilot.press(key)
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen and app.project.codings() == []
            assert screen.query_one(StatusLine).message == "niets gecodeerd"

    run()
