"""Command-line commands of the suggestion engine: ``suggest``, ``evaluate``, ``model``, ``adapt``.

They are registered in :mod:`codering.cli.root`. Importing this module is cheap:
numpy, torch, sentence-transformers and the engine are imported inside the
commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from codering.cli.common import console


def _err_console():
    return console(stderr=True)


def _console():
    return console(follow_terminal=True)


class _Bar:
    """Feeds the engine's ``progress(what, done, total)`` into a rich progress bar."""

    LABELS = {"embedding the codebook": "Embedding the codebook", "embedding segments": "Embedding segments",
              "ready": "Ready"}

    def __init__(self, progress) -> None:
        self.progress = progress
        self.tasks: dict[str, object] = {}

    def __call__(self, what: str, done: int, total: int) -> None:
        label = self.LABELS.get(what, what)
        task = self.tasks.get(what)
        if task is None:
            task = self.tasks[what] = self.progress.add_task(label, total=total or None)
        self.progress.update(task, completed=done, total=total or None)

    def say(self, message: str) -> None:
        self.progress.console.print(message)


def _progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=_err_console(), transient=True)


# -- codering suggest -------------------------------------------------------------------

@click.command("suggest")
@click.argument("transcripts", nargs=-1, metavar="[TRANSCRIPT...]")
@click.option("--model", default=None, metavar="NAME",
              help="Embedding model for this run (default: the project's setting 'model', else the offline default).")
@click.option("-k", "--top", "k", default=3, show_default=True, type=click.IntRange(1, 10),
              help="Suggestions stored per segment at most.")
@click.pass_obj
def suggest_command(state, transcripts: tuple[str, ...], model: str | None, k: int) -> None:
    """Embed and score a whole project; store suggestions for TRANSCRIPTs (default: all).

    Every segment is embedded once per model and kept in the project, in
    chunks, so an interrupted run (Ctrl-C) resumes where it stopped. The
    stored suggestions are what the coding screen shows first.
    """
    from codering.suggest.batch import store_transcript_suggestions
    from codering.suggest.engine import EmbeddingSuggester

    project = state.project()
    names = {t.name for t in project.transcripts()}
    missing = [t for t in transcripts if t not in names]
    if missing:
        raise click.UsageError(f"no transcript named '{missing[0]}' in the project")
    if not names:
        raise click.UsageError("the project has no transcripts yet: import some first")
    engine = EmbeddingSuggester(model)
    with _progress() as progress:
        bar = _Bar(progress)
        bar.say(f"Model: {engine.model_id if model else project.setting('model') or engine.model_id}")
        engine.prepare(project, progress=bar)
        selected = list(transcripts) or [t.name for t in project.transcripts()]
        task = progress.add_task("Scoring", total=len(selected))
        totals = {"segments": 0, "with": 0}
        for name in selected:
            counts = store_transcript_suggestions(project, engine, name, k)
            totals["segments"] += counts[0]
            totals["with"] += counts[1]
            progress.advance(task)
    click.echo(f"Stored suggestions for {totals['with']} of {totals['segments']} respondent segments in "
               f"{len(selected)} transcript(s) (model {engine.model_id}); the others carry no likely code.")


# -- codering evaluate ------------------------------------------------------------------

@click.command("evaluate")
@click.argument("gold_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--online", is_flag=True, help="Simulate a researcher who accepts, rejects and adds codes as they go.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Also write the full report as JSON (an earlier report of that name is replaced; any other "
                   "file only with --force).")
@click.option("--force", is_flag=True, help="Let --json replace a file that is not an earlier report.")
@click.option("--codes", default=None, metavar="REGEX", help="Score only gold codes matching REGEX, e.g. '^(stim|rem)\\.'.")
@click.option("--train", multiple=True, type=click.Path(exists=True),
              help="Labelled segments (JSONL), a gold file or a folder of them, imported as earlier codings. Repeatable.")
@click.option("--codebook", "codebook_path", type=click.Path(exists=True, dir_okay=False),
              help="Codebook to evaluate with (default: the shipped codebook).")
@click.option("--model", default=None, metavar="NAME", help="Embedding model (default: the offline default model).")
@click.option("--min-score", type=click.FloatRange(0, 1), default=None,
              help="Smallest probability of a likely suggestion, the ones counted as predictions (default: the F1-best for the project's decisions, starting at 0.1).")
@click.option("--fill", type=click.IntRange(0, 9), default=None,
              help="Show at least this many suggestions when not abstaining, likely or not (default 5).")
@click.option("--gate", type=click.FloatRange(0, 1), default=None,
              help="Abstain when P(any code) is below this (default: derived from the project's decisions, starting at 0.5; 0 never abstains).")
