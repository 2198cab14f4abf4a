"""Suggestions on the interview quotes of the study's own report (../shared/seeds), zero-shot and trained.

The report (``seeds/002_cdea6baef11e5990.txt``) illustrates the stimulating
and hindering factor categories with quoted interview fragments. Each quote
below was labelled by hand from the paragraph it illustrates and its own
content (``stim.*`` / ``rem.*`` categories of the default codebook); quotes
that illustrate no category clearly were left out. Only a locator is kept
here - the line in the seed file (and how many lines the quote spans), its
first three words as a check and the codes; the text is read from the seed
file at run time and never copied into the repository.

The quotes become one transcript of labelled segments (one respondent turn
each, no interviewer; ``codering.coding.evaluate.import_segments``) in a
temporary project; the trained setting first imports
``../shared/data/dev_segments.jsonl`` as ``codering evaluate --train`` does
(segments that overlap a quote are left out of it). For each quote, as one
span (the whole turn), it reports:

* top-3 shown: the quote's codes among what ``engine.suggest(..., k=3)``
  shows (nothing when the engine abstains), a factor counting as its
  category (``gold_level``);
* top-3 ranked: the same for the first three of
  ``engine.ranked(scores, 0, threshold=False)`` (the list without the gate),
  and, as ``codering evaluate`` counts it, for the first three in-scope
  categories of that ranking;
* empty: the share of quotes the engine shows nothing for.

Then the gate: each quote's P(any code) split into the gate features'
contributions (``calibrate.gate_features`` times the calibrator's
coefficients, checked against the engine's own P(any code)), and what-ifs
computed here without changing the engine: what the list would show at
other gate thresholds; the same two settings with the development
interviews (``../shared/data/transcripts``, their codings left out) in the
project too, as in a real project that holds interviews and a collection of
fragments (``zs+interv.``, ``tr+interv.``); and the raw relevance of
interview and collection sentences (each kind is standardised among its own
kind: an interview sentence's context mixes in its turn and neighbours and
scores higher; measured against interview sentences, with interviews in the
project, the quotes' list was empty for 77 % zero-shot and 65 % trained,
top-3 shown 0.100 and 0.233).

Run: PYTHONPATH=. .venv/bin/python benchmarks/report_quotes.py [--seed FILE] [--train FILE] [--interviews DIR]
     [--model NAME] [--per-quote]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seeds" / "002_cdea6baef11e5990.txt"
TRAIN = SHARED / "data" / "dev_segments.jsonl"
CATEGORIES = [f"{side}.{c}" for side in ("stim", "rem") for c in
              ("inhoud", "juridisch", "financieel", "organisatorisch", "praktisch", "persoonlijk", "politiek",
               "historisch")]
GATES = (0.5, 0.4, 0.3, 0.2, 0.0)


class Quote(NamedTuple):
    line: int  # first line of the quote in the seed file (1-based)
    words: str  # its first three words (the check that the locator still fits)
    codes: tuple[str, ...]
    lines: int = 1  # lines the quote spans
    section: int = 2  # report section: 2 = the factors, 1 and 3 = quotes there that illustrate a factor


# Labelled by reading the report: the paragraph a quote stands next to says which factor it illustrates,
# its content decides where it stands between two paragraphs or fits two categories.
QUOTES = [
    # Section 2, "Een dubbele helix van stimulerende factoren"
    Quote(453, "Samenwerking is noodzakelijk", ("stim.inhoud",)),  # common goal, complementary expertise
    Quote(455, "We streven soms", ("stim.inhoud",)),  # the same goal
    Quote(461, "Vooral samenwerking met", ("stim.financieel",)),  # subsidies
    Quote(469, "Samenwerking met bepaalde", ("stim.organisatorisch", "stim.financieel")),  # shared infrastructure
    Quote(473, "Meestal rond die", ("stim.praktisch", "stim.persoonlijk")),  # the one person one can call
    Quote(475, "Een goede klik", ("stim.persoonlijk",)),
    Quote(479, "Heel goede, vriendschappelijke", ("stim.persoonlijk",)),
    # Section 2, "Een draaikolk van remmende factoren"
    Quote(512, "De organisaties waar", ("rem.inhoud",)),  # no shared target group, no need seen
    Quote(516, "Vroeger konden we", ("rem.juridisch",)),  # privacy rules
    Quote(520, "Als we gaan", ("rem.financieel",)),  # losing clients (income)
    Quote(526, "Onze organisatiestructuren zijn", ("rem.organisatorisch",)),
    Quote(528, "Gebrek aan ruimte", ("rem.organisatorisch",)),  # task packages
    Quote(530, "De precieze werking", ("rem.organisatorisch", "rem.inhoud")),  # not knowing each other's work
    Quote(534, "Ons werkingsgebied is", ("rem.organisatorisch", "rem.praktisch")),  # wide area, distance
    Quote(540, "De samenwerking met", ("rem.politiek",)),  # interference of the local government
    Quote(542, "Steun vanuit beleid", ("rem.politiek",)),
    Quote(546, "Vanuit onze organisatie", ("rem.historisch",)),  # pillarisation
    # Section 1 (forms of cooperation): one quote names a factor outright
    Quote(426, "Samenwerken op basis", ("stim.inhoud",), section=1),
    # Section 3 (contexts): quotes on competition, task specialisation, hierarchy, networks
    Quote(580, "Sommige collega's hebben", ("rem.organisatorisch",), section=3),  # competition
    Quote(586, "Wij bieden dienst", ("rem.organisatorisch",), section=3),  # competition for clients
    Quote(594, "Je merkt dat", ("rem.organisatorisch",), section=3),  # own tasks, rigid task packages
    Quote(610, "Eigenlijk zou ik", ("rem.organisatorisch",), lines=2, section=3),  # a manager who stops it
    Quote(615, "Ik merk een", ("rem.organisatorisch",), lines=2, section=3),  # management vs. doers
    Quote(626, "Vroeger deden wij", ("stim.inhoud",), section=3),  # acute need, shared task
    Quote(634, "Er zijn veel", ("rem.praktisch",), section=3),  # too many meetings
    Quote(638, "Er zijn te", ("rem.juridisch",), section=3),  # the same offer from many structures
]

OPEN = "“\"‘"
CLOSE = "”\"’"


def fail(message: str) -> None:
    print(f"report_quotes: {message}", file=sys.stderr)
    raise SystemExit(2)


def quote_texts(seed: Path, quotes: list[Quote]) -> list[str]:
    """The quotes' texts from the seed file, without quote marks; a clear error when a locator does not fit."""
    try:
        lines = seed.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        fail(f"{seed}: seed file not found (the benchmark reads the report's quotes from it)")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{seed}: cannot read the seed file ({exc})")
    out = []
    for q in quotes:
        raw = " ".join(lines[q.line - 1:q.line - 1 + q.lines]).strip() if q.line <= len(lines) else ""
        text = raw.strip("* ").rstrip(".").rstrip()
        if len(text) < 2 or text[0] not in OPEN or text[-1] not in CLOSE:
            fail(f"{seed.name}:{q.line}: no quote there any more (expected one starting '{q.words}')")
        text = text[1:-1].strip()
        if " ".join(text.split()[:3]) != q.words:
            fail(f"{seed.name}:{q.line}: the quote starts '{' '.join(text.split()[:3])}', expected '{q.words}'")
        out.append(" ".join(text.split()))
    return out


