"""Which factor the engine shows for a family: is it the right one? (../shared/data, real model)

The suggestion list shows each family (a ``stim.*``/``rem.*`` category) as
one factor of Tabel 5/6 (``codering.suggest.explain.choose_code``). The
development gold is family-level, so ``codering evaluate`` and
``suggest_quality.py`` only count whether the family is right. This script
measures the factor: given the right family, how often the factor shown is
the one the segment illustrates.

*Labels.* Every segment of ``../shared/data/dev_segments.jsonl`` with a
``stim.*``/``rem.*`` code was labelled by hand with the factor of that family
it illustrates, by reading the segment and its ``note`` against the
codebook's factor descriptions (``LEAVES`` below: segment id and factor id,
nothing else; the texts are read from ../shared at run time and never copied
into the repository). Where no factor of the family fits, the segment is
left out (``LEFT_OUT``). These labels are a measuring instrument only; they
are not used by the engine, the codebook or the tests.

*Settings.*

* zero-shot: all 160 segments as one collection without codings; the
  factor is chosen from the codebook's phrases alone;
* learned: ``FOLDS``-fold over the labelled segments (spread over the folds
  family by family). For each fold the other segments are imported as the
  coder's codings - the labelled factor where there is one, the codes as
  given otherwise (the left-out segments at their category, as a coder
  codes a category directly when no factor fits) - and the fold's segments
  as a second collection without codings, which is scored.

*Figures* (per (segment, family) pair, given the right family): accuracy of
the factor shown; mean reciprocal rank of the labelled factor among the
family's factors as ``leaf_fit`` orders them; chance = mean 1 / number of
factors in the family (the accuracy of a random pick).

Run: PYTHONPATH=. .venv/bin/python benchmarks/leaf_choice.py [--data FILE] [--model NAME] [--folds N]
     [--per-segment]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DATA = SHARED / "data" / "dev_segments.jsonl"
FOLDS = 5

# Segment id -> the factor(s) it illustrates (one per stim./rem. family it is coded with).
LEAVES: dict[str, tuple[str, ...]] = {
    # stim.inhoud
    "dev-001": ("stim.inhoud.zelfde_doelgroep",),
    "dev-002": ("stim.inhoud.aanvullende_behandelingen_methodieken",),
    "dev-003": ("stim.inhoud.concrete_casus",),
    "dev-004": ("stim.inhoud.outreachend_werken",),
    "dev-005": ("stim.inhoud.gedeeld_zorgplan",),
    "dev-006": ("stim.inhoud.bruggenbouwer_zijn",),
    "dev-111": ("stim.inhoud.aanvullende_behandelingen_methodieken",),
    "dev-148": ("stim.inhoud.aanvullende_behandelingen_methodieken",),
    # stim.juridisch
    "dev-007": ("stim.juridisch.wettelijke_verplichting",),
    "dev-008": ("stim.juridisch.projectvoorwaarde",),
    "dev-009": ("stim.juridisch.politieke_opdracht",),
    "dev-010": ("stim.juridisch.wettelijke_verplichting",),  # a regulatory condition
    "dev-011": ("stim.juridisch.wettelijke_verplichting",),
    "dev-012": ("stim.juridisch.wettelijke_verplichting",),  # an imposed condition (closest of the three)
    # stim.financieel
    "dev-013": ("stim.financieel.serviceclub",),
    "dev-014": ("stim.financieel.kosten_locatie_delen",),
    "dev-015": ("stim.financieel.projectsubsidies",),
    "dev-016": ("stim.financieel.sociaal_ondernemerschap",),
    "dev-018": ("stim.financieel.projectsubsidies",),
    # stim.organisatorisch
    "dev-019": ("stim.organisatorisch.gedeelde_procedure",),
    "dev-020": ("stim.organisatorisch.kennis_functie_en_organisatie",),
    "dev-021": ("stim.organisatorisch.flexibiliteit",),
    "dev-022": ("stim.organisatorisch.eerstelijnszone",),
    "dev-023": ("stim.organisatorisch.schaalvergroting",),
    "dev-024": ("stim.organisatorisch.compatibele_werking",),
    "dev-106": ("stim.organisatorisch.flexibiliteit",),  # room to act without a manager's signature
    "dev-139": ("stim.organisatorisch.gedeelde_procedure",),  # a shared hand-over tool
    # stim.praktisch
    "dev-025": ("stim.praktisch.nabijheid",),
    "dev-026": ("stim.praktisch.vaste_overlegmomenten",),
    "dev-027": ("stim.praktisch.nieuwe_collega_doet_kennismakingsronde",),
    "dev-028": ("stim.praktisch.tijdswinst_online_overleg",),
    "dev-029": ("stim.praktisch.aanspreekbaarheid",),
    "dev-030": ("stim.praktisch.meer_vrijwilligers",),
    "dev-126": ("stim.praktisch.aanspreekbaarheid",),
    # stim.persoonlijk
    "dev-031": ("stim.persoonlijk.klik",),
    "dev-032": ("stim.persoonlijk.respecteren_en_vertrouwen",),
    "dev-033": ("stim.persoonlijk.elkaar_kennen",),
    "dev-034": ("stim.persoonlijk.respecteren_en_vertrouwen",),
    "dev-035": ("stim.persoonlijk.vriendelijkheid",),
    "dev-036": ("stim.persoonlijk.elkaar_kennen",),
    # stim.politiek
    "dev-037": ("stim.politiek.becijferd_en_structureel_beleid",),
    "dev-038": ("stim.politiek.steun_door_het_beleid_voor_draagvlak_en_duurzaamheid",),
    "dev-039": ("stim.politiek.leiderschap",),
    "dev-040": ("stim.politiek.becijferd_en_structureel_beleid",),
    "dev-041": ("stim.politiek.steun_door_het_beleid_voor_draagvlak_en_duurzaamheid",),
    "dev-042": ("stim.politiek.samenwerking_binnen_strekkingen",),
    # stim.historisch
    "dev-043": ("stim.historisch.verzuiling",),
    "dev-044": ("stim.historisch.terugkerende_activiteiten",),
    "dev-045": ("stim.historisch.eerdere_succeservaringen",),
    "dev-046": ("stim.historisch.levensbeschouwelijke_noden_clienten",),
    "dev-047": ("stim.historisch.eerdere_succeservaringen",),  # a positive history of working together
    "dev-048": ("stim.historisch.eerdere_succeservaringen",),
    # rem.inhoud
    "dev-049": ("rem.inhoud.iedereen_doet_maar_wat",),
    "dev-050": ("rem.inhoud.andere_visie_of_taakinvulling",),
    "dev-051": ("rem.inhoud.verkeerde_verwijzingen",),
    "dev-052": ("rem.inhoud.eigen_doelen_ipv_algemeen_belang",),
    "dev-053": ("rem.inhoud.onvoldoende_actiegericht",),
    "dev-054": ("rem.inhoud.zelf_oplossen_ipv_samenwerken",),
    "dev-112": ("rem.inhoud.geen_gezamenlijke_opdracht",),  # no (longer a) shared purpose
    # rem.juridisch (dev-061 is also rem.financieel)
    "dev-055": ("rem.juridisch.beroepsgeheim_en_privacywetgeving",),
    "dev-056": ("rem.juridisch.onduidelijkheid_mbt_bevoegdheden_en_opdrachten",),
    "dev-057": ("rem.juridisch.verschillende_statuten_personeel",),
    "dev-058": ("rem.juridisch.verschillende_terugbetalingsregelingen",),
    "dev-059": ("rem.juridisch.zelfde_aanbod_vanuit_verschillende_structuren",),
    "dev-060": ("rem.juridisch.te_veel_regels_en_beperkingen",),
    "dev-061": ("rem.juridisch.onvoldoende_ondersteuning_ondanks_verplichtingen",
                "rem.financieel.gebrek_aan_middelen_personeel_tijd"),
    # rem.financieel
    "dev-062": ("rem.financieel.gebrek_aan_middelen_personeel_tijd",),
    "dev-063": ("rem.financieel.projectfinanciering",),
    "dev-064": ("rem.financieel.hoge_kostprijs_dienst_andere",),
    "dev-065": ("rem.financieel.gebrek_aan_middelen_personeel_tijd",),
    "dev-066": ("rem.financieel.gebrek_aan_middelen_personeel_tijd",),  # collaboration time not paid
    "dev-067": ("rem.financieel.gebrek_aan_middelen_personeel_tijd",),
    # rem.organisatorisch
    "dev-068": ("rem.organisatorisch.personeelwissels",),
    "dev-069": ("rem.organisatorisch.reorganisaties",),
    "dev-070": ("rem.organisatorisch.wachtlijsten",),
    "dev-071": ("rem.organisatorisch.geen_gedeeld_it_platform",),
    "dev-072": ("rem.organisatorisch.gebrek_aan_leiderschap",),  # a manager who stops it
    "dev-073": ("rem.organisatorisch.administratie",),
    "dev-074": ("rem.organisatorisch.vastgeroest_in_bestaande_werking",),
    "dev-099": ("rem.organisatorisch.concurrentie",),
    "dev-102": ("rem.organisatorisch.concurrentie",),  # market logic
    "dev-104": ("rem.organisatorisch.concurrentie",),
    "dev-105": ("rem.organisatorisch.onduidelijke_communicatie_en_slechte_afstemming",),  # within one house
    "dev-109": ("rem.organisatorisch.afbakening_takenpakket",),  # temporal specialisation
    "dev-110": ("rem.organisatorisch.gebrek_aan_leiderschap",),  # hierarchical logic: management vs doers
    "dev-113": ("rem.organisatorisch.reorganisaties",),  # overlapping new structures (the factor's definition)
    "dev-125": ("rem.organisatorisch.reorganisaties",),  # a structure merged away
    # rem.praktisch
    "dev-075": ("rem.praktisch.grote_afstand",),
    "dev-076": ("rem.praktisch.tijdsgebrek",),
    "dev-077": ("rem.praktisch.gezamenlijke_momenten_vinden",),
    "dev-078": ("rem.praktisch.afwezigheid_actoren",),
    "dev-079": ("rem.praktisch.te_veel_en_lang_vergaderen",),
    "dev-080": ("rem.praktisch.coronacrisis",),
    # rem.persoonlijk
    "dev-081": ("rem.persoonlijk.elkaar_niet_kennen",),
    "dev-082": ("rem.persoonlijk.gebrek_aan_betrokkenheid_en_interesse",),
    "dev-083": ("rem.persoonlijk.autoritaire_houding",),
    "dev-084": ("rem.persoonlijk.onvoldoende_wederzijds_vertrouwen",),
    "dev-085": ("rem.persoonlijk.jaloezie",),
    "dev-086": ("rem.persoonlijk.hoge_drempel_door_gebrekkig_overzicht",),
    # rem.politiek
    "dev-087": ("rem.politiek.eigenbelang",),
    "dev-088": ("rem.politiek.concurrentie",),
    "dev-089": ("rem.politiek.gebrek_aan_steun",),
    "dev-090": ("rem.politiek.belemmerend_bij_onvoldoende_voeling_praktijk",),
    "dev-091": ("rem.politiek.elkaar_niet_erkennen_als_evenwaardige_partner",),
    "dev-092": ("rem.politiek.tegengestelde_politieke_voorkeuren",),
    # rem.historisch
    "dev-093": ("rem.historisch.verzuiling",),
    "dev-094": ("rem.historisch.geen_eerder_bestaande_samenwerking",),
    "dev-096": ("rem.historisch.verzuiling",),
    "dev-097": ("rem.historisch.geen_eerder_bestaande_samenwerking",),
    "dev-098": ("rem.historisch.geen_eerder_bestaande_samenwerking",),
}

# Segment id -> the family no factor of which fits it (left out of the figures).
LEFT_OUT: dict[str, str] = {
    "dev-017": "stim.financieel",  # a venue paid by someone else: neither shared costs nor a project grant
    "dev-108": "stim.organisatorisch",  # one team from start to end: none of the seven factors
    "dev-095": "rem.historisch",  # a history of quarrels: neither pillarisation nor no earlier collaboration
}


def fail(message: str) -> None:
    print(f"leaf_choice: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_data(path: Path, codebook) -> dict[str, dict]:
    """The segments by id; a clear error when the labels here no longer fit the file or the codebook."""
    try:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8-sig").splitlines() if line.strip()]
        data = {str(r["id"]): {"text": str(r["text"]), "codes": list(r["codes"])} for r in rows}
    except FileNotFoundError:
        fail(f"{path}: development segments not found")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        fail(f"{path}: cannot read the segments ({exc})")
    for sid, leaves in LEAVES.items():
        if sid not in data:
            fail(f"{path.name}: no segment '{sid}' any more")
        families = {c for c in data[sid]["codes"] if c.startswith(("stim.", "rem."))}
        for leaf in leaves:
            if leaf not in codebook:
                fail(f"factor '{leaf}' is not in the codebook")
            if codebook.get(leaf).parent not in families:
                fail(f"{sid}: labelled '{leaf}', but the segment's families are {sorted(families)}")
    for sid, fam in LEFT_OUT.items():
        if sid not in data or fam not in data[sid]["codes"]:
            fail(f"{path.name}: '{sid}' is no longer coded '{fam}'")
    labelled = {(sid, codebook.get(leaf).parent) for sid, leaves in LEAVES.items() for leaf in leaves}
    for sid, item in data.items():
        for fam in item["codes"]:
            if fam.startswith(("stim.", "rem.")) and (sid, fam) not in labelled and LEFT_OUT.get(sid) != fam:
                fail(f"{sid}: family '{fam}' has no factor label here (label it or leave it out)")
    return data


def pairs() -> list[tuple[str, str, str]]:
    """(segment id, family, labelled factor), ordered by family then segment."""
    from codering.codebook import default_codebook_path, load_codebook

    codebook = load_codebook(default_codebook_path())
    return sorted(((sid, codebook.get(leaf).parent, leaf) for sid, leaves in LEAVES.items() for leaf in leaves),
                  key=lambda p: (p[1], p[0]))


def folds(items: list[tuple[str, str, str]], k: int) -> list[set[str]]:
    """Segment ids in ``k`` folds, each family spread over them (round robin within the family order)."""
    out: list[set[str]] = [set() for _ in range(k)]
    where: dict[str, int] = {}
    for n, (sid, _, _) in enumerate(items):
        if sid not in where:
            where[sid] = n % k
        out[where[sid]].add(sid)
    return out


def _write(path: Path, ids: list[str], data: dict, codes) -> Path:
    path.write_text("".join(json.dumps({"id": sid, "text": data[sid]["text"], "codes": codes(sid)},
                                       ensure_ascii=False) + "\n" for sid in ids), encoding="utf-8")
    return path


def coder_codes(sid: str, data: dict, codebook) -> list[str]:
    """The codes a coder who codes factors gives the segment: the labelled factor instead of its family."""
    leaves = LEAVES.get(sid, ())
    replaced = {codebook.get(leaf).parent for leaf in leaves}
    return [c for c in data[sid]["codes"] if c not in replaced] + list(leaves)


def score(engine, project, name: str, turns, ids: list[str], codebook) -> list[dict]:
    """For each (segment, family) pair of ``ids``: the factors' fit, the one shown, the labelled one."""
    from codering.suggest.explain import choose_code, leaf_fit

    heads = engine.zeroshot.head_index
    out = []
    for sid, turn in zip(ids, turns):
        leaves = LEAVES.get(sid, ())
        if not leaves:
            continue
        scores = engine.score_span(project, name, turn.body_start, turn.end)
        if scores is None:
            fail(f"{sid}: the engine scored nothing for the segment")
        for leaf in leaves:
            family = codebook.get(leaf).parent
            h = heads[family]
            children, fit = leaf_fit(engine, scores, 0, h)
            order = [children[j] for j in np.argsort(-fit, kind="stable")]
            learner = engine.learner
            examples = bool(learner is not None and learner.trained and learner.data.member_pos.get(leaf))
            out.append({"id": sid, "family": family, "gold": leaf, "shown": choose_code(engine, scores, 0, h),
                        "rank": order.index(leaf) + 1, "n": len(children), "first": order[0],
                        "examples": examples})
    return out


