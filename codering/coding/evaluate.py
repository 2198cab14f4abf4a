"""Built-in evaluation: suggestions against gold codings, zero-shot, trained and online.

``evaluate(gold_dir, ...)`` imports the gold transcripts (``NAME.txt`` with
``NAME.gold.jsonl`` beside it) into a temporary project *without* their gold
codings, optionally imports training material first (``--train``: labelled
segments as JSONL, gold files or folders of them, as if a previous study's
codings had been imported), prepares the engine and asks it for suggestions
for every respondent segment, transcript by transcript, in file order.

With ``online=True`` a simulated researcher works through the transcripts
in that order: after the engine suggests, it accepts the suggestions that are
right at the level of the gold ids, rejects the others (``record_decision``),
adds the gold codes that were missed (``add_coding``) and lets the engine
``observe`` before the next segment. The per-transcript metrics are then a
learning curve. How segments are matched to gold spans and how codes are
compared is defined in :mod:`codering.suggest.metrics`.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from codering.coding.combine import CodeCombinations
from codering.coding.keystrokes import SearchCosts, Shown, summarise, unit_keys
from codering.coding.search import without_offered
from codering.errors import EvaluationError
from codering.suggest.features import overlaps
from codering.suggest.metrics import Unit, score_units

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.store import Project
    from codering.suggest.engine import EmbeddingSuggester

SIM_CODER = "simulated-coder"
#: Suggestions asked per sentence: as many as the coding screen asks for (it shows what the engine returns).
SCREEN_K = 9
#: Recent codes the picker ranks early (``CodingSession.recent_codes``'s default).
RECENT = 12
TRAIN_CODER = "train"
Say = Callable[[str], None]


@dataclass
class GoldSpan:
    start: int
    end: int
    codes: tuple[str, ...]


def gold_pairs(folder: Path) -> list[tuple[Path, Path]]:
    """(transcript, gold file) pairs in a folder, sorted by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EvaluationError(f"{folder}: not a folder with transcripts and *.gold.jsonl files")
    pairs = []
    for gold in sorted(folder.glob("*.gold.jsonl")):
        stem = gold.name[: -len(".gold.jsonl")]
        candidates = [p for p in folder.glob(stem + ".*") if p != gold and not p.name.endswith(".jsonl")]
        if not candidates:
            raise EvaluationError(f"{gold}: no transcript {stem}.txt beside it")
        pairs.append((sorted(candidates)[0], gold))
    if not pairs:
        raise EvaluationError(f"{folder}: no *.gold.jsonl files")
    return pairs


def _read_gold(path: Path, content: str, codebook: "Codebook") -> list[GoldSpan]:
    from codering.ingest import read_codings_jsonl

    spans = []
    for rec in read_codings_jsonl(path):  # the file pairs it with its transcript (it may be renamed: in_orders)
        if not 0 <= rec.start < rec.end <= len(content):
            raise EvaluationError(f"{rec.source}: span {rec.start}-{rec.end} lies outside the transcript "
                                  f"(0-{len(content)})")
        if rec.text is not None and content[rec.start:rec.end] != rec.text:
            raise EvaluationError(f"{rec.source}: text does not match the transcript at {rec.start}-{rec.end}")
        unknown = [c for c in rec.codes if c not in codebook]
        if unknown:
            raise EvaluationError(f"{rec.source}: unknown code '{unknown[0]}' (not in codebook '{codebook.id}')")
        spans.append(GoldSpan(rec.start, rec.end, tuple(rec.codes)))
    return spans


def _import_transcript(project: "Project", path: Path):
    from codering.ingest import read_transcript

    parsed = read_transcript(path)
    if parsed.name in {t.name for t in project.transcripts()}:
        raise EvaluationError(f"{path}: a transcript named '{parsed.name}' is already in this evaluation")
    project.import_transcript(parsed, str(path))
    return parsed


