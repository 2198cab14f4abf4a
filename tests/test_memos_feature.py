"""Memos a researcher can find, read, edit and delete: the store, `codering memos` / `memo --edit/--remove`,
the memo sheet of the exports, and the coding screen's m / D / M with the memo list, on real projects."""

from __future__ import annotations

import pytest
from conftest import run_cli
from test_tui_support import sample_project, sample_template, sync  # noqa: F401 - fixtures

from codering.errors import StoreError
from codering.store import Project

pytestmark = pytest.mark.backends("sqlite", "postgresql")

NAME = "t01_huisarts"


def _span(project, words: str) -> tuple[int, int]:
    text = project.content(NAME)
    start = text.index(words)
    return start, start + len(words)


@pytest.fixture
def memo_project(loaded_project):
    """The small transcript with a memo of every kind, by two coders."""
    p = loaded_project
    p.add_memo("Het hele onderzoek draait om de eerste lijn.", "tester")
    p.add_memo("Een open gesprek, weinig sturing.", "tester", transcript=NAME)
    start, end = _span(p, "We zitten in hetzelfde gebouw.")
    p.add_memo("Nabijheid als reden om samen te werken.", "bert", transcript=NAME, start=start, end=end)
    p.add_memo("Wordt soms te ruim toegepast.", "tester", code_id="stim.praktisch.nabijheid")
    return p


# -- the store -----------------------------------------------------------------------------------

def test_edit_and_remove_are_undoable_and_named(memo_project):
    p = memo_project
    span_memo = p.memos(coder="bert")[0]
    assert p.edit_memo(span_memo.id, "  Nabijheid, en de koffieautomaat.  ", "tester") is True
    edited = p.memo(span_memo.id)
    assert edited.text == "Nabijheid, en de koffieautomaat." and edited.coder == "bert" and edited.updated
    assert p.pending_change(coder="tester") == (span_memo.transcript_id, span_memo.start, span_memo.end)
    assert p.undo("tester") == f"edit memo {span_memo.id}"
    assert p.memo(span_memo.id).text == "Nabijheid als reden om samen te werken."
    assert p.memo(span_memo.id).updated is None
    assert p.redo("tester") == f"edit memo {span_memo.id}"

    p.remove_memo(span_memo.id, "tester")
    with pytest.raises(StoreError, match=f"no memo with id {span_memo.id}"):
        p.memo(span_memo.id)
    assert p.undo("tester") == f"remove memo {span_memo.id}"
    assert p.memo(span_memo.id).text == "Nabijheid, en de koffieautomaat."


def test_bad_edits_say_so_and_write_nothing(memo_project):
    p = memo_project
    before = p.history(50)
    with pytest.raises(StoreError, match="no memo with id 999"):
        p.edit_memo(999, "iets", "tester")
    with pytest.raises(StoreError, match="no memo with id 999"):
        p.remove_memo(999, "tester")
    first = p.memos()[0]
    with pytest.raises(StoreError, match="needs some text"):
        p.edit_memo(first.id, "   ", "tester")
    assert p.edit_memo(first.id, first.text + "  ", "tester") is False  # the same text: nothing journaled
    assert p.history(50) == before and p.memo(first.id) == first


def test_memos_filter_by_transcript_code_and_coder(memo_project):
    p = memo_project
    assert [m.kind for m in p.memos()] == ["project", "transcript", "segment", "code"]
    assert [m.kind for m in p.memos(NAME)] == ["transcript", "segment"]
    assert [m.kind for m in p.memos(code_id="stim.praktisch.nabijheid")] == ["code"]
    assert [m.kind for m in p.memos(coder="bert")] == ["segment"]
    assert p.memos(NAME, coder="tester")[0].kind == "transcript"


def test_memo_places_document_and_export_sheet(memo_project):
    from codering.export.tables import all_tables, memo_document, memo_places, memo_table

    p = memo_project
    places = memo_places(p, p.memos())
    assert [pl.kind for pl in places] == ["project", "transcript", "span", "code"]
    assert places[2].quote == "We zitten in hetzelfde gebouw."
    assert places[2].where(20) == f'{NAME} "We zitten in hetzel…"'
    assert places[3].where() == "Nabijheid (stim.praktisch.nabijheid)"

    doc = memo_document(p, places)
    assert doc.startswith("# Memo's: p\n")
    order = [doc.index(s) for s in ("## Over het project", "## Code: Nabijheid", f"## {NAME}",
                                     "Een open gesprek", "> We zitten in hetzelfde gebouw.", "Nabijheid als reden")]
    assert order == sorted(order)
    assert "— bert, " in doc

    table = memo_table(p)
    assert table.name == "memos" and table.title == "Memo's"
    rows = table.frame.values.tolist()
    assert [r[1] for r in rows] == ["project", "transcript", "passage", "code"]
    assert rows[2][3] == "We zitten in hetzelfde gebouw." and rows[2][4] == "bert"

    p.add_coding(NAME, *_span(p, "We zitten in hetzelfde gebouw."), "stim.praktisch.nabijheid", "tester")
    assert [r[1] for r in memo_table(p, coder="tester").frame.values.tolist()] == ["project", "transcript", "code"]
    tables, skipped = all_tables(p)
    assert tables[-1].name == "memos" and not [s for s in skipped if s.startswith("memos")]
    for memo in p.memos():
        p.remove_memo(memo.id, "tester")
    tables, skipped = all_tables(p)
    assert "memos" not in [t.name for t in tables] and any(s.startswith("memos:") for s in skipped)