def run(data: dict, model: str | None, k: int) -> tuple[list[dict], list[dict], str]:
    """(zero-shot rows, learned rows, model id)."""
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.evaluate import import_segments
    from codering.store import Project
    from codering.suggest.embed import user_vector_cache
    from codering.suggest.engine import EmbeddingSuggester

    codebook = load_codebook(default_codebook_path())
    ids = list(data)
    embedder = None

    def engine_for(project):
        nonlocal embedder
        engine = (EmbeddingSuggester(embedder=embedder, segment_cache=user_vector_cache()) if embedder is not None
                  else EmbeddingSuggester(model, segment_cache=user_vector_cache()))
        engine.prepare(project)
        embedder = engine.embedder
        return engine

    with tempfile.TemporaryDirectory(prefix="codering-leaf-") as tmp:
        folder = Path(tmp)
        with Project.create(folder / "zero-shot.codering", codebook) as project:
            path = _write(folder / "all.jsonl", ids, data, lambda sid: [])
            name, turns, _ = import_segments(project, path, codebook, name="segments", with_codes=False)
            engine = engine_for(project)
            zero = score(engine, project, name, turns, ids, codebook)
            model_id = engine.model_id
        learned = []
        for f, held in enumerate(folds(pairs(), k)):
            with Project.create(folder / f"fold{f}.codering", codebook) as project:
                train = _write(folder / f"train{f}.jsonl", [s for s in ids if s not in held], data,
                               lambda sid: coder_codes(sid, data, codebook))
                import_segments(project, train, codebook, name="coded")
                test_ids = [s for s in ids if s in held]
                test = _write(folder / f"test{f}.jsonl", test_ids, data, lambda sid: [])
                name, turns, _ = import_segments(project, test, codebook, name="held-out", with_codes=False)
                engine = engine_for(project)
                if not engine.learner or not engine.learner.trained:
                    fail(f"fold {f}: the engine learned nothing from the coded segments")
                learned += score(engine, project, name, turns, test_ids, codebook)
    return zero, learned, model_id


