"""`codering evaluate`: gold matching, metrics, the online simulation, --train (fast fake embedder)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codering.codebook import default_codebook_path, load_codebook
from codering.suggest.embed import HashingEmbedder
from codering.coding.evaluate import EvaluationError, evaluate, gold_level, in_orders
from codering.suggest.features import overlaps
from codering.suggest.metrics import Unit, kappa, score_units

T1 = """\
interview_id: E-1
locatie: Ninove

I: Dag, mag ik opnemen?

R: Ja hoor. De wachtlijsten bij de psycholoog zijn maanden lang. Dat is echt een probleem.

I: En de huisarts?

R: We zitten in hetzelfde gebouw als de huisarts. Dat maakt het makkelijk.
"""

T2 = """\
interview_id: E-2
locatie: Beernem

I: Met wie werkt u samen?

R: De wachtlijsten bij het CAW zijn lang. Ik verwijs mensen door naar het CAW.

I: Goed. Bedankt.

R: Graag gedaan.
"""


def gold_line(name: str, content: str, text: str, codes: list[str]) -> str:
    start = content.index(text)
    return json.dumps({"transcript": name, "start": start, "end": start + len(text), "text": text, "codes": codes})


@pytest.fixture
def gold_dir(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    for name, content, spans in (
        ("e1", T1, [("De wachtlijsten bij de psycholoog zijn maanden lang. Dat is echt een probleem.",
                     ["rem.organisatorisch"]),
                    ("We zitten in hetzelfde gebouw als de huisarts.", ["stim.praktisch"])]),
        ("e2", T2, [("De wachtlijsten bij het CAW zijn lang.", ["rem.organisatorisch"]),
                    ("Ik verwijs mensen door naar het CAW.", ["fin.doorverwijzen"])]),
    ):
        (folder / f"{name}.txt").write_text(content, encoding="utf-8")
        (folder / f"{name}.gold.jsonl").write_text(
            "\n".join(gold_line(name, content, text, codes) for text, codes in spans) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CODERING_CACHE", str(tmp_path / "cache"))


# -- definitions --------------------------------------------------------------------------

def test_overlap_rule_half_of_the_segment_or_half_of_the_span():
    assert overlaps(10, 20, 10, 20)
    assert overlaps(10, 20, 15, 60)  # covers half of the segment
    assert not overlaps(10, 20, 16, 60)  # covers 4 of 10, and 4 of 44
    assert overlaps(10, 100, 40, 50)  # the segment covers the whole (short) span
    assert not overlaps(10, 20, 20, 30)


def test_codes_are_compared_at_the_level_of_the_gold_ids():
    book = load_codebook(default_codebook_path())
    universe = {"stim.praktisch", "fin.doorverwijzen"}
    assert gold_level("stim.praktisch.nabijheid", universe, book) == "stim.praktisch"
    assert gold_level("stim.praktisch", universe, book) == "stim.praktisch"
    assert gold_level("niveau.operationeel", universe, book) is None
    assert gold_level("rem.praktisch.tijdsgebrek", universe, book) is None


def test_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(20):
        gold = rng.random(50) < 0.3
        pred = np.where(rng.random(50) < 0.7, gold, rng.random(50) < 0.3)
        tp = int((gold & pred).sum())
        fp = int((~gold & pred).sum())
        fn = int((gold & ~pred).sum())
        tn = int((~gold & ~pred).sum())
        assert kappa(tp, fp, fn, tn) == pytest.approx(cohen_kappa_score(gold, pred))


def test_metrics_by_hand():
    units = [
        Unit("t", 0, 1, "a", frozenset({"A"}), frozenset({"A"}), shown=["A", "B"], ranked=["A", "B", "C"],
             suggested=2),
        Unit("t", 1, 2, "b", frozenset({"B", "C"}), frozenset({"B", "C"}), shown=["A"], ranked=["A", "C"],
             suggested=1),
        Unit("t", 2, 3, "c", frozenset(), frozenset(), shown=[], ranked=["C"], suggested=0),
        Unit("t", 3, 4, "d", frozenset(), frozenset(), shown=["C"], ranked=["C"], suggested=1),
    ]
    report = score_units(units, ["A", "B", "C"])
    o = report["overall"]
    # predictions: A, B | A | - | C ; gold: A | B, C | - | -
    assert (o["precision"], o["recall"]) == (pytest.approx(1 / 4, abs=1e-4), pytest.approx(1 / 3, abs=1e-4))
    assert o["micro_f1"] == pytest.approx(2 * (1 / 4) * (1 / 3) / (1 / 4 + 1 / 3), abs=1e-4)
    assert o["top3_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert o["top3_recall_ranked"] == pytest.approx(2 / 3, abs=1e-4)
    assert o["abstain_rate"] == 0.5 and o["abstain_rate_coded"] == 0.0
    assert report["per_code"]["A"]["precision"] == 0.5 and report["per_code"]["A"]["recall"] == 1.0
    assert report["per_code"]["B"]["support"] == 1 and report["per_code"]["B"]["recall"] == 0.0
    assert o["macro_f1"] == pytest.approx((2 / 3 + 0 + 0) / 3, abs=1e-4)


def test_passages_by_hand():
    def unit(i, turn, gold, predicted, transcript="t"):
        return Unit(transcript, i, i + 1, "x", frozenset(gold), frozenset(gold), shown=list(predicted),
                    ranked=list(predicted), suggested=len(predicted), predicted=list(predicted), turn=turn)

    units = [
        unit(0, 1, {"A"}, []),          # A starts (missed)
        unit(1, 1, {"A"}, ["A"]),       # A continues (predicted)
        unit(2, 1, {"B"}, ["A"]),       # B starts (missed); A taken past the passage's end
        unit(3, 3, {"B"}, ["B", "C"]),  # a new turn: B starts again (predicted); C wrong elsewhere
        unit(0, 1, {"B"}, ["B"], "u"),  # another transcript: B starts (predicted), nothing carries over
    ]
    p = score_units(units, ["A", "B", "C"])["overall"]["passages"]
    assert p == {"starting": 4, "starting_predicted": 2, "continuing": 1, "continuing_predicted": 1,
                 "carried_past_end": 1, "other_wrong": 1}
    # units that do not know their turn (a collection of segments) have no passages
    units[0].turn = None
    assert "passages" not in score_units(units, ["A", "B", "C"])["overall"]


# -- the evaluation run ------------------------------------------------------------------------

def test_zero_shot_report_has_the_keys_scripts_rely_on(gold_dir):
    report = evaluate(gold_dir, embedder=HashingEmbedder())
    for key in ("micro_f1", "macro_f1", "top3_recall", "precision", "recall", "kappa_mean"):
        assert 0.0 <= report["overall"][key] <= 1.0 or key == "kappa_mean"
    assert set(report["per_code"]) == {"stim.praktisch", "rem.organisatorisch", "fin.doorverwijzen"}
    assert report["per_code"]["rem.organisatorisch"]["support"] == 3  # three sentences lie in its spans
    assert report["online"] == []
    assert [t["transcript"] for t in report["per_transcript"]] == ["e1", "e2"]
    assert report["overall"]["units"] == 8  # respondent sentences only
    assert report["settings"]["model"] == "fake:hashing"
    passages = report["overall"]["passages"]  # interviews: every gold pair starts or continues a passage
    assert passages["starting"] + passages["continuing"] == report["overall"]["gold_pairs"]


def test_codes_regex_limits_the_scoring(gold_dir):
    report = evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^(stim|rem)\.")
    assert set(report["per_code"]) == {"stim.praktisch", "rem.organisatorisch"}
    with pytest.raises(EvaluationError):
        evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^ctx\.")


def test_levels_score_codes_the_gold_does_not_use_at_their_own_level(gold_dir):
    categories = [c.id for _, c in load_codebook(default_codebook_path()).walk()
                  if c.id.count(".") == 1 and c.id.split(".")[0] in ("stim", "rem")]
    plain = evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^(stim|rem)\.")
    wide = evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^(stim|rem)\.", levels=categories)
    assert set(wide["per_code"]) == set(categories)  # every category is scored, used by the gold or not
    assert wide["overall"]["codes_in_gold"] == plain["overall"]["codes_in_gold"] == 2
    # a suggestion of a category the gold never uses is no longer skipped: at least as many predictions
    predicted = lambda r: sum(c["predicted"] for c in r["per_code"].values())  # noqa: E731
    assert predicted(wide) >= predicted(plain)
    assert all(wide["per_code"][c]["tp"] == 0 for c in categories if c not in plain["per_code"])
    with pytest.raises(EvaluationError, match="unknown code 'stim.nonsense'"):
        evaluate(gold_dir, embedder=HashingEmbedder(), levels=["stim.nonsense"])


def test_strict_scores_every_code_at_the_gold_levels(gold_dir):
    book = load_codebook(default_codebook_path())
    categories = [c.id for _, c in book.walk()
                  if c.codable and c.id.count(".") == 1 and c.id.split(".")[0] in ("stim", "rem")]
    strict = evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^(stim|rem)\.", strict=True)
    listed = evaluate(gold_dir, embedder=HashingEmbedder(), codes=r"^(stim|rem)\.", levels=categories)
    # the gold uses categories only: strict scores every category, and nothing at the factor level
    assert set(strict["per_code"]) == set(categories) and strict["settings"]["strict"] is True
    assert strict["overall"] == listed["overall"]


def test_online_simulation_reports_a_learning_curve(gold_dir):
    seen = []  # what the run leaves behind, handed to ``after`` before the temporary project goes

    def after(project, engine):
        coders = {c.coder for c in project.codings()} | {d.coder for d in project.decisions()}
        seen.append((coders, engine.learner.data.n))

    report = evaluate(gold_dir, embedder=HashingEmbedder(), online=True, after=after)
    assert len(seen) == 1
    coders, learned = seen[0]
    assert coders == {"simulated-coder"} and learned > 0  # the engine learned from the simulated coder
    assert [t["transcript"] for t in report["online"]] == ["e1", "e2"]
    for row in report["online"]:
        assert {"transcript", "micro_f1", "top3_recall", "precision", "recall", "kappa_mean"} <= set(row)
    assert report["timing"]["observe_ms_median"] is not None
    assert report["settings"]["online"] is True


def test_in_orders_runs_every_rotation_and_the_reverse_in_that_order(gold_dir):
    runs = list(in_orders(gold_dir, embedder=HashingEmbedder(), online=True))
    assert [names for names, _ in runs] == [["e1", "e2"], ["e2", "e1"], ["e2", "e1"]]
    for names, report in runs:  # the engine met the transcripts in the order given
        assert [t["transcript"].split("-", 1)[1] for t in report["online"]] == names
    # the same transcripts in the same order give the same report as a plain run
    plain = evaluate(gold_dir, embedder=HashingEmbedder(), online=True)
    assert runs[0][1]["overall"]["keys_total"] == plain["overall"]["keys_total"]
    assert runs[0][1]["overall"]["micro_f1"] == plain["overall"]["micro_f1"]


def test_keystrokes_are_reported_overall_and_per_transcript(gold_dir):
    report = evaluate(gold_dir, embedder=HashingEmbedder(), online=True)
    o = report["overall"]
    coded_units = 0
    for row in report["online"]:
        assert {"keys_per_coded_unit", "keys_total", "shown_recall"} <= set(row)
        assert row["keys_total"] >= row["units"]  # at least one key per sentence
    assert o["keys_total"] == sum(row["keys_total"] for row in report["online"])
    assert o["keys_per_coded_unit"] >= 1.0
    assert 0.0 <= o["shown_recall"] <= 1.0
    assert o["codes_from_list"] + o["codes_by_search"] == o["gold_pairs"]  # every gold code is applied once


def test_learning_from_the_first_transcript_helps_on_the_second(gold_dir):
    zero = evaluate(gold_dir, embedder=HashingEmbedder(), engine_options={"gate": 0.0, "min_score": 0.0})
    online = evaluate(gold_dir, embedder=HashingEmbedder(), online=True,
                      engine_options={"gate": 0.0, "min_score": 0.0})
    assert online["per_transcript"][1]["top3_recall"] >= zero["per_transcript"][1]["top3_recall"]


def test_train_segments_are_imported_as_earlier_codings(gold_dir, tmp_path):
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(json.dumps(x) for x in [
        {"id": "x1", "text": "De wachtlijsten zijn overal veel te lang.", "codes": ["rem.organisatorisch"]},
        {"id": "x2", "text": "Ik stuur mensen door naar het OCMW.", "codes": ["fin.doorverwijzen"]},
        {"id": "x3", "text": "Het weer was mooi.", "codes": []},
        {"id": "x4", "text": "Zij zit in hetzelfde gebouw.", "codes": ["stim.praktisch", "not.a.code"]},
    ]) + "\n", encoding="utf-8")
    report = evaluate(gold_dir, embedder=HashingEmbedder(), train=[train])
    assert report["settings"]["train"] == [str(train)]
    assert report["overall"]["units"] == 8  # the training transcript is not scored
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(EvaluationError):
        evaluate(gold_dir, embedder=HashingEmbedder(), train=[bad])


def test_train_on_gold_files_of_another_study(gold_dir, tmp_path):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "old1.txt").write_text(T1, encoding="utf-8")
    lines = (gold_dir / "e1.gold.jsonl").read_text(encoding="utf-8").replace('"e1"', '"old1"')
    (earlier / "old1.gold.jsonl").write_text(lines, encoding="utf-8")
    report = evaluate(gold_dir, embedder=HashingEmbedder(), train=[earlier], codes="^rem")
    assert set(report["per_code"]) == {"rem.organisatorisch"}
    assert report["overall"]["units"] == 8
    with pytest.raises(EvaluationError, match="already in this evaluation"):
        evaluate(gold_dir, embedder=HashingEmbedder(), train=[gold_dir / "e1.gold.jsonl"])


def test_gold_text_must_match_the_transcript(gold_dir):
    path = gold_dir / "e2.gold.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0]["text"] = "iets anders"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(EvaluationError, match="does not match"):
        evaluate(gold_dir, embedder=HashingEmbedder())


def test_evaluate_command_writes_json(gold_dir, tmp_path, monkeypatch):
    from click.testing import CliRunner

    import codering.suggest.engine as engine_mod
    from codering.cli.suggest import evaluate_command

    monkeypatch.setattr(engine_mod, "SentenceTransformerEmbedder", lambda name=None, **_: HashingEmbedder())
    out = tmp_path / "report.json"
    result = CliRunner().invoke(evaluate_command, [str(gold_dir), "--online", "--json", str(out),
                                                   "--codes", r"^(stim|rem)\.", "--model", "fake:hashing"])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert {"micro_f1", "macro_f1", "top3_recall", "precision", "recall", "kappa_mean"} <= set(report["overall"])
    assert set(report["per_code"]) == {"stim.praktisch", "rem.organisatorisch"}
    assert [r["transcript"] for r in report["online"]] == ["e1", "e2"]
    assert "top-3 recall" in result.output and "rem.organisatori" in result.output
    assert "that start a passage" in " ".join(result.output.split())
    result = CliRunner().invoke(evaluate_command, [str(tmp_path)])
    assert result.exit_code != 0
    # an earlier report is replaced; another file (here the gold itself, a slip of the tab key) is not
    args = [str(gold_dir), "--codes", r"^(stim|rem)\.", "--model", "fake:hashing"]
    again = CliRunner().invoke(evaluate_command, [*args, "--json", str(out)])
    assert again.exit_code == 0, again.output
    assert json.loads(out.read_text())["online"] == []  # this run's report, not online
    gold = gold_dir / "e1.gold.jsonl"
    before = gold.read_bytes()
    refused = CliRunner().invoke(evaluate_command, [*args, "--json", str(gold)])
    assert refused.exit_code == 2 and "is not an earlier evaluation report" in refused.output
    assert "--force" in refused.output and gold.read_bytes() == before
    notes = tmp_path / "notes.txt"
    notes.write_text("eigen notities\n", encoding="utf-8")
    forced = CliRunner().invoke(evaluate_command, [*args, "--json", str(notes), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "overall" in json.loads(notes.read_text(encoding="utf-8"))


def test_a_gold_span_outside_the_text_is_named_not_dropped(gold_dir):
    """A span past the end (or before the start) was dropped in silence and the report looked clean."""
    gold = sorted(gold_dir.glob("*.gold.jsonl"))[0]
    with gold.open("a", encoding="utf-8") as handle:
        handle.write('{"transcript": "x", "start": 10000000, "end": 10000050, "codes": ["stim.praktisch"]}\n')
    lines = gold.read_text(encoding="utf-8").count("\n")
    with pytest.raises(EvaluationError, match=rf"{gold.name}:{lines}: span 10000000-10000050 lies outside the "
                                              r"transcript \(0-\d+\)"):
        evaluate(gold_dir, embedder=HashingEmbedder())
