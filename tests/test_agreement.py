"""Inter-coder agreement: hand-computed figures, the unit rule, disagreements and resolving them."""

from __future__ import annotations

import math
import random

import click
import pytest
from click.testing import CliRunner

from codering.collab.agreement import (
    AgreementError,
    agreement,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
    resolve,
    unit_matrix,
)

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

# Ten respondent sentences (segments) in two turns; interviewer turns are not units.
TWO_TURNS = """\
interview_id: K-01
locatie: Beernem

I: Hoe werkt u samen met anderen?

R: We bellen de huisarts elke week. Het CAW komt langs op dinsdag. De wachtlijsten zijn erg lang. \
Er is te weinig personeel. Het geld voor het project stopt volgend jaar.

I: En wat helpt u daarbij?

R: We zitten in hetzelfde gebouw. Ik ken de mensen van het OCMW goed. De schepen steunt ons werk. \
Het overleg op maandag is nuttig. Soms is het gewoon stil.
"""

# The hand-worked example. Code rem.praktisch, 10 units:
#   an:   1 1 1 1 1 0 0 0 0 0
#   bert: 1 1 1 0 0 0 0 0 0 1
# both 3, an only 2, bert only 1, neither 4.
#   percent agreement = 7/10 = 70.0
#   kappa: p_o = 0.7; p_e = 0.5*0.4 + 0.5*0.6 = 0.5; kappa = (0.7-0.5)/(1-0.5) = 0.400
#   alpha: 20 values, n_1 = 9, n_0 = 11; 3 disagreeing units give o_01 = o_10 = 3;
#          D_o = 6/20 = 0.3; D_e = 2*9*11/(20*19) = 0.52105; alpha = 1 - 0.3/0.52105 = 0.424
AN = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
BERT = [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]

# Three coders, code fin.doorverwijzen, 10 units (units 3, 4 and 6-10 nobody codes):
#   an 1 1 0 0 1 0..., bert 1 1 0 0 0 0..., cato 1 0 0 0 0 0...
# Coincidences (each unit of 3 values adds 1/2 per ordered pair): unit 1 gives o_11 = 3; unit 2
# (1,1,0) gives o_11 = 1, o_10 = o_01 = 1; unit 5 (1,0,0) gives o_00 = 1, o_10 = o_01 = 1; the other
# seven units give o_00 = 3 each. So o_11 = 4, o_10 = o_01 = 2, o_00 = 22, n = 30, n_1 = 6, n_0 = 24.
#   D_o = 4/30 = 0.13333; D_e = 2*6*24/(30*29) = 0.33103; alpha = 1 - 0.40278 = 0.597
#   percent agreement (agreeing pairs): (1 + 1/3 + 1/3 + 7)/10 = 86.7
THREE = {"an": [1, 1, 0, 0, 1], "bert": [1, 1], "cato": [1]}


def test_hand_computed_two_coders_pure():
    assert round(cohen_kappa(AN, BERT), 3) == 0.400
    assert round(krippendorff_alpha(list(zip(AN, BERT))), 3) == 0.424
    assert round(percent_agreement(list(zip(AN, BERT))), 3) == 0.700


def test_hand_computed_three_coders_pure():
    a, b, c = ([*v, *[0] * (10 - len(v))] for v in THREE.values())
    assert round(krippendorff_alpha(list(zip(a, b, c))), 3) == 0.597
    assert round(percent_agreement(list(zip(a, b, c))), 3) == 0.867


def test_alpha_reference_example_with_missing_values():
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability', nominal example: 0.743."""
    n = None
    observers = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n], [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
                 [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n], [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    assert round(krippendorff_alpha(list(zip(*observers))), 3) == 0.743


def test_alpha_agrees_with_the_krippendorff_package():
    kd = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    rng = random.Random(7)
    for _ in range(30):
        coders, units = rng.randint(2, 5), rng.randint(5, 40)
        data = [[rng.choice([0, 1, 2, None]) for _ in range(coders)] for _ in range(units)]
        matrix = np.array([[np.nan if v is None else v for v in row] for row in zip(*data)], dtype=float)
        if len({v for row in data for v in row if v is not None}) < 2:
            continue
        assert krippendorff_alpha(data) == pytest.approx(kd.alpha(reliability_data=matrix,
                                                                   level_of_measurement="nominal"))


def test_undefined_figures_are_nan():
    assert math.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]))
    assert math.isnan(krippendorff_alpha([(1, 1), (1, 1)]))
    assert math.isnan(krippendorff_alpha([(1, None)]))
    with pytest.raises(ValueError):
        cohen_kappa([1], [1, 0])