# -- the command line ----------------------------------------------------------------------------

def test_cli_lists_edits_removes_and_undoes(memo_project, project_location):
    p = memo_project
    where = str(project_location)
    out = run_cli("-p", where, "memos", "--format", "tsv")
    assert out.returncode == 0, out.stderr
    lines = [line.split("\t") for line in out.stdout.splitlines()]
    assert lines[0] == ["id", "kind", "transcript", "on", "coder", "date", "text"]
    assert [line[1] for line in lines[1:]] == ["project", "transcript", "span", "code"]
    assert lines[3][2:5] == [NAME, "We zitten in hetzelfde gebouw.", "bert"]

    table = run_cli("-p", where, "memos", "--coder", "bert")
    assert table.returncode == 0 and "1 memo by bert" in table.stdout and "Nabijheid als reden" in table.stdout

    span_id = p.memos(coder="bert")[0].id
    edit = run_cli("-p", where, "memo", "--edit", str(span_id), "Nabijheid, vooral het gedeelde gebouw.")
    assert edit.returncode == 0 and edit.stdout == f"Memo {span_id} edited.\n"
    assert p.memo(span_id).text == "Nabijheid, vooral het gedeelde gebouw."
    gone = run_cli("-p", where, "memo", "--remove", str(span_id))
    assert gone.returncode == 0 and "deleted ('Nabijheid, vooral het gedeelde gebouw.')" in gone.stdout
    assert [m.id for m in p.memos()].count(span_id) == 0

    undo = run_cli("-p", where, "undo")
    assert undo.stdout == f"Undone: remove memo {span_id}\n"
    undo = run_cli("-p", where, "undo")
    assert undo.stdout == f"Undone: edit memo {span_id}\n"
    assert p.memo(span_id).text == "Nabijheid als reden om samen te werken."

    md = run_cli("-p", where, "memos", "--format", "md", "--transcript", NAME)
    assert md.returncode == 0 and md.stdout.startswith("# Memo's: ") and "> We zitten in hetzelfde gebouw." in md.stdout
    assert "Over het project" not in md.stdout


def test_cli_bad_memo_ids_are_one_line(memo_project, project_location):
    where = str(project_location)
    for args in (("memo", "--edit", "999", "iets"), ("memo", "--remove", "999")):
        out = run_cli("-p", where, *args)
        assert out.returncode == 1 and out.stderr == "codering: error: no memo with id 999\n"
    out = run_cli("-p", where, "memo", "--edit", "1", "   ")
    assert out.returncode == 1 and "needs some text" in out.stderr and out.stderr.count("\n") == 1
    out = run_cli("-p", where, "memo", "--remove", "1", "--transcript", NAME)
    assert out.returncode == 2 and "keeps its place" in out.stderr
    out = run_cli("-p", where, "memos", "--code", "bestaat.niet")
    assert out.returncode == 1 and "unknown code 'bestaat.niet'" in out.stderr
    assert len(memo_project.memos()) == 4


# -- the terminal UI -----------------------------------------------------------------------------

SIZE = (110, 32)


async def _coding(app, pilot):
    from codering.tui.screens.coding import CodingScreen

    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CodingScreen)
    return app.screen