@click.option("--no-cache", is_flag=True, help="Do not keep vectors of the evaluation texts in the per-user cache.")
@click.option("--strict", is_flag=True,
              help="Score every code at the gold's own level(s), used by the gold or not: a suggested factor the "
                   "gold never uses counts as wrong instead of being skipped.")
def evaluate_command(gold_dir: str, online: bool, json_path: str | None, codes: str | None, train: tuple[str, ...],
                     codebook_path: str | None, model: str | None, min_score: float | None, fill: int | None,
                     gate: float | None, no_cache: bool, strict: bool, force: bool) -> None:
    """Measure suggestion quality against gold codings in GOLD_DIR.

    GOLD_DIR holds transcripts (NAME.txt) with gold codings (NAME.gold.jsonl).
    They are imported into a temporary project without their codings; the
    engine suggests codes for every respondent sentence. Reports precision,
    recall, micro/macro F1, top-3 recall and Cohen's kappa, per code and
    overall. A sentence carries a gold code when a gold span with that code
    covers at least half of it or it covers at least half of the span; codes
    are compared at the level of the gold ids (a factor counts as its
    category); a suggested code whose level the gold never uses is skipped,
    unless --strict. Also reports keys per coded sentence under the coding
    screen's rules, and, for interviews, how many gold codes that start a
    passage and that continue one were predicted.
    """
    from codering.coding.evaluate import evaluate

    if json_path and not Path(json_path).expanduser().resolve().parent.is_dir():  # told now, not after the run
        raise click.BadParameter(f"{json_path}: its folder does not exist", param_hint="--json")
    if json_path and not force and Path(json_path).exists() and not _earlier_report(Path(json_path)):
        raise click.BadParameter(f"{json_path} exists and is not an earlier evaluation report; name another "
                                 "file, or add --force to replace it", param_hint="--json")
    options = {}
    if min_score is not None:
        options["min_score"] = min_score
    if gate is not None:
        options["gate"] = gate
    if fill is not None:
        options["fill"] = fill
    with _progress() as progress:
        bar = _Bar(progress)
        report = evaluate(gold_dir, codebook_path=codebook_path, train=train, online=online, codes=codes,
                          model=model, cache=not no_cache, say=bar.say, progress=bar, engine_options=options,
                          strict=strict)
    print_report(report)
    if json_path:
        from codering.fileio import atomic_write_text

        atomic_write_text(Path(json_path), json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        click.echo(f"Report written to {json_path}")


def _earlier_report(path: Path) -> bool:
    """Whether ``path`` holds a report that ``evaluate --json`` wrote (so writing there again loses nothing
    a new run does not give back): a JSON object with the report's top-level keys."""
    try:
        with path.open("rb") as handle:
            found = json.loads(handle.read(64 * 1024 * 1024))
    except (OSError, ValueError):
        return False
    return isinstance(found, dict) and {"overall", "per_code", "settings"} <= set(found)


def print_report(report: dict) -> None:
    from rich.table import Table

    console = _console()
    o = report["overall"]
    settings = report.get("settings", {})
    mode = "online" if settings.get("online") else ("trained" if settings.get("train") else "zero-shot")
    console.print(f"[bold]{mode}[/bold], model {settings.get('model')}, codes {settings.get('codes') or 'all'}, "
                  f"{o['units']} segments, {o['gold_pairs']} gold codes")
    table = Table("code", "gold", "sugg.", "precision", "recall", "F1", "top-3", "kappa")
    for code, m in report["per_code"].items():
        if not m["support"] and not m["predicted"]:
            continue
        top3 = "-" if m["top3_recall"] is None else f"{m['top3_recall']:.2f}"
        table.add_row(code, str(m["support"]), str(m["predicted"]), f"{m['precision']:.2f}", f"{m['recall']:.2f}",
                      f"{m['f1']:.2f}", top3, f"{m['kappa']:.2f}")
    console.print(table)
    if report.get("per_transcript"):
        per = Table("transcript", "top-3", "micro-F1", "mean kappa", "no suggestion (uncoded / coded)",
                    "keys per coded")
        for t in report["per_transcript"]:
            rate = "-" if t["abstain_rate"] is None else f"{t['abstain_rate']:.2f}"
            rate += " / " + ("-" if t["abstain_rate_coded"] is None else f"{t['abstain_rate_coded']:.2f}")
            keys = "-" if t.get("keys_per_coded_unit") is None else f"{t['keys_per_coded_unit']:.2f}"
            per.add_row(t["transcript"], f"{t['top3_recall']:.3f}", f"{t['micro_f1']:.3f}", f"{t['kappa_mean']:.3f}",
                        rate, keys)
        console.print(per)
    abstain = "-" if o["abstain_rate"] is None else f"{o['abstain_rate']:.2f}"
    console.print(
        f"overall: top-3 recall {o['top3_recall']:.3f} (ranking without thresholds {o['top3_recall_ranked']:.3f}), "
        f"precision {o['precision']:.3f}, recall {o['recall']:.3f}, micro-F1 {o['micro_f1']:.3f}, "
        f"macro-F1 {o['macro_f1']:.3f}, mean kappa {o['kappa_mean']:.3f}, "
        f"no suggestion on {abstain} of the uncoded segments")
    if o.get("keys_per_coded_unit") is not None:
        console.print(
            f"keys: {o['keys_per_coded_unit']:.2f} per coded segment, {o['keys_total']} in all "
            f"({o['codes_from_list']} codes from the list, {o['codes_by_search']} by search); "
            f"every gold code shown on {o['shown_recall']:.2f} of the coded segments")
    passages = o.get("passages")
    if passages:
        console.print(
            f"passages: predicted {passages['starting_predicted']} of the {passages['starting']} gold codes "
            f"that start a passage and {passages['continuing_predicted']} of the {passages['continuing']} "
            f"that continue one; {passages['carried_past_end']} predicted one sentence past a passage's end, "
            f"{passages['other_wrong']} other wrong predictions")


# -- codering model ---------------------------------------------------------------------

@click.group("model")
def model_command() -> None:
    """The embedding model: build the offline default, show or choose the project's model."""


@model_command.command("build")
@click.option("--precision", type=click.Choice(["all", "fp32", "int8"]), default="all", show_default=True,
              help="Build the fp32 folder only, or also its int8 ONNX export (the default runtime).")
def model_build(precision: str) -> None:
    """Build the default offline model (and its int8 ONNX export) into the user's cache (done on first use anyway)."""
    from codering.suggest.model import build_default_model, build_default_models

    say = lambda message: click.echo(message, err=True)  # noqa: E731
    if precision == "fp32":
        click.echo(f"Default model ready in {build_default_model(progress=say)}")
        return
    for name, folder in build_default_models(progress=say).items():
        click.echo(f"{name}: ready in {folder}")


@model_command.command("info")
@click.pass_obj
def model_info(state) -> None:
    """Show the default model, where it is built, and the project's model (with -p)."""
    from codering.suggest.model import DEFAULT_FP32, DEFAULT_INT8, DEFAULT_MODEL, default_model_dir
    from codering.suggest.runtime import int8_dir_for, is_onnx_dir

    folder = default_model_dir()
    built = (folder / "model.safetensors").is_file()
    onnx = int8_dir_for(DEFAULT_FP32)
    click.echo(f"default model: {DEFAULT_MODEL}")
    click.echo(f"folder:        {folder} ({'built' if built else 'not built yet; built on first use'})")
    click.echo(f"int8 ONNX:     {onnx} ({'built' if is_onnx_dir(onnx) else 'not built yet; built on first use'})")
    click.echo(f"precisions:    {DEFAULT_INT8} (ONNX Runtime, default), {DEFAULT_FP32} (PyTorch)")
    if state is not None and getattr(state, "project_path", None):
        project = state.project()
        click.echo(f"project model: {project.setting('model') or DEFAULT_MODEL}")


@model_command.command("use")
@click.argument("name", required=False)
@click.option("--precision", type=click.Choice(["fp32", "int8"]), default=None,
              help="int8: the model's ONNX export quantised to int8 (ONNX Runtime); fp32: the model as it is "
                   "(PyTorch). Without NAME: the project's current model in this precision.")
@click.pass_obj
def model_use(state, name: str | None, precision: str | None) -> None:
    """Make NAME (a sentence-transformers model name or folder) the project's model.

    The model id says the precision (NAME@int8v2 for int8), so vectors of the
    two precisions are kept apart in the project's embedding cache: switching
    back re-uses what was embedded before.
    """
    from codering.errors import SuggestError
    from codering.suggest.model import DEFAULT_FP32, DEFAULT_MODEL
    from codering.errors import CoderingError
    from codering.suggest.runtime import check_int8_recipe, is_onnx_dir, split_precision, with_precision

    if state is None or not getattr(state, "project_path", None):
        raise click.UsageError("no project given: use -p PROJECT")
    if name is None and precision is None:
        raise click.UsageError("give a model NAME, --precision fp32|int8, or both")
    project = state.project()
    if name is None:
        name = project.setting("model") or DEFAULT_MODEL
    if precision is not None:
        if is_onnx_dir(name):
            raise click.UsageError(f"'{name}' is an exported ONNX model; its precision is fixed")
        try:
            name = with_precision(name, precision)
        except SuggestError as exc:
            raise click.UsageError(str(exc)) from None
    try:
        check_int8_recipe(name)  # an old recipe's id is refused now, not at the next `suggest`
    except SuggestError as exc:
        raise CoderingError(str(exc)) from None
    base, _ = split_precision(name)
    if base != DEFAULT_FP32 and not Path(base).expanduser().is_dir():
        if Path(base).expanduser().exists():
            raise CoderingError(f"{base}: not a folder; a model is a sentence-transformers folder or a model name")
        if name != base and base.startswith(("/", "~", ".")):  # a path, not a hub name such as org/model
            raise CoderingError(f"{base}: no such folder")
        if name != base:
            raise click.UsageError(f"int8 needs the default model or a model folder; '{base}' is neither")
        click.echo(f"note: '{name}' is not a folder; it must be a model name sentence-transformers can load "
                   "already in its cache on this machine (codering never downloads)", err=True)
    project.set_setting("model", name)
    click.echo(f"The project now uses {name}; `codering suggest` embeds its segments with it.")


@model_command.command("learn-from")
@click.argument("scope", type=click.Choice(["coder", "consensus", "everyone"]))
@click.pass_obj
def model_learn_from(state, scope: str) -> None:
    """Whose work each coder's suggestions learn from.

    coder (the default): only that coder's own codings and decisions, so a
    second coder's suggestions are not trained on the first coder's codes and
    agreement figures mean something; consensus: also the agreed codings of
    the agreement view; everyone: every coder's work.
    """
    if state is None or not getattr(state, "project_path", None):
        raise click.UsageError("no project given: use -p PROJECT")
    state.project().set_setting("learn_from", scope)
    click.echo(f"Suggestions now learn from: {scope}.")


# -- codering adapt ---------------------------------------------------------------------

@click.command("adapt")
@click.option("--epochs", default=None, type=click.IntRange(1, 20), help="Passes over the pairs (default 1).")
@click.option("--max-pairs", default=None, type=click.IntRange(8, 100000),
              help="Training pairs at most (default 1200; benchmarks/adapt_speed.py measures a round).")
@click.option("--recipe", default=None, metavar="NAME",
              help="Which pairs and loss: setfit (default), hard, hard-contrastive or mnrl.")
@click.option("--lr", default=None, type=click.FloatRange(1e-7, 1e-2), help="Learning rate (default 3e-5).")
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 64), help="CPU threads for torch.")
@click.option("--dry-run", is_flag=True, help="Only show what would be trained on (sentences, held-out part, pairs).")
@click.option("--rollback", is_flag=True, help="Go back to the base model and delete the adapted one.")
@click.option("--status", "show_status", is_flag=True, help="Show the project's model and its last round.")
@click.pass_obj
def adapt_command(state, epochs, max_pairs, recipe, lr, threads, dry_run, rollback, show_status) -> None:
    """Fine-tune the embedding model on this project's own decisions (one round).

    Sentences coded with the same code (a factor counts for its category) are
    pulled together; sentences of other codes and sentences passed over are
    pushed apart (--recipe hard: also rejected suggestions, mirror codes,
    stimulerend against remmend, and the codebook's phrases). Whole
    interviews are held out (the last ones, about 20% of the reviewed
    sentences; with one interview, its last 20%): the adapted model is used
    only if it separates their codes better than the base model (both figures
    are printed); otherwise it is deleted. The base model is never changed.
    Ctrl-C stops the round and changes nothing.
    """
    from codering.suggest import adapt as adaptation

    project = state.project()
    if show_status:
        info = adaptation.status(project)
        click.echo(f"model:      {info['model'] or info['base_model']}")
        click.echo(f"base model: {info['base_model']}")
        click.echo(f"adapted:    {info['adapted'] or '-'} (rounds: {info['round']})")
        click.echo(f"new codings and decisions since the last round: {info['new_events']}")
        if info["last"]:
            click.echo(adaptation.Report(**info["last"]).summary())
        return
    if rollback:
        click.echo(adaptation.rollback(project))
        return
    options = {k: v for k, v in {"epochs": epochs, "max_pairs": max_pairs, "lr": lr,
                                 "recipe": recipe}.items() if v is not None}
    try:
        with _progress() as progress:
            bar = _Bar(progress)
            bar.LABELS = {**bar.LABELS, "training": "Training"}
            report = adaptation.adapt(project, dry_run=dry_run, threads=threads, progress=bar, say=bar.say,
                                      **options)
    except (adaptation.Cancelled, KeyboardInterrupt):
        click.echo(f"codering: adapt cancelled; nothing changed (the project uses "
                   f"{project.setting('model') or adaptation.base_model(project)})", err=True)
        sys.exit(130)
    click.echo(report.summary())


__all__ = ["suggest_command", "evaluate_command", "model_command", "adapt_command", "print_report"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit("run these through `codering`")
