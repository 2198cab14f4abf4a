"""QA of the two-coder workflow without a server: merge, agreement, disagreements, resolve, exports."""

from __future__ import annotations

import csv
import io

import pytest

from codering.collab.agreement import agreement, disagreement_table, disagreements

pytestmark = pytest.mark.backends("sqlite", "postgresql")

INTERVIEW = """\
interview_id: Q-01
locatie: Ninove

I: Met wie werkt u samen?

R: We bellen de huisarts elke week. Het CAW komt langs op dinsdag. De wachtlijsten zijn erg lang.

I: Wat helpt daarbij?

R: We zitten in hetzelfde gebouw. Het overleg op maandag is nuttig. Soms is het gewoon stil.
"""


@pytest.fixture
def two_coders(project):
    """One interview, six respondent sentences; an and bert agree on three, differ on one."""
    from codering.ingest import parse_text

    project.import_transcript(parse_text(INTERVIEW, "q01"))
    units = [s for s in project.segments("q01") if s.role != "interviewer"]
    for coder, picks in {"an": [0, 2, 3, 4], "bert": [0, 2, 3]}.items():
        for i in picks:
            project.add_coding("q01", units[i].start, units[i].end, "rem.praktisch", coder)
    project.add_coding("q01", units[1].start, units[1].end, "fin.doorverwijzen", "an")
    project.add_coding("q01", units[1].start, units[1].end, "fin.doorverwijzen", "bert")
    return project


def _csv(tables) -> str:
    from codering.export import writers

    return writers.stdout_bytes(tables, "csv").decode("utf-8-sig")


def test_agreement_csv_of_a_dutch_codebook_is_written_as_dutch_excel_reads_it(two_coders):
    """Every other table of a Dutch codebook has ';' and decimal commas; the agreement table had ',' and
    '0.667', so Dutch Excel put each row in one cell and read 97.2 as 972."""
    report = agreement(two_coders, ["an", "bert"])
    text = _csv(report.tables())
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:5] == ["Code", "Label", "Eenheden", "an", "bert"]
    praktisch = next(r for r in rows if r[0] == "rem.praktisch")
    # 6 units: an 4, bert 3, both 3; p_o = 5/6; p_e = (4*3 + 2*3)/36 = 0.5; kappa = 0.667
    # alpha: 12 values, n_1 = 7, n_0 = 5, o_01 = o_10 = 1: 1 - (2/12) / (2*7*5/(12*11)) = 0.686
    assert praktisch[7:] == ["83,3", "0,667", "0,686"]
    perfect = next(r for r in rows if r[0] == "fin.doorverwijzen")
    assert perfect[7:] == ["100,0", "1,000", "1,000"]  # fixed decimals: 100,0 beside 83,3
    items = disagreements(two_coders, ["an", "bert"])
    table = disagreement_table(items, ["an", "bert"], two_coders.codebook().language)
    header = _csv([table]).splitlines()[0]
    assert header.split(";")[:3] == ["Eenheid", "Interview", "Tekst"]