@sync
async def test_m_on_a_memo_edits_it_and_d_removes_it(sample_project):
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.dialogs import ChoiceDialog, MemoDialog
    from codering.tui.widgets.panel import SegmentPanel

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _coding(app, pilot)
        s, project = screen.session, screen.project
        await pilot.press("m", *"Eerste indruk", "ctrl+s")
        await pilot.pause()
        (memo,) = project.memos(s.tid)
        assert screen.query_one(SegmentPanel).data.memos == ["Eerste indruk"]

        await pilot.press("m")  # a memo is here: the choice opens on editing it
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, MemoDialog)
        assert app.screen.query_one("#memo").text == "Eerste indruk"  # pre-filled
        await pilot.press("end", *", later bijgesteld", "ctrl+s")
        await pilot.pause()
        assert [m.text for m in project.memos(s.tid)] == ["Eerste indruk, later bijgesteld"]
        assert screen.query_one(SegmentPanel).data.memos == ["Eerste indruk, later bijgesteld"]
        assert "memo bewerkt" in screen.query_one("#status").message

        await pilot.press("m", "down", "enter")  # the second choice: a new memo beside it
        await pilot.pause()
        await pilot.press(*"Tweede gedachte", "ctrl+s")
        await pilot.pause()
        assert len(project.memos(s.tid)) == 2

        await pilot.press("u", "u")  # the new memo, then the edit
        assert [m.text for m in project.memos(s.tid)] == ["Eerste indruk"]
        assert "memo bewerkt" in screen.query_one("#status").message

        await pilot.press("D")  # one memo here: gone at once
        assert project.memos(s.tid) == []
        assert "memo weg" in screen.query_one("#status").message
        assert screen.query_one(SegmentPanel).data.memos == []
        await pilot.press("u")
        assert [m.id for m in project.memos(s.tid)] == [memo.id]
        await pilot.press("j", "D")
        assert "hier staat geen memo" in screen.query_one("#status").message
        assert len(project.memos(s.tid)) == 1


@sync
async def test_memo_list_filters_edits_deletes_and_jumps(sample_project):
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.dialogs import MemoDialog
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.help import HelpScreen
    from codering.tui.screens.memos import MemoListScreen

    with Project.open(sample_project) as p:
        names = [t.name for t in p.transcripts()]
        other = p.transcript_id(names[2])
        segs = [seg for seg in p.segments(other) if seg.role != "interviewer"]
        far = segs[len(segs) // 2]
        p.add_memo("Verhaal over de wachtlijst, later nakijken.", "bert", transcript=other,
                   start=far.start, end=far.end)
        p.add_memo("Het project loopt tot de zomer.", "tester")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _coding(app, pilot)
        project = screen.project
        from codering.tui.screens.help import key_rows

        said = {row.description: row.keys for row in key_rows(screen)}
        assert said["Memo weg"] == "D" and said["Memo's"] == "M" and said["Memo"] == "m"
        await pilot.press("M")
        await pilot.pause()
        memos = app.screen
        assert isinstance(memos, MemoListScreen)
        assert memos.query_one("#memo-table").row_count == 2

        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("slash", *"wachtlyst")  # one letter off: no match; accents and case are folded
        await pilot.pause()
        assert memos.query_one("#memo-table").row_count == 0
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"lijst", "enter")
        await pilot.pause()
        assert memos.query_one("#memo-table").row_count == 1
        assert "Verhaal over de wachtlijst" in str(memos.query_one("#memos-detail").render())

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, MemoDialog)
        app.screen.query_one("#memo").text = "Wachtlijst: nagekeken."
        await pilot.press("ctrl+s")
        await pilot.pause()
        edited = [m for m in project.memos() if m.coder == "bert"][0]
        assert edited.text == "Wachtlijst: nagekeken." and edited.updated

        await pilot.press("enter")  # to the memo's place, in another transcript
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen) and app.screen is not screen
        opened = app.screen.session
        assert opened.tid == other and opened.span[0] <= far.start < opened.span[1]
        assert app.screen.query_one("#panel").data.memos == ["Wachtlijst: nagekeken."]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is memos

        await pilot.press("d")
        assert len(project.memos()) == 1
        await pilot.press("u")
        assert len(project.memos()) == 2 and "ongedaan gemaakt: memo weg" in memos.query_one("#status").message

        memos.query_one("#memos-filter").value = ""
        await pilot.press("slash", "enter", "n")  # a new memo: on the project or on the transcript it came from
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, MemoDialog)
        await pilot.press(*"Dit transcript als geheel: rustig.", "ctrl+s")
        await pilot.pause()
        whole = [m for m in project.memos() if m.kind == "transcript"]
        assert [(m.transcript_id, m.text) for m in whole] == [(screen.session.tid,
                                                               "Dit transcript als geheel: rustig.")]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert "1 transcriptmemo" in str(screen.query_one("#case").text)


def test_memo_document_keeps_a_memos_own_heading_and_html_out_of_its_structure(memo_project, project_location):
    """A memo line starting with '# ' became a heading of the memo document, and HTML in a memo passed
    through (new-features QA pass): the '#' is escaped, a tag is written as text; emphasis, lists and a
    "< 5" stay as the coder wrote them."""
    where = str(project_location)
    memo_project.add_memo("# Vraag voor het team\n- *nabijheid* telt\n<b>vet</b> bij < 5 jaar", "ann")
    md = run_cli("-p", where, "memos", "--format", "md")
    assert md.returncode == 0, md.stderr
    lines = md.stdout.splitlines()
    assert "\\# Vraag voor het team" in lines and "# Vraag voor het team" not in lines
    assert "- *nabijheid* telt" in lines
    assert "&lt;b>vet&lt;/b> bij < 5 jaar" in lines