# -- through a real project ---------------------------------------------------------------------------

@pytest.fixture
def coded(project):
    """The small codebook, one transcript, codings by an, bert and cato as in the hand-worked examples."""
    from codering.ingest import parse_text

    project.import_transcript(parse_text(TWO_TURNS, "k01"))
    units = [s for s in project.segments("k01") if s.role != "interviewer"]
    assert len(units) == 10

    def code(coder, idx, code_id, start=None, end=None):
        u = units[idx]
        project.add_coding("k01", u.start if start is None else start, u.end if end is None else end, code_id, coder)

    # an: units 1-3 with one coding over all three, then units 4 and 5
    project.add_coding("k01", units[0].start, units[2].end, "rem.praktisch", "an")
    code("an", 3, "rem.praktisch")
    code("an", 4, "rem.praktisch")
    # bert: units 1-3; unit 10 with a coding over exactly half of it; unit 9 under half (does not count)
    for i in range(3):
        code("bert", i, "rem.praktisch")
    u10, u9 = units[9], units[8]
    half = (u10.end - u10.start + 1) // 2
    code("bert", 9, "rem.praktisch", u10.start, u10.start + half)
    code("bert", 8, "rem.praktisch", u9.start, u9.start + (u9.end - u9.start) // 2 - 1)
    for coder, values in THREE.items():
        for i, v in enumerate(values):
            if v:
                code(coder, i, "fin.doorverwijzen")
    return project


def row(report, code_id):
    return next(r for r in report.rows if r.code == code_id)


def test_two_coder_kappa_and_alpha_from_codings(coded):
    report = agreement(coded, ["an", "bert"], codes=r"^rem\.")
    r = row(report, "rem.praktisch")
    assert (r.units, r.applied, r.all_applied, r.none_applied) == (10, {"an": 5, "bert": 4}, 3, 4)
    assert round(r.percent, 1) == 70.0
    assert round(r.kappa, 3) == 0.400
    assert round(r.alpha, 3) == 0.424


def test_three_coder_alpha_from_codings(coded):
    report = agreement(coded, ["an", "bert", "cato"], codes=r"^fin\.")
    r = row(report, "fin.doorverwijzen")
    assert r.applied == {"an": 3, "bert": 2, "cato": 1}
    assert round(r.alpha, 3) == 0.597
    assert round(r.percent, 1) == 86.7
    assert math.isnan(r.kappa)  # Cohen's kappa is for two coders
    assert any("two coders" in n or "twee codeurs" in n for n in report.notes())


def test_parent_rows_count_child_codings_and_overall_pools(coded):
    coded.add_coding("k01", *_span(coded, 6), "stim.praktisch.nabijheid", "an")
    coded.add_coding("k01", *_span(coded, 6), "stim.praktisch", "bert")
    report = agreement(coded, ["an", "bert"], codes=r"^stim\.praktisch$")
    assert [r.code for r in report.rows] == ["stim.praktisch"]
    assert row(report, "stim.praktisch").all_applied == 1  # a child coding counts for its parent
    full = agreement(coded, ["an", "bert"])
    assert {r.code for r in full.rows} == {"rem.praktisch", "fin.doorverwijzen", "stim.praktisch",
                                           "stim.praktisch.nabijheid"}
    assert full.overall.units == 10 * len(full.rows)
    assert full.overall.all_applied == sum(r.all_applied for r in full.rows)


def _span(project, idx):
    u = [s for s in project.segments("k01") if s.role != "interviewer"][idx]
    return u.start, u.end


def test_turn_units_and_left_out_transcripts(coded):
    from codering.ingest import parse_text

    coded.import_transcript(parse_text(TWO_TURNS.replace("K-01", "K-02"), "k02"))
    coded.add_coding("k02", *_span(coded, 0), "rem.praktisch", "an")  # only an coded k02
    matrix = unit_matrix(coded, ["an", "bert"], unit="turn")
    assert len(matrix.units) == 2 and matrix.left_out == ["k02"]
    assert matrix.units[0].key.startswith("t")
    report = agreement(coded, ["an", "bert"], unit="turn", codes=r"^rem\.")
    assert row(report, "rem.praktisch").all_applied == 1  # turn 1: both cover at least half of it


def test_clear_errors(coded):
    with pytest.raises(AgreementError, match="at least two coders"):
        agreement(coded, ["an"])
    with pytest.raises(AgreementError, match="no codings by zoe"):
        agreement(coded, ["an", "zoe"])
    with pytest.raises(AgreementError, match="not a valid regular expression"):
        agreement(coded, ["an", "bert"], codes="(")
    with pytest.raises(AgreementError, match="unknown unit"):
        agreement(coded, ["an", "bert"], unit="paragraph")


def test_disagreements_and_resolve_keep_the_originals(coded):
    items = disagreements(coded, ["an", "bert"], codes=r"^rem\.")
    assert [d.unit.text for d in items] == ["Er is te weinig personeel.",
                                            "Het geld voor het project stopt volgend jaar.",
                                            "Soms is het gewoon stil."]
    first = items[0]
    assert first.codes == {"an": ("rem.praktisch",), "bert": ()}
    assert first.disputed == ("rem.praktisch",) and not first.resolved
    before = {(c.start, c.end, c.code_id, c.coder) for c in coded.codings()}

    resolve(coded, first.unit.key, take="an", coder="lead")
    resolve(coded, items[1].unit.key, ["rem.praktisch"], coder="lead")
    resolve(coded, items[2].unit.key, none=True, coder="lead")
    after = {(c.start, c.end, c.code_id, c.coder) for c in coded.codings()}
    assert before <= after  # nothing of the coders' own was touched
    consensus = [c for c in coded.codings(coder="consensus")]
    assert {(c.start, c.end, c.origin) for c in consensus} == {(items[0].unit.start, items[0].unit.end, "consensus"),
                                                                (items[1].unit.start, items[1].unit.end, "consensus")}
    assert disagreements(coded, ["an", "bert"], codes=r"^rem\.") == []
    done = disagreements(coded, ["an", "bert"], codes=r"^rem\.", include_resolved=True)
    assert [d.resolution for d in done] == [("rem.praktisch",), ("rem.praktisch",), ()]
    # the consensus coder is not a coder being compared, and agreement is unchanged by resolving
    assert agreement(coded, codes=r"^rem\.").coders == ("an", "bert", "cato")
    assert round(row(agreement(coded, ["an", "bert"], codes=r"^rem\."), "rem.praktisch").kappa, 3) == 0.400

    resolve(coded, items[1].unit.key, none=True, coder="lead")  # changing one's mind replaces the consensus
    assert len(coded.codings(coder="consensus")) == 1
    coded.undo()
    assert len(coded.codings(coder="consensus")) == 2


def test_resolve_errors(coded):
    key = disagreements(coded, ["an", "bert"], codes=r"^rem\.")[0].unit.key
    with pytest.raises(AgreementError, match="name the agreed codes"):
        resolve(coded, key, coder="lead")
    with pytest.raises(AgreementError, match="folder"):
        resolve(coded, key, ["rem"], coder="lead")
    with pytest.raises(AgreementError, match="bert applied no code to unit"):
        resolve(coded, key, take="bert", coder="lead")
    with pytest.raises(AgreementError, match="--none cannot go with codes"):
        resolve(coded, key, ["rem.praktisch"], none=True, coder="lead")
    with pytest.raises(AgreementError, match="no segment with id 99999"):
        resolve(coded, "99999", ["rem.praktisch"], coder="lead")
    with pytest.raises(AgreementError, match="not a unit id"):
        resolve(coded, "abc", ["rem.praktisch"], coder="lead")


def test_tables_and_every_export_format(coded, tmp_path):
    writers = pytest.importorskip("codering.export.writers")
    report = agreement(coded, ["an", "bert"])
    frame = report.frame()
    assert list(frame.columns[:5]) == ["Code", "Label", "Eenheden", "an", "bert"]
    assert frame.iloc[-1]["Code"] == "Totaal"
    for fmt in writers.FORMATS:
        written = writers.write_tables(report.tables(), tmp_path / f"agreement.{fmt}", fmt)
        assert written.exists() and written.stat().st_size > 0


# -- the commands -------------------------------------------------------------------------------------------

def make_cli():
    """The collaboration commands in a group shaped like `codering` (the lead registers them there)."""
    from codering.cli import collab as collab_cli
    from codering.cli import State

    @click.group()
    @click.option("-p", "--project")
    @click.pass_context
    def group(ctx, project):
        ctx.obj = State(project, False)
        ctx.call_on_close(ctx.obj.close)

    export = click.Group("export")
    export.add_command(collab_cli.qdpx_export_command)
    group.add_command(export)
    for command in (collab_cli.agreement_command, collab_cli.disagreements_command, collab_cli.resolve_command,
                    collab_cli.merge_command):
        group.add_command(command)
    return group


def test_agreement_and_disagreement_commands(coded, tmp_path):
    path = str(coded.path)
    coded.close()
    runner = CliRunner()
    cli = make_cli()
    result = runner.invoke(cli, ["-p", path, "agreement", "--coders", "an", "bert", "--codes", "^rem"])
    assert result.exit_code == 0, result.output
    assert "rem.praktisch" in result.output and "0,400" in result.output and "0,424" in result.output  # Dutch
    result = runner.invoke(cli, ["-p", path, "agreement", "--coders", "an,bert,cato", "--codes", "^fin",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "fin.doorverwijzen" in result.output and "0,597" in result.output
    out = tmp_path / "agree.xlsx"
    result = runner.invoke(cli, ["-p", path, "agreement", "an", "bert", "-o", str(out)])
    assert result.exit_code == 0 and out.exists(), result.output
    result = runner.invoke(cli, ["-p", path, "disagreements", "an", "bert", "--codes", "^rem", "--format", "md"])
    assert result.exit_code == 0 and "Soms is het gewoon stil." in result.output, result.output
    key = next(line.split("|")[1].strip() for line in result.output.splitlines() if "personeel" in line)
    result = runner.invoke(cli, ["-p", path, "resolve", key, "rem.praktisch", "--coder", "lead"])
    assert result.exit_code == 0 and "Resolved unit" in result.output, result.output
    assert "did not disagree" not in result.output
    from codering.store import Project

    with Project.open(path) as project:
        matrix = unit_matrix(project, None)
        calm = next(u.key for i, u in enumerate(matrix.units)
                    if len({matrix.direct[c][i] for c in matrix.coders}) == 1)  # every coder gave it the same
    result = runner.invoke(cli, ["-p", path, "resolve", calm, "--none", "--coder", "lead"])
    assert result.exit_code == 0 and f"note: the coders did not disagree on unit {calm}" in result.output
    result = runner.invoke(cli, ["-p", path, "disagreements", "an", "bert", "--codes", "^rem", "--format", "csv"])
    assert "personeel" not in result.output


def test_importing_the_collaboration_modules_stays_light():
    import subprocess
    import sys

    code = ("import sys, codering.cli.collab, codering.refi, codering.collab.agreement, codering.collab.merge\n"
            "print([m for m in ('pandas', 'lxml', 'xmlschema', 'spacy', 'numpy', 'textual') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_pattern_that_adds_categories_does_not_count_a_factor_twice_overall(coded):
    """`--codes '.'` showed the categories nobody coded as such beside their factors and pooled them too:
    one disagreement between two sibling factors became an agreement on their category, and κ doubled."""
    coded.add_coding("k01", *_span(coded, 6), "stim.praktisch.nabijheid", "an")
    coded.add_coding("k01", *_span(coded, 7), "stim.praktisch.nabijheid", "an")
    coded.add_coding("k01", *_span(coded, 7), "stim.praktisch.nabijheid", "bert")
    plain = agreement(coded, ["an", "bert"])
    every = agreement(coded, ["an", "bert"], codes=".")
    assert {r.code for r in every.rows} > {r.code for r in plain.rows}  # the categories are shown
    assert (every.overall.units, every.overall.all_applied) == (plain.overall.units, plain.overall.all_applied)
    assert every.overall.kappa == pytest.approx(plain.overall.kappa)


def test_no_code_applies_is_recorded_in_the_codebooks_language_and_old_english_records_still_count(coded):
    """The memo that records "no code applies" was English in a Dutch project's memo list and memo sheet
    (new-features QA pass). It is written in the codebook's language; the English text of projects made
    before still settles the unit, and resolving it again replaces it."""
    items = disagreements(coded, ["an", "bert"], codes=r"^rem\.")
    unit = items[2].unit
    resolve(coded, unit.key, none=True, coder="lead")
    texts = [m.text for m in coded.memos() if m.coder == "consensus"]
    assert texts == ["Consensus: geen code van toepassing."]
    coded.undo()
    coded.add_memo("Consensus: no code applies.", "consensus", transcript=unit.transcript, start=unit.start,
                   end=unit.end)  # as an earlier codering wrote it
    assert unit.key not in [d.unit.key for d in disagreements(coded, ["an", "bert"], codes=r"^rem\.")]
    resolve(coded, unit.key, ["rem.praktisch"], coder="lead")  # the old record goes when resolved otherwise
    assert [m.text for m in coded.memos() if m.coder == "consensus"] == []