def test_agreement_xlsx_shows_percent_with_one_decimal_and_kappa_with_three(two_coders, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from codering.export import writers

    out = writers.write_tables(agreement(two_coders, ["an", "bert"]).tables(), tmp_path / "a.xlsx", "xlsx")
    sheet = openpyxl.load_workbook(out).active
    header = next(r for r in sheet.iter_rows() if r[0].value == "Code")
    col = {c.value: c.column - 1 for c in header}
    row = next(r for r in sheet.iter_rows() if r[0].value == "rem.praktisch")
    assert row[col["% overeenstemming"]].number_format == "0.0"  # was 0.000: 83,300
    assert row[col["Cohens κ"]].number_format == "0.000"
    assert round(row[col["Cohens κ"]].value, 3) == 0.667


# -- merge -------------------------------------------------------------------------------------------------

def _other(tmp_path, small_codebook, text: str, name: str = "q01"):
    """The other coder's own project file, with ``text`` imported as ``name``."""
    from codering.ingest import parse_text
    from codering.store import Project

    other = Project.create(tmp_path / "bert.codering", small_codebook)
    other.import_transcript(parse_text(text, name))
    return other


def _respondent(project, name="q01"):
    return [s for s in project.segments(name) if s.role != "interviewer"]


def test_merging_the_colleague_again_after_more_coding_adds_only_the_new_and_says_nothing_odd(
        project, tmp_path, small_codebook):
    """The weekly merge of the student's file: their earlier codings are here from the last merge. That
    was reported as "'bert' also coded q01 here; both sets of codings now count as one coder"."""
    from codering.collab.merge import merge_project
    from codering.ingest import parse_text

    project.import_transcript(parse_text(INTERVIEW, "q01"))
    other = _other(tmp_path, small_codebook, INTERVIEW)
    seg = _respondent(other)
    other.add_coding("q01", seg[0].start, seg[0].end, "rem.praktisch", "bert")
    other.close()
    assert merge_project(project, tmp_path / "bert.codering", coder="an").codings_added == 1
    from codering.store import Project

    with Project.open(tmp_path / "bert.codering") as other:
        other.add_coding("q01", seg[1].start, seg[1].end, "fin.doorverwijzen", "bert")
    report = merge_project(project, tmp_path / "bert.codering", coder="an")
    assert report.added == {("q01", "bert"): 1} and report.present == 1
    assert not any("also coded" in n for n in report.notices), report.notices
    # someone else called bert on this side is still named
    project.add_coding("q01", seg[2].start, seg[2].end, "rem.praktisch", "bert")
    with Project.open(tmp_path / "bert.codering") as other:
        other.add_coding("q01", seg[3].start, seg[3].end, "rem.praktisch", "bert")
    report = merge_project(project, tmp_path / "bert.codering", coder="an")
    assert any("'bert' also coded q01 here" in n for n in report.notices)


def test_merge_moves_codings_of_a_transcript_re_imported_after_an_edit_to_the_same_words(
        project, tmp_path, small_codebook):
    """The student fixed a typo in the first answer and re-imported: same name, another text. Their
    codings were not merged at all ("has a different text there"); now they land on the same words here,
    and those on the words that changed are named, not silently dropped."""
    from codering.collab.merge import merge_project
    from codering.ingest import parse_text
    from codering.store import Project

    project.import_transcript(parse_text(INTERVIEW, "q01"))
    edited = INTERVIEW.replace("We bellen de huisarts elke week.", "We bellen onze huisarts wekelijks op.")
    other = _other(tmp_path, small_codebook, edited)
    seg = _respondent(other)
    texts = [other.content("q01")[s.start:s.end] for s in seg]
    assert texts[0] == "We bellen onze huisarts wekelijks op."
    other.add_coding("q01", seg[0].start, seg[0].end, "fin.doorverwijzen", "bert")  # words not here
    other.add_coding("q01", seg[2].start, seg[2].end, "rem.praktisch", "bert")
    other.add_coding("q01", seg[4].start, seg[4].end, "stim.praktisch.nabijheid", "bert")
    other.add_memo("Nuttig overleg", "bert", transcript="q01", start=seg[4].start, end=seg[4].end)
    other.add_memo("Over de huisarts", "bert", transcript="q01", start=seg[0].start, end=seg[0].end)
    other.close()
    report = merge_project(project, tmp_path / "bert.codering", coder="an")
    assert report.matched == ["q01"] and report.unmatched == []
    assert report.codings_added == 2
    note = next(n for n in report.notices if "edited text" in n)
    assert "1 coding whose words are not here left out" in note and "1 passage memo" in note
    content = project.content("q01")
    got = sorted((content[c.start:c.end], c.code_id) for c in project.codings("q01", coder="bert"))
    assert got == [("De wachtlijsten zijn erg lang.", "rem.praktisch"),
                   ("Het overleg op maandag is nuttig.", "stim.praktisch.nabijheid")]
    memos = {m.text: m for m in project.memos("q01")}
    assert content[memos["Nuttig overleg"].start:memos["Nuttig overleg"].end] == "Het overleg op maandag is nuttig."
    assert memos["Over de huisarts"].start is None  # its words are not here: a memo on the transcript
    again = merge_project(project, tmp_path / "bert.codering", coder="an")
    assert again.codings_added == 0 and again.present == 2 and again.memos_added == 0
    project.undo("an")
    project.undo("an")
    assert project.codings("q01", coder="bert") == []


def test_merge_keeps_another_interview_under_the_same_name_apart(project, tmp_path, small_codebook):
    from codering.collab.merge import merge_project
    from codering.ingest import parse_text

    project.import_transcript(parse_text(INTERVIEW, "q01"))
    another = ("interview_id: Q-09\n\nI: Hoe verloopt het overleg met de gemeente?\n\n"
               "R: Het overleg met de gemeente loopt stroef. Niemand neemt de leiding in dat verhaal.\n")
    other = _other(tmp_path, small_codebook, another)
    seg = _respondent(other)
    other.add_coding("q01", seg[0].start, seg[0].end, "rem.praktisch", "bert")
    other.close()
    report = merge_project(project, tmp_path / "bert.codering", coder="an")
    assert report.codings_added == 0 and report.unmatched == ["q01"]
    assert any("another interview there" in n for n in report.notices)


# -- consensus ---------------------------------------------------------------------------------------------

def test_resolutions_recorded_under_another_name_are_not_a_coder_in_the_default_agreement(two_coders):
    """`resolve --as overleg` records the agreed codes as coder 'overleg'; the default agreement then
    compared three coders, and one resolved unit moved the overall figures (0.801 -> 0.373 on a real case)."""
    from codering.collab.agreement import resolve

    before = agreement(two_coders)
    assert before.coders == ("an", "bert")
    item = disagreements(two_coders)[0]
    resolve(two_coders, item.unit.key, take="an", coder="an", as_coder="overleg")
    after = agreement(two_coders)
    assert after.coders == ("an", "bert")
    assert (after.overall.kappa, after.overall.alpha) == (before.overall.kappa, before.overall.alpha)
    # named, it is compared as asked; a coder who also coded by hand stays a coder
    assert agreement(two_coders, ["an", "overleg"]).coders == ("an", "overleg")
    units = _respondent(two_coders)
    two_coders.add_coding("q01", units[5].start, units[5].end, "rem.praktisch", "overleg")
    assert "overleg" in agreement(two_coders).coders