def _norm(text: str) -> str:
    return " ".join(re.sub(r"\W+", " ", text.lower()).split())


def training_without(train: Path, texts: list[str], folder: Path) -> tuple[Path, int]:
    """``train`` without the segments that contain a quote or are contained in one (a copy in ``folder``)."""
    try:
        rows = [line for line in train.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    except OSError as exc:
        fail(f"{train}: cannot read the training segments ({exc})")
    quotes = [_norm(t) for t in texts]
    kept = []
    for line in rows:
        try:
            seg = _norm(str(json.loads(line)["text"]))
        except (ValueError, KeyError, TypeError):
            fail(f"{train}: expected JSON objects with 'text' and 'codes' on every line")
        if not any(seg and (seg in q or q in seg) for q in quotes):
            kept.append(line)
    out = folder / "train.jsonl"
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out, len(rows) - len(kept)


def gate_parts(engine, project, name: str, scores) -> tuple:
    """The span's gate features (as ``engine._score_span`` builds them for a whole turn) and their coefficients."""
    from codering.suggest.calibrate import gate_features

    tid = project.transcript_id(name)
    feats = engine._features[tid]
    rows = scores.rows
    H = len(engine.heads)
    if len(rows) == 1:
        z = engine._zscores[tid][0][rows]
        ctx = feats.context[rows]
    else:
        ctx = feats.context[rows].mean(0, keepdims=True)
        ctx = ctx / max(float(np.linalg.norm(ctx)), 1e-9)
        z, _ = engine.zeroshot.scores(ctx, feats.valence[rows].mean(keepdims=True),
                                      feats.turn_valence[rows].mean(keepdims=True))
    previous = engine._previous(tid, [rows[0]])
    learned_any = scores.ridge is not None and engine._interview_examples
    G = gate_features(z, engine.zeroshot.relevance(ctx, feats.collection), np.array([feats.content[rows].sum()]),
                      scores.ridge[:, H] if learned_any else None, scores.knn[:, H] if learned_any else None,
                      np.array([feats.position[rows].mean()]), previous.state, previous.contrast,
                      np.array([feats.turn_size[rows].max()]))
    return G[0], engine.calibrator.gate_beta, float((ctx @ engine.zeroshot.topic_axis)[0])


def topic_cosines(engine) -> dict[str, np.ndarray]:
    """Respondent sentences' raw relevance (context vector . topic axis), for interviews and for collections
    of segments (transcripts without interviewer turns), as ``ZeroShot.relevance`` sees them before standardising."""
    out = {"interviews": [], "collections": []}
    for f in engine._features.values():
        if len(f):
            kind = "collections" if f.collection else "interviews"
            out[kind].append(f.context[~f.interviewer] @ engine.zeroshot.topic_axis)
    return {k: np.concatenate(v) for k, v in out.items() if v}


def run(setting: str, texts: list[str], train: Path | None, model: str | None, context: list[Path] = ()) -> dict:
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.evaluate import _import_transcript, _levels, gold_level, import_segments, import_training
    from codering.store import Project
    from codering.suggest.calibrate import GATE_FEATURES, sigmoid
    from codering.suggest.embed import user_vector_cache
    from codering.suggest.engine import EmbeddingSuggester

    codebook = load_codebook(default_codebook_path())
    missing = [c for q in QUOTES for c in q.codes if c not in codebook]
    if missing:
        fail(f"code '{missing[0]}' is not in the default codebook")
    scope = set(CATEGORIES)
    with tempfile.TemporaryDirectory(prefix="codering-quotes-") as tmp:
        folder = Path(tmp)
        excluded = 0
        with Project.create(folder / "quotes.codering", codebook) as project:
            if train is not None:
                train_file, excluded = training_without(train, texts, folder)
                import_training(project, [train_file], lambda _m: None)
            for path in context:  # interviews without their codings: the corpus a real project would have
                _import_transcript(project, path)
            segments = folder / "report_quotes.jsonl"
            segments.write_text("".join(json.dumps({"id": f"L{q.line}", "text": t, "codes": list(q.codes)},
                                                   ensure_ascii=False) + "\n" for q, t in zip(QUOTES, texts)),
                                encoding="utf-8")
            name, turns, items = import_segments(project, segments, codebook, name="report-quotes", with_codes=False)
            if len(items) != len(QUOTES):
                fail(f"{len(QUOTES)} quotes became {len(items)} segments")
            engine = EmbeddingSuggester(model, segment_cache=user_vector_cache())
            engine.prepare(project)
            rows = []
            for q, turn in zip(QUOTES, turns):
                gold = set(q.codes)
                shown = engine.suggest(project, name, turn.body_start, turn.end, k=3)
                scores = engine.score_span(project, name, turn.body_start, turn.end)
                if scores is None:
                    fail(f"line {q.line}: the engine scored nothing for the quote")
                ranking = engine.ranked(scores, 0, threshold=False)
                shown_levels = {gold_level(s.code_id, scope, codebook) for s in shown}
                top3 = {gold_level(c, scope, codebook) for c in ranking[:3]}
                in_scope = set(_levels(ranking, scope, scope, codebook))
                G, beta, cosine = gate_parts(engine, project, name, scores)
                p_any = float(scores.p_any[0])
                if abs(float(sigmoid(G @ beta)) - p_any) > 1e-4:
                    fail(f"line {q.line}: the gate features here do not give the engine's P(any code)")
                rows.append({"quote": q, "gold": gold, "p_any": p_any, "shown": len(shown),
                             "hit_shown": len(gold & shown_levels), "hit_top3": len(gold & top3),
                             "hit_scope": len(gold & in_scope), "parts": G * beta, "G": G, "cosine": cosine,
                             "first": [gold_level(c, scope, codebook) or c for c in ranking[:3]]})
            gate, likely = engine.gate, engine.min_score
            cosines = topic_cosines(engine)
            zs = engine.zeroshot
            # each kind is standardised among its own kind (``ZeroShot.fit_corpus``)
            relevance = {k: (float(v.mean()), float(((v - mean) / std).mean()))
                         for k, v in cosines.items()
                         for mean, std in [zs.collection_relevance if k == "collections"
                                           else (zs.relevance_mean, zs.relevance_std)]}
    pairs = sum(len(r["gold"]) for r in rows)
    report = {"setting": setting, "rows": rows, "pairs": pairs, "gate": gate, "likely": likely,
              "excluded": excluded, "model": engine.model_id, "features": GATE_FEATURES, "relevance": relevance,
              "sizes": {k: len(v) for k, v in cosines.items()}}
    # consistency: what suggest showed is the ranking's first three whenever the gate is open
    for r in rows:
        expected_empty = r["p_any"] < gate
        if expected_empty != (r["shown"] == 0):
            fail(f"line {r['quote'].line}: the list is {'empty' if not r['shown'] else 'not empty'} "
                 f"with P(any code) {r['p_any']:.3f} at gate {gate}")
    report["parts_mean"] = np.mean([r["parts"] for r in rows], axis=0)
    return report


def summary(report: dict, section: int | None = None) -> tuple:
    rows = [r for r in report["rows"] if section is None or r["quote"].section == section]
    pairs = sum(len(r["gold"]) for r in rows)
    return (len(rows), pairs, sum(r["hit_shown"] for r in rows) / pairs, sum(r["hit_top3"] for r in rows) / pairs,
            sum(r["hit_scope"] for r in rows) / pairs, sum(1 for r in rows if not r["shown"]) / len(rows))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", default=str(SEED), help="the report (seeds/002_...txt)")
    ap.add_argument("--train", default=str(TRAIN), help="labelled segments (JSONL) for the trained setting")
    ap.add_argument("--model", default=None)
    ap.add_argument("--interviews", default=str(SHARED / "data" / "transcripts"),
                    help="what-if: the same with these interviews (codings left out) in the project as well; '' skips")
    ap.add_argument("--per-quote", action="store_true", help="print every quote's gate and first three codes")
    args = ap.parse_args()
    train = Path(args.train)
    if not train.is_file():
        fail(f"{train}: training segments not found")
    texts = quote_texts(Path(args.seed), QUOTES)
    reports = [run("zero-shot", texts, None, args.model), run("trained", texts, train, args.model)]
    if args.interviews:
        from codering.coding.evaluate import gold_pairs
        from codering.errors import EvaluationError

        try:
            interviews = [t for t, _ in gold_pairs(Path(args.interviews))]
        except EvaluationError as exc:
            fail(str(exc))
        reports += [run("zs+interv.", texts, None, args.model, interviews),
                    run("tr+interv.", texts, train, args.model, interviews)]
    n2 = sum(1 for q in QUOTES if q.section == 2)
    print(f"{len(QUOTES)} labelled quotes ({n2} from section 2, {len(QUOTES) - n2} from sections 1 and 3), "
          f"{reports[0]['pairs']} (quote, category) pairs; model {reports[0]['model']}")
    print(f"{'setting':10s} {'quotes':>6s} {'shown':>6s} {'ranked':>6s} {'in-scope':>8s} {'empty':>6s}   "
          "(top-3 recall; ranked = first 3 of the ranking without the gate; in-scope = as `evaluate`)")
    for r in reports:
        for section, label in ((None, r["setting"]), (2, "  sect. 2")):
            n, _, shown, top3, scope, empty = summary(r, section)
            print(f"{label:10s} {n:6d} {shown:6.3f} {top3:6.3f} {scope:8.3f} {empty:6.2f}")
        others = sum(1 for x in r["rows"] for c in x["first"] if c not in CATEGORIES)
        print(f"{'':10s} first three of the ranking: {others / (3 * len(r['rows'])):.0%} of the places go to codes "
              "outside stim./rem. (ctx., fin., niveau., schaal.: not labelled here)")
        if r["excluded"]:
            print(f"  ({r['excluded']} training segments overlapping a quote left out)")
    print("\nWhat-if: top-3 shown / empty share if the gate were at another threshold (the engine is unchanged)")
    print(f"{'setting':10s} " + " ".join(f"{'gate ' + format(g, '.1f'):>13s}" for g in GATES))
    for r in reports:
        cells = []
        for g in GATES:
            hits = sum(x["hit_top3"] for x in r["rows"] if x["p_any"] >= g)
            empty = sum(1 for x in r["rows"] if x["p_any"] < g) / len(r["rows"])
            cells.append(f"{hits / r['pairs']:.3f} / {empty:.2f}")
        print(f"{r['setting']:10s} " + " ".join(f"{c:>13s}" for c in cells) + f"   (engine's gate: {r['gate']})")
    print("\nGate: mean contribution of each feature to the logit of P(any code) (coefficient x value)")
    features = reports[0]["features"]
    print(f"{'setting':10s} " + " ".join(f"{f[:9]:>9s}" for f in features) + f" {'logit':>7s} {'P(any)':>7s}")
    for r in reports:
        parts = r["parts_mean"]
        p = [x["p_any"] for x in r["rows"]]
        print(f"{r['setting']:10s} " + " ".join(f"{v:9.2f}" for v in parts) + f" {parts.sum():7.2f} "
              f"{sum(p) / len(p):7.3f}")
        closed = [x for x in r["rows"] if x["p_any"] < r["gate"]]
        if closed:
            mean = np.mean([x["parts"] for x in closed], axis=0)
            print(f"{'  empty':10s} " + " ".join(f"{v:9.2f}" for v in mean) + f" {mean.sum():7.2f}")
    print("\nRelevance (gate feature) of respondent sentences: mean raw cosine with the topic axis / mean z as the"
          " gate sees it")
    for r in reports:
        print(f"{r['setting']:10s} " + "   ".join(f"{k} ({r['sizes'][k]}): {c:.3f} / {z:+.2f}"
                                               for k, (c, z) in r["relevance"].items()))
    if args.per_quote:
        for r in reports:
            print(f"\n{r['setting']}: line, section, gold, P(any), relevance and content parts, first three ranked")
            rel, content = features.index("relevance"), features.index("content")
            for x in r["rows"]:
                q = x["quote"]
                mark = "*" if x["hit_top3"] else " "
                print(f"  {q.line:4d} s{q.section} {'+'.join(q.codes):40s} {x['p_any']:.3f} "
                      f"{x['parts'][rel]:6.2f} {x['parts'][content]:5.2f} {mark} {', '.join(x['first'])}")


if __name__ == "__main__":
    main()
