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