def figures(rows: list[dict]) -> tuple[int, float, float, float]:
    """(pairs, accuracy of the factor shown, mean reciprocal rank, chance)."""
    n = len(rows)
    return (n, sum(r["shown"] == r["gold"] for r in rows) / n, sum(1 / r["rank"] for r in rows) / n,
            sum(1 / r["n"] for r in rows) / n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA), help="the development segments (JSONL with ids)")
    ap.add_argument("--model", default=None)
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument("--per-segment", action="store_true", help="print each pair's labelled and shown factor")
    args = ap.parse_args()
    from codering.codebook import default_codebook_path, load_codebook

    codebook = load_codebook(default_codebook_path())
    data = read_data(Path(args.data), codebook)
    zero, learned, model_id = run(data, args.model, args.folds)
    segments = len(LEAVES)
    print(f"{segments} segments labelled with a factor ({len(zero)} (segment, family) pairs), "
          f"{len(LEFT_OUT)} left out (no factor fits); model {model_id}; learned = {args.folds}-fold")
    print(f"{'family':22s} {'pairs':>5s} {'factors':>7s} {'chance':>6s} | {'zero-shot acc':>13s} {'MRR':>5s} | "
          f"{'learned acc':>11s} {'MRR':>5s}")
    by_family: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(zero):
        by_family[r["family"]].append(i)
    for family in sorted(by_family):
        z = [zero[i] for i in by_family[family]]
        lrn = [r for r in learned if r["family"] == family]
        n, za, zm, chance = figures(z)
        _, la, lm, _ = figures(lrn)
        print(f"{family:22s} {n:5d} {z[0]['n']:7d} {chance:6.3f} | {za:13.3f} {zm:5.3f} | {la:11.3f} {lm:5.3f}")
    n, za, zm, chance = figures(zero)
    _, la, lm, _ = figures(learned)
    print(f"{'all':22s} {n:5d} {'':7s} {chance:6.3f} | {za:13.3f} {zm:5.3f} | {la:11.3f} {lm:5.3f}")
    for has, label in ((True, "with"), (False, "without")):
        keys = {(r["id"], r["family"]) for r in learned if r["examples"] == has}
        z = [r for r in zero if (r["id"], r["family"]) in keys]
        lrn = [r for r in learned if (r["id"], r["family"]) in keys]
        if lrn:
            n, za, zm, chance = figures(z)
            _, la, lm, _ = figures(lrn)
            print(f"{'  ' + label + ' examples':22s} {n:5d} {'':7s} {chance:6.3f} | {za:13.3f} {zm:5.3f} | "
                  f"{la:11.3f} {lm:5.3f}")
    print("  (with / without examples: the labelled factor has / has no coded example in the other folds)")
    if args.per_segment:
        print("\nsegment, labelled factor, shown zero-shot (rank of the labelled one), shown learned (rank)")
        learned_by = {(r["id"], r["family"]): r for r in learned}
        for r in zero:
            lr = learned_by[(r["id"], r["family"])]
            print(f"  {r['id']} {r['gold']:60s} {'*' if r['shown'] == r['gold'] else ' '} "
                  f"{r['shown'].split('.')[-1]:30s} ({r['rank']}) {'*' if lr['shown'] == lr['gold'] else ' '} "
                  f"{lr['shown'].split('.')[-1]:30s} ({lr['rank']})")


if __name__ == "__main__":
    main()