def import_training(project: "Project", sources: Iterable[str | Path], say: Say) -> set[str]:
    """Import training material with its codings (coder ``train``); return the codes it uses."""
    codebook = project.codebook()
    used: set[str] = set()
    for raw in sources:
        path = Path(raw)
        if path.is_dir():
            pairs = gold_pairs(path)
        elif path.name.endswith(".gold.jsonl"):
            pairs = [p for p in gold_pairs(path.parent) if p[1] == path]
        else:
            _, _, items = import_segments(project, path, codebook)
            used |= {c for _, codes in items for c in codes}
            say(f"training segments from {path.name}")
            continue
        for text_path, gold_path in pairs:
            parsed = _import_transcript(project, text_path)
            spans = _read_gold(gold_path, parsed.content, codebook)
            with project.action(f"import training codings from {gold_path.name}", TRAIN_CODER):
                for span in spans:
                    for code in span.codes:
                        if codebook.get(code).codable:
                            project.add_coding(parsed.name, span.start, span.end, code, TRAIN_CODER, origin="import")
                            used.add(code)
            say(f"training transcript {parsed.name}")
    return used


def read_segments(path: Path, codebook: "Codebook") -> list[tuple[str, list[str]]]:
    """Labelled segments ``{"text", "codes"}`` (codes not in ``codebook`` or not codable are dropped)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: cannot read training segments ({exc})") from None
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text = " ".join(str(obj["text"]).split())
            codes = [c for c in obj.get("codes", []) if isinstance(c, str)]
        except (ValueError, KeyError, TypeError):
            raise EvaluationError(f"{path}:{number}: expected a JSON object with 'text' and 'codes'") from None
        if text:
            items.append((text, [c for c in codes if c in codebook and codebook.codes[c].codable]))
    if not items:
        raise EvaluationError(f"{path}: no labelled segments")
    return items


def import_segments(project: "Project", path: Path, codebook: "Codebook", *, name: str | None = None,
                    with_codes: bool = True) -> tuple[str, list, list[tuple[str, list[str]]]]:
    """Labelled segments become one transcript without interviewer, one turn each.

    Returns (transcript name, its respondent turns, the segments); with
    ``with_codes`` their codes are imported as codings by ``train``.
    """
    from codering.ingest import parse_text

    items = read_segments(path, codebook)
    name = name or f"train-{path.stem}"
    content = f"interview_id: {name}\n\n" + "\n\n".join(f"R: {text}" for text, _ in items) + "\n"
    parsed = parse_text(content, name)
    project.import_transcript(parsed, str(path))
    turns = [t for t in parsed.turns if t.role != "interviewer"]
    if len(turns) != len(items):
        raise EvaluationError(f"{path}: could not turn the segments into one turn each")
    if with_codes:
        with project.action(f"import training segments from {path.name}", TRAIN_CODER):
            for turn, (_, codes) in zip(turns, items):
                for code in codes:
                    project.add_coding(name, turn.body_start, turn.end, code, TRAIN_CODER, origin="import")
    return name, turns, items


def gold_level(code: str, universe: set[str], codebook: "Codebook") -> str | None:
    """The nearest of ``code`` and its ancestors that the gold data uses."""
    if code in universe:
        return code
    if code not in codebook:
        return None
    for anc in codebook.ancestors(code):
        if anc.id in universe:
            return anc.id
    return None


def _levels(codes: Iterable[str], universe: set[str], scope: set[str], codebook) -> list[str]:
    out: list[str] = []
    for code in codes:
        level = gold_level(code, universe, codebook)
        if level is not None and level in scope and level not in out:
            out.append(level)
    return out[:3]


def evaluate(gold_dir: str | Path, *, codebook_path: str | Path | None = None, train: Iterable[str | Path] = (),
             online: bool = False, codes: str | None = None, model: str | None = None, embedder=None,
             cache: bool = True, say: Say | None = None, progress=None,
             engine_options: dict | None = None,
             after: Callable[["Project", "EmbeddingSuggester"], None] | None = None,
             levels: Iterable[str] = (), strict: bool = False) -> dict:
    """Run the evaluation; return the report (see the module docstring and ``metrics``).

    ``after(project, engine)`` is called once the run is done, before the
    temporary project goes: a benchmark can time the engine as the run left it
    (e.g. after online learning).

    ``levels``: codes compared at their own level as if the gold used them.
    Codes are compared at the level of the ids the gold uses, so a suggested
    code that neither the gold nor any of its ancestors uses is skipped in
    top-3 and F1 (the next one moves up); with every factor of the codebook
    in ``levels``, a factor-level gold counts such a suggestion as wrong.
    ``strict``: ``levels`` are every code of the codebook at a depth the gold
    codes have (that ``codes`` matches), so nothing the engine suggests at the
    gold's own level is skipped (``codering evaluate --strict``).
    """
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.suggest.embed import user_vector_cache
    from codering.suggest.engine import EmbeddingSuggester

    say = say or (lambda _m: None)
    codebook = load_codebook(codebook_path or default_codebook_path())
    pattern = None
    if codes:
        try:
            pattern = re.compile(codes)
        except re.error as exc:
            raise EvaluationError(f"--codes: not a valid regular expression ({exc})") from None
    pairs = gold_pairs(Path(gold_dir))
    train = list(train)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="codering-eval-") as tmp:
        with Project.create(Path(tmp) / "evaluation.codering", codebook) as project:
            train_codes = import_training(project, train, say) if train else set()
            golds: dict[str, list[GoldSpan]] = {}
            for text_path, gold_path in pairs:
                parsed = _import_transcript(project, text_path)
                golds[parsed.name] = _read_gold(gold_path, parsed.content, codebook)
            extra = set(levels)
            if strict:
                used = {c for spans in golds.values() for s in spans for c in s.codes if c in codebook}
                depths = {codebook.depth(c) for c in used}
                extra |= {c.id for _, c in codebook.walk() if c.codable and codebook.depth(c.id) in depths
                          and (pattern is None or pattern.search(c.id))}
            unknown = sorted(c for c in extra if c not in codebook)
            if unknown:
                raise EvaluationError(f"levels: unknown code '{unknown[0]}' (not in codebook '{codebook.id}')")
            universe = {c for spans in golds.values() for s in spans for c in s.codes} | train_codes | extra
            scope = [c.id for _, c in codebook.walk() if c.id in universe and (pattern is None or pattern.search(c.id))]
            if not scope:
                raise EvaluationError(f"--codes {codes!r} matches none of the gold codes")
            engine = EmbeddingSuggester(model, embedder=embedder, **(engine_options or {}),
                                        segment_cache=user_vector_cache() if cache else None)
            say(f"preparing the engine ({engine.model_id})")
            engine.prepare(project, progress)
            report = _run(project, engine, golds, universe, scope, codebook, online, say)
            if after is not None:
                after(project, engine)
    report["settings"] = {
        "gold_dir": str(gold_dir), "transcripts": [p[0].name for p in pairs], "model": engine.model_id,
        "codes": codes, "scope": scope, "train": [str(t) for t in train], "online": online, "strict": strict,
        "min_score": engine.min_score, "gate": engine.gate, "fill": engine.fill,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report


def _run(project, engine, golds, universe, scope, codebook, online, say) -> dict:
    scope_set = set(scope)
    all_units: list[Unit] = []
    per_transcript = []
    suggest_ms: list[float] = []
    observe_ms: list[float] = []
    search = SearchCosts(codebook)
    recent: list[str] = []  # the simulated coder's recent codes, newest first (the picker ranks them early)
    combinations = CodeCombinations(codebook, project.coded_spans(SIM_CODER))  # which codes go together
    all_keys = []
    for name, spans in golds.items():
        units = []
        keys = []
        segments = project.segments(name)
        interview = any(seg.role == "interviewer" for seg in segments)  # else a collection: no passages
        for seg in segments:
            if seg.role == "interviewer":
                continue
            gold_all = {c for s in spans if overlaps(seg.start, seg.end, s.start, s.end) for c in s.codes}
            gold = {gold_level(c, universe, codebook) for c in gold_all} & scope_set
            unit = Unit(name, seg.start, seg.end, seg.text, frozenset(gold), frozenset(gold_all),
                        turn=seg.turn if interview else None)
            t0 = time.perf_counter()
            shown = engine.suggest(project, name, seg.start, seg.end, k=SCREEN_K)
            suggest_ms.append((time.perf_counter() - t0) * 1000)
            unit.suggested = len(shown)
            scores = engine.score_span(project, name, seg.start, seg.end)
            if scores is not None:
                # The engine as a suggester over the scored codes: nothing when it abstains, else the
                # likely codes in scope filled up to ``fill`` with the next best in scope (all by rank).
                unit.ranked = _levels(engine.ranked(scores, 0, threshold=False), universe, scope_set, codebook)
                abstains = scores.p_any[0] < engine.gate
                unit.shown = [] if abstains else unit.ranked
                unit.predicted = _levels(engine.ranked(scores, 0, threshold=True, likely_only=True), universe,
                                         scope_set, codebook)
                likely = len(unit.predicted)
                unit.shown = unit.shown[:max(likely, engine.fill)]
            units.append(unit)
            levels = [gold_level(s.code_id, universe, codebook) for s in shown]
            elsewhere = {gold_level(c, universe, codebook) for c in gold_all} - scope_set
            on_screen = [Shown(lv if lv in scope_set else None, s.likely, s.code_id, s.score,
                               right_elsewhere=lv is not None and lv in elsewhere) for lv, s in zip(levels, shown)]
            picker = without_offered(codebook, engine.scores_by_code(scores), [s.code_id for s in shown]) \
                if scores is not None else {}  # the picker's ranking here, as the coding screen gives it
            cost = unit_keys(on_screen, set(unit.gold), lambda code: search.cost(code, recent, picker),
                             still_likely(combinations, engine.min_score))
            keys.append((cost, bool(unit.gold), bool(unit.gold) and unit.gold <= {x.level for x in on_screen}))
            if online:
                applied = _decide(project, engine, unit, shown, universe, codebook)
                combinations.add(applied)
                recent = list(dict.fromkeys([*applied, *recent]))[:RECENT]
                t0 = time.perf_counter()
                engine.observe(project)
                observe_ms.append((time.perf_counter() - t0) * 1000)
        result = score_units(units, scope)
        per_transcript.append({"transcript": name, **result["overall"], **summarise(keys)})
        all_keys.extend(keys)
        say(f"{name}: top-3 recall {result['overall']['top3_recall']:.3f}, micro-F1 {result['overall']['micro_f1']:.3f}")
        all_units.extend(units)
    report = score_units(all_units, scope)
    report["overall"].update(summarise(all_keys))
    report["per_transcript"] = per_transcript
    report["online"] = per_transcript if online else []
    report["timing"] = {
        "suggest_ms_median": _median(suggest_ms), "suggest_ms_max": round(max(suggest_ms), 2) if suggest_ms else None,
        "observe_ms_median": _median(observe_ms), "observe_ms_max": round(max(observe_ms), 2) if observe_ms else None,
    }
    return report


def in_orders(gold_dir: str | Path, **options) -> Iterator[tuple[list[str], dict]]:
    """``evaluate(..., **options)`` with the transcripts in each rotation of their order and in reverse:
    (the transcript names in the order met, the report) for each. Online learning depends on the order
    the engine meets the interviews in, so one order is one sample."""
    pairs = gold_pairs(Path(gold_dir))
    sequences = [pairs[i:] + pairs[:i] for i in range(len(pairs))] + [pairs[::-1]]
    for sequence in sequences:
        with tempfile.TemporaryDirectory(prefix="codering-order-") as tmp:
            for k, (text, gold) in enumerate(sequence):  # a numbered prefix sets the order they are read in
                (Path(tmp) / f"{k:02d}-{text.name}").symlink_to(text.resolve())
                (Path(tmp) / f"{k:02d}-{gold.name}").symlink_to(gold.resolve())
            report = evaluate(tmp, **options)
        yield [text.stem for text, _ in sequence], report


def still_likely(combinations: CodeCombinations, likely: float):
    """The coding screen's rule for what holds it after an accept (``CodingSession._still_likely``)."""
    def holds(taken, s) -> bool:
        return s.likely and combinations.still_likely([t.code for t in taken if t.code], s.code, s.score, likely)
    return holds


def _decide(project, engine, unit: Unit, shown, universe, codebook) -> list[str]:
    """The simulated researcher: accept what is right, reject what is wrong, add what was missed.
    Returns the codes it applied."""
    gold_levels = {gold_level(c, universe, codebook) for c in unit.gold_all}
    covered: set[str] = set()
    applied: list[str] = []
    for s in shown:
        level = gold_level(s.code_id, universe, codebook)
        right = level is not None and level in gold_levels
        project.record_decision(unit.transcript, unit.start, unit.end, s.code_id, right, SIM_CODER,
                                score=s.score, model_id=engine.model_id)
        if right:
            covered.add(level)
            applied.append(s.code_id)
    for code in sorted(unit.gold_all):
        if gold_level(code, universe, codebook) not in covered and codebook.get(code).codable:
            project.add_coding(unit.transcript, unit.start, unit.end, code, SIM_CODER)
            applied.append(code)
    return applied


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2], 2)
