"""Adapt the embedding model to a project: contrastive fine-tuning on the coder's own decisions.

One *round* (``codering adapt``, or the UI after enough new decisions):

1. :func:`collect` reads what the researcher decided, sentence by sentence:
   the code *families* a respondent sentence carries (a factor counts for its
   category, see :func:`codering.suggest.phrases.families`), the families
   whose suggestion was rejected on it, and the sentences passed over
   (reviewed but left uncoded). What counts as reviewed is the rule of
   :mod:`codering.suggest.training`: every respondent sentence of a transcript
   up to the last one touched.
2. The reviewed sentences, in transcript order, are split: whole
   interviews at the end (or, with one interview, the last ``holdout``
   share) are held out, the rest builds training pairs
   (:func:`build_pairs`, SetFit-style). The default recipe ("setfit") pairs
   two sentences of one family (positive) and a sentence with one of another
   family or one passed over (negative). The "hard" recipe adds the coder's
   own confusions as negatives (a sentence of ``stim.X`` with one of its
   mirror ``rem.X``, a sentence with one on which its family was rejected)
   and a sentence with a phrase of its family's codebook entry (positive) or
   of the mirror family's (negative); see :data:`RECIPES`.
3. The base model (the project's model before any adaptation; by default
   the offline model) is loaded and fine-tuned on the pairs with a
   sentence-transformers loss; its word-embedding matrix (96 of its 118
   million weights) stays frozen, which makes a step several times cheaper.
   The base folder is never written.
4. Base and candidate are scored on the held-out sentences the same way
   (:func:`score`): a logistic regression per family on sentence vectors,
   fitted on the training sentences; top-3 recall of the held-out coded
   sentences and mean Cohen's kappa per family. The candidate is *adopted*
   only when the mean of the two beats the base by ``min_gain``: it is
   written as an ordinary sentence-transformers folder (temporary folder,
   then a rename) under ``<cache>/adapted/<project id>/round-N-<stamp>``, and
   the project's ``model`` setting points to it, so the engine embeds the
   project with it on its next ``prepare``. Otherwise the project goes back
   to (or stays on) the base model and the candidate is deleted.

Everything a round decided is kept in project settings (``adapt.*``), so the
adapted model is found again after a restart; :func:`rollback` returns to the
base model. torch and sentence-transformers are imported inside functions.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import tempfile
import time
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from codering.fileio import remove_stale_folders
from codering.errors import SuggestError
from codering.suggest.features import overlaps

if TYPE_CHECKING:
    from codering.store import Project

ProgressFn = Callable[[str, int, int], None]

#: A round needs at least this many coded respondent sentences ...
MIN_CODED = 30
#: ... of which at least this many fall in the held-out part.
MIN_HELD_OUT_CODED = 5
#: The share of reviewed sentences (the last ones in transcript order) held out to judge the candidate.
HOLDOUT = 0.2
#: Pairs built per round at most (what a round costs: benchmarks/adapt_speed.py).
MAX_PAIRS = 1200
EPOCHS = 1
LEARNING_RATE = 3e-5
BATCH_SIZE = 16
#: Only the top encoder layers are trained (of 12): the backward pass stops below them.
TRAIN_LAYERS = 6
#: Tokens per input at most while training (interview sentences are short; long ones are cut).
MAX_TOKENS = 96
#: The candidate must beat the base by this much on (top-3 recall + mean kappa) / 2.
MIN_GAIN = 0.01
#: The UI starts a round when this many codings and decisions were added since the last one.
ROUND_EVERY = 200
#: The most training and held-out sentences a round embeds (a sample beyond; see ``capped``).
MAX_TRAIN = 2000
MAX_HELD_OUT = 600

#: The prefix the engine's embedder puts before every text (the model's "query" prompt).
PROMPT = "query: "
_INFO = "codering-adapt.json"
_TMP_PREFIX = ".adapting-"

# project settings
S_MODEL = "model"  # what the engine uses (read by EmbeddingSuggester.prepare)
S_BASE = "adapt.base_model"  # the model the adapted one was trained from
S_ADAPTED = "adapt.model"  # the adopted folder, if any
S_ROUND = "adapt.round"  # the number of the last round (adopted or not)
S_EVENTS = "adapt.events.made"  # codings made here (not imported) + decisions when the last round started
S_EVENTS_BEFORE = "adapt.events"  # the same with imported codings, as projects before this key kept it
S_LAST = "adapt.last"  # the last round's report (JSON)
S_SUPERSEDED = "adapt.superseded"  # the folder a new round replaced, until it is deleted


class AdaptError(SuggestError):
    title = "Model aanpassen"


class Cancelled(Exception):
    """The round was cancelled; nothing was changed."""


# --------------------------------------------------------------------------
# what the coder decided
# --------------------------------------------------------------------------
@dataclass
class Sentence:
    """A reviewed respondent sentence and what the coder decided on it."""

    key: tuple[int, int]  # (transcript id, segment index)
    transcript: str
    text: str
    families: frozenset[str]  # family heads it carries
    rejected: frozenset[str]  # family heads rejected on it (and not carried)
    interview: bool = True  # from an interview (not a collection of labelled segments)

    @property
    def coded(self) -> bool:
        return bool(self.families)


@dataclass
class Decisions:
    sentences: list[Sentence]  # reviewed, in transcript order
    heads: list[str]  # every family head, codebook order
    mirror: dict[str, str]  # head -> head of the mirror family
    phrases: dict[str, list[str]]  # head -> codebook phrases of the family
    events: int  # codings + decisions in the project
    whose: str = ""  # "by ann (a coder's own work; see `codering model learn-from`)", or "" for everyone's

    @property
    def coded(self) -> int:
        return sum(s.coded for s in self.sentences)


def events_at_last_round(project: "Project") -> int:
    """``event_count`` when the last round started. A project whose last round predates imported codings
    being left out kept a count with them: it is taken less the imported codings, never below 0 (else no
    round would come until as many new decisions had made up for them)."""
    made = project.setting(S_EVENTS)
    if made is not None:
        return int(made)
    before = project.setting(S_EVENTS_BEFORE)
    if before is None:
        return 0
    return max(0, int(before) - int(project.stats()["imported_codings"]))


def event_count(project: "Project") -> int:
    """Codings and decisions made in the project (what the UI counts towards the next round). Imported
    codings do not count: opening a project of 20,000 codings from another tool started a round at once;
    nor do a text search's hits coded in one go (origin ``search``): one key, not a coder's decisions."""
    stats = project.stats()
    return (int(stats["codings"]) - int(stats["imported_codings"]) - int(stats.get("search_codings", 0))
            + int(stats["decisions"]))


def collect(project: "Project") -> Decisions:
    """The reviewed respondent sentences of every transcript, in transcript order (by name)."""
    from codering.suggest.phrases import code_phrases, families

    codebook = project.codebook()
    fams = families(codebook)
    head_of = {member: fam.head for fam in fams.values() for member in fam.members}
    phrases: dict[str, list[str]] = {}
    for phrase in code_phrases(codebook):
        head = head_of.get(phrase.code_id)
        if head is not None:
            phrases.setdefault(head, []).append(phrase.text)
    events = project.learning_events()
    sentences: list[Sentence] = []
    for info in sorted(project.transcripts(), key=lambda t: (t.name, t.id)):
        todo = events.get(info.id)
        if not todo:
            continue
        respondent = [s for s in project.segments(info.id) if s.role != "interviewer"]
        starts = [s.start for s in respondent]
        carried: dict[int, set[str]] = {}
        rejected: dict[int, set[str]] = {}
        skipped: set[int] = set()  # jumped over by the coder's cursor: not passed over (``learning_events``)
        seen: set[int] = set()  # touched by the coder's own codings and decisions (not a search's bulk "b")
        for kind, start, end, code in todo:
            head = head_of.get(code)
            if head is None and kind != "s":
                continue
            lo = max(0, bisect_right(starts, start) - 1)
            for i in range(lo, len(respondent)):
                seg = respondent[i]
                if seg.start >= end:
                    break
                if overlaps(seg.start, seg.end, start, end):
                    if kind == "s":
                        skipped.add(i)
                    else:
                        (rejected if kind == "r" else carried).setdefault(i, set()).add(head)
                        if kind != "b":
                            seen.add(i)
        touched = seen | set(rejected)
        if not touched:
            continue
        last = max(touched)
        interview = len(respondent) < len(project.segments(info.id))  # it has interviewer turns
        for i, seg in enumerate(respondent[:last + 1]):
            if i in skipped and i not in touched:
                continue
            pos = frozenset(carried.get(i, ()))
            sentences.append(Sentence((info.id, seg.index), info.name, seg.text, pos,
                                      frozenset(rejected.get(i, ())) - pos, interview))
    heads = list(fams)
    mirror = {f.head: f.mirror for f in fams.values() if f.mirror}
    scope, coder = project.learning_scope()
    whose = "" if scope == "everyone" else (
        f" by {coder}{' or agreed' if scope == 'consensus' else ''} (the model learns from each coder's own "
        "work; `codering model learn-from everyone` takes every coder's)")
    return Decisions(sentences, heads, mirror, phrases, event_count(project), whose)


def capped(sentences: list[Sentence], most: int, seed: int = 0) -> list[Sentence]:
    """At most ``most`` of ``sentences`` (a seeded sample, in their order). A round embeds its sentences
    with the base and the candidate model in PyTorch: on a project of 120 coded interviews (15,000
    reviewed sentences) that was about 20 minutes and 1.9 GB a round, every 200 decisions. The pairs
    (``MAX_PAIRS``) and the judge's regression need no more than a few thousand."""
    if len(sentences) <= most:
        return sentences
    keep = set(np.random.default_rng(seed).choice(len(sentences), size=most, replace=False).tolist())
    return [s for i, s in enumerate(sentences) if i in keep]


def split(decisions: Decisions, holdout: float = HOLDOUT) -> tuple[list[Sentence], list[Sentence]]:
    """(training, held-out).

    With two or more coded interviews, whole interviews are held out: the
    last ones (in the project's order), as many as make about ``holdout`` of
    the reviewed sentences, never the first and never more than half. The
    candidate is then judged on interviews whose passages, speakers and
    wording no training pair has seen, as it will be used. (Holding out the
    last sentences of interviews it trained on, the judge adopted a model
    that was no better on unseen interviews: see the README.) Otherwise the
    last ``holdout`` share of the reviewed sentences is held out.
    """
    sentences = decisions.sentences
    interviews = list(dict.fromkeys(s.key[0] for s in sentences if s.interview))
    if len(interviews) >= 2:
        size = {tid: 0 for tid in interviews}
        for s in sentences:
            if s.key[0] in size:
                size[s.key[0]] += 1
        held: set[int] = set()
        for tid in reversed(interviews[1:]):
            if held and sum(size[t] for t in held) + size[tid] > len(sentences) / 2:
                break
            held.add(tid)
            if sum(size[t] for t in held) >= holdout * len(sentences):
                break
        if sum(size[t] for t in held) <= len(sentences) / 2:
            return ([s for s in sentences if s.key[0] not in held], [s for s in sentences if s.key[0] in held])
    n_test = int(round(len(sentences) * holdout))
    return sentences[:len(sentences) - n_test], sentences[len(sentences) - n_test:]


def check_enough(decisions: Decisions, train: list[Sentence], test: list[Sentence],
                 min_coded: int = MIN_CODED) -> None:
    """A one-line :class:`AdaptError` when there is too little to learn from or to judge by."""
    coded = decisions.coded
    if coded < min_coded:
        raise AdaptError(f"adapting the model needs at least {min_coded} coded sentences; this project has "
                         f"{coded}{decisions.whose}: code {min_coded - coded} more first")
    held = sum(s.coded for s in test)
    if held < MIN_HELD_OUT_CODED:
        whole = {s.transcript for s in test} & {s.transcript for s in train}
        part = (f"the last {int(HOLDOUT * 100)}% of the reviewed sentences" if whole or not test
                else ", ".join(dict.fromkeys(s.transcript for s in test)))
        raise AdaptError(f"adapting the model needs at least {MIN_HELD_OUT_CODED} coded sentences in the part held "
                         f"out to judge it ({part}); it has {held}: code {MIN_HELD_OUT_CODED - held} more there first")
    per_family: dict[str, int] = {}
    for s in train:
        for h in s.families:
            per_family[h] = per_family.get(h, 0) + 1
    if sum(1 for n in per_family.values() if n >= 2) < 2:
        raise AdaptError("adapting the model needs at least two codes applied to two sentences each")


# --------------------------------------------------------------------------
# pairs
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    label: float  # 1 similar, 0 dissimilar
    kind: str  # positive | codebook | mirror | rejected | passed | other | codebook-mirror


#: Recipes: which pair kinds a round uses and the loss it trains them with.
RECIPES = {
    # SetFit-style: same-family positives and random negatives, cosine-similarity loss
    "setfit": {"loss": "cosine", "kinds": ("positive", "other", "passed")},
    # the coder's confusions first: mirror families and rejected suggestions as hard negatives,
    # and the codebook entry of the family as a second positive
    "hard": {"loss": "cosine", "kinds": ("positive", "codebook", "mirror", "rejected", "passed", "other",
                                         "codebook-mirror")},
    # the same pairs, with the contrastive loss (dissimilar pairs only pushed apart up to a margin)
    "hard-contrastive": {"loss": "contrastive", "kinds": ("positive", "codebook", "mirror", "rejected", "passed",
                                                          "other", "codebook-mirror")},
    # (anchor, positive, hard negative) triplets with in-batch negatives from other families
    "mnrl": {"loss": "mnrl", "kinds": ("positive", "codebook", "mirror", "rejected", "other")},
}
#: Measured on the development set (README, "Adapting the model to a project"): the plain pairs gained on
#: interviews the model did not see both with and without online learning; "hard" (confusions and codebook
#: phrases) gained more kappa online but lost top-3 recall without it.
DEFAULT_RECIPE = "setfit"


def build_pairs(train: Sequence[Sentence], decisions: Decisions, *, max_pairs: int = MAX_PAIRS,
                kinds: Sequence[str] = RECIPES[DEFAULT_RECIPE]["kinds"], seed: int = 0) -> list[Pair]:
    """Training pairs from the training sentences, at most ``max_pairs``, in a seeded random order.

    Every coded sentence in turn is the anchor of one pair of each kind that
    exists for it, round after round, until ``max_pairs`` (or nothing new).
    Kinds, in the order they are made for an anchor:

    * ``positive``: a sentence sharing a family;
    * ``codebook``: a codebook phrase of one of its families;
    * ``mirror``: a sentence of the mirror family (``stim.X`` against ``rem.X``) that shares no family;
    * ``rejected``: a sentence on which one of its families was rejected;
    * ``passed``: a sentence passed over (reviewed, no code);
    * ``other``: a coded sentence with no family in common;
    * ``codebook-mirror``: a codebook phrase of the mirror family.
    """
    rng = random.Random(seed)
    coded = [s for s in train if s.coded]
    passed = [s for s in train if not s.coded]
    by_family: dict[str, list[Sentence]] = {}
    rejected_on: dict[str, list[Sentence]] = {}
    for s in coded:
        for h in s.families:
            by_family.setdefault(h, []).append(s)
    for s in train:
        for h in s.rejected:
            rejected_on.setdefault(h, []).append(s)
    mirror = decisions.mirror
    phrases = decisions.phrases

    def pick(pool: list, anchor: Sentence, avoid: frozenset[str] | None = None):
        for _ in range(8):
            c = rng.choice(pool)
            if c is anchor or (isinstance(c, Sentence) and c.text == anchor.text):
                continue
            if avoid is not None and c.families & avoid:
                continue
            return c
        return None

    makers = {
        "positive": lambda s, h: (pick(by_family.get(h, []), s), 1.0) if len(by_family.get(h, [])) > 1 else None,
        "codebook": lambda s, h: (rng.choice(phrases[h]), 1.0) if phrases.get(h) else None,
        "mirror": lambda s, h: (pick(by_family[mirror[h]], s, s.families), 0.0)
        if by_family.get(mirror.get(h, "")) else None,
        "rejected": lambda s, h: (pick(rejected_on[h], s, s.families), 0.0) if rejected_on.get(h) else None,
        "passed": lambda s, h: (pick(passed, s), 0.0) if passed else None,
        "other": lambda s, h: (pick(coded, s, s.families), 0.0),
        "codebook-mirror": lambda s, h: (rng.choice(phrases[mirror[h]]), 0.0)
        if phrases.get(mirror.get(h, "")) else None,
    }
    out: list[Pair] = []
    seen: set[tuple[str, str]] = set()
    if not coded:
        return out
    stale = 0
    while len(out) < max_pairs and stale < 3:
        order = coded[:]
        rng.shuffle(order)
        before = len(out)
        for s in order:
            h = rng.choice(sorted(s.families))
            for kind in kinds:
                made = makers[kind](s, h)
                if made is None or made[0] is None:
                    continue
                other, label = made
                text = other.text if isinstance(other, Sentence) else other
                key = (s.text, text) if s.text <= text else (text, s.text)
                if key in seen:
                    continue
                seen.add(key)
                out.append(Pair(s.text, text, label, kind))
                if len(out) >= max_pairs:
                    break
            if len(out) >= max_pairs:
                break
        stale = stale + 1 if len(out) == before else 0
    rng.shuffle(out)
    return out


def triplets(pairs: Sequence[Pair]) -> list[tuple[str, str, str]]:
    """(anchor, positive, negative) triplets from pairs that share an anchor (for the ranking loss)."""
    pos: dict[str, list[str]] = {}
    neg: dict[str, list[str]] = {}
    for p in pairs:
        (pos if p.label > 0.5 else neg).setdefault(p.a, []).append(p.b)
    out = []
    for anchor, positives in pos.items():
        negatives = neg.get(anchor, [])
        for i, b in enumerate(positives):
            if negatives:
                out.append((anchor, b, negatives[i % len(negatives)]))
    return out


# --------------------------------------------------------------------------
# scoring on held-out decisions
# --------------------------------------------------------------------------
@dataclass
class Score:
    top3: float  # share of the held-out (sentence, family) pairs whose family is among the top 3
    kappa: float  # mean Cohen's kappa per family over the held-out sentences
    families: int  # families the kappa is averaged over

    @property
    def combined(self) -> float:
        return (self.top3 + self.kappa) / 2


def score(train_X: np.ndarray, train: Sequence[Sentence], test_X: np.ndarray, test: Sequence[Sentence],
          heads: Sequence[str]) -> Score:
    """How well sentence vectors separate the coder's families: one logistic regression per family.

    Fitted on the training sentences (coded and passed over), judged on the
    held-out ones: top-3 recall over the held-out coded sentences, and Cohen's
    kappa per family (predicted when its probability is at least 0.5) over all
    held-out sentences, averaged over the families present in the held-out part.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import cohen_kappa_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    used = [h for h in heads if sum(h in s.families for s in train) >= 2]
    Ytr = np.array([[h in s.families for h in used] for s in train], dtype=int)
    Yte = np.array([[h in s.families for h in used] for s in test], dtype=int)
    model = make_pipeline(StandardScaler(), OneVsRestClassifier(
        LogisticRegression(C=0.05, class_weight="balanced", max_iter=2000)))
    model.fit(train_X, Ytr)
    P = model.predict_proba(test_X)
    hits = total = 0
    for row, s in enumerate(test):
        if not s.coded:
            continue
        top = {used[j] for j in np.argsort(-P[row])[:3]}
        hits += len(s.families & top)
        total += len(s.families)
    kappas = []
    for j, h in enumerate(used):
        if Yte[:, j].any():
            pred = (P[:, j] >= 0.5).astype(int)
            with np.errstate(all="ignore"):
                kappa = float(cohen_kappa_score(Yte[:, j], pred)) if (pred != pred[0]).any() or \
                    (Yte[:, j] != Yte[0, j]).any() else 0.0
            kappas.append(0.0 if math.isnan(kappa) else kappa)
    return Score(hits / total if total else 0.0, float(np.mean(kappas)) if kappas else 0.0, len(kappas))


# --------------------------------------------------------------------------
# the model
# --------------------------------------------------------------------------
class _Loaded:
    """An :class:`~codering.suggest.embed.Embedder` over a model already in memory."""

    def __init__(self, model_id: str, model, batch_size: int = 32) -> None:
        self.model_id = model_id
        self.model = model
        self.batch_size = batch_size

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.model.get_sentence_embedding_dimension()), np.float32)
        kwargs = {"prompt_name": "query"} if "query" in (getattr(self.model, "prompts", None) or {}) else {}
        vectors = self.model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False, **kwargs)
        return np.asarray(vectors, dtype=np.float32)


def _prompt(model) -> str:
    prompts = getattr(model, "prompts", None) or {}
    return prompts.get("query", "")


def train_model(model, pairs: Sequence[Pair], *, loss: str = "cosine", epochs: int = EPOCHS,
                lr: float = LEARNING_RATE, batch_size: int = BATCH_SIZE, seed: int = 0,
                train_layers: int | None = TRAIN_LAYERS, progress: ProgressFn | None = None, cancelled: Callable[[], bool] = lambda: False) -> int:
    """Fine-tune ``model`` in place on ``pairs`` with a sentence-transformers loss; return the steps taken.

    The loop is written here instead of using ``SentenceTransformerTrainer``:
    the trainer needs ``datasets`` and ``accelerate`` (with pyarrow, some
    hundred MB), and this loop can stop between two steps when ``cancelled``
    says so and report each step. The losses, tokenisation and the scheduler
    are the libraries'. The word-embedding matrix is frozen (see the module doc).
    """
    import torch
    from sentence_transformers.sentence_transformer import losses
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    rng = random.Random(seed)
    prompt = _prompt(model)
    if loss == "mnrl":
        rows = [tuple(prompt + t for t in trip) for trip in triplets(pairs)]
        labels = [0.0] * len(rows)
        objective = losses.MultipleNegativesRankingLoss(model)
    else:
        rows = [(prompt + p.a, prompt + p.b) for p in pairs]
        labels = [p.label for p in pairs]
        if loss == "cosine":
            objective = losses.CosineSimilarityLoss(model)
        elif loss == "contrastive":
            objective = losses.ContrastiveLoss(model, margin=0.3)
        else:
            raise AdaptError(f"unknown loss {loss!r} (cosine, contrastive or mnrl)")
    if not rows:
        raise AdaptError("no training pairs could be made from the decisions")
    frozen = _freeze(model, train_layers)
    old_max = model.max_seq_length
    model.max_seq_length = min(old_max or MAX_TOKENS, MAX_TOKENS)
    params = [p for p in model.parameters() if p.requires_grad]
    no_decay = ("bias", "LayerNorm.weight", "LayerNorm.bias")
    names = {id(p): n for n, p in model.named_parameters()}
    groups = [{"params": [p for p in params if not any(k in names[id(p)] for k in no_decay)], "weight_decay": 0.01},
              {"params": [p for p in params if any(k in names[id(p)] for k in no_decay)], "weight_decay": 0.0}]
    optimizer = torch.optim.AdamW(groups, lr=lr)
    per_epoch = math.ceil(len(rows) / batch_size)
    total = per_epoch * epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, max(1, total // 10), total)
    order = list(range(len(rows)))
    step = 0
    model.train()
    try:
        for _ in range(epochs):
            rng.shuffle(order)
            for b in range(per_epoch):
                if cancelled():
                    raise Cancelled
                idx = order[b * batch_size:(b + 1) * batch_size]
                columns = list(zip(*(rows[i] for i in idx)))
                features = [model.preprocess(list(col)) for col in columns]
                target = torch.tensor([labels[i] for i in idx], dtype=torch.float32)
                value = objective(features, target)
                value.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                if progress:
                    progress("training", step, total)
    finally:
        model.eval()
        model.max_seq_length = old_max
        for p in frozen:
            p.requires_grad_(True)
    return step


def _freeze(model, train_layers: int | None) -> list:
    """Freeze the word embeddings, and with ``train_layers`` all but the top ``train_layers`` encoder
    layers (then the backward pass stops there); return the frozen parameters."""
    frozen = []
    try:
        inner = model[0].auto_model
        frozen += list(inner.get_input_embeddings().parameters())
        layers = inner.encoder.layer
    except (AttributeError, IndexError, TypeError):
        layers = None
    if train_layers is not None and layers is not None and train_layers < len(layers):
        frozen += list(inner.embeddings.parameters())
        for layer in layers[:len(layers) - train_layers]:
            frozen += list(layer.parameters())
    frozen = [p for p in frozen if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    return frozen


# --------------------------------------------------------------------------
# a round
# --------------------------------------------------------------------------
@dataclass
class Report:
    """What a round did (also kept as the project's ``adapt.last`` setting)."""

    round: int
    base_model: str
    recipe: str
    sentences: int
    coded: int
    held_out: int
    held_out_coded: int
    pairs: int
    pair_kinds: dict[str, int]
    steps: int = 0
    base: dict | None = None  # Score as a dict
    adapted: dict | None = None
    adopted: bool = False
    model: str | None = None  # the adopted folder
    seconds: dict[str, float] = field(default_factory=dict)
    dry_run: bool = False

    def summary(self) -> str:
        if self.dry_run:
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.pair_kinds.items()))
            return (f"dry run: {self.sentences} reviewed sentences ({self.coded} coded), {self.held_out} held out "
                    f"({self.held_out_coded} coded); {self.pairs} pairs ({kinds}); nothing trained")
        b, a = self.base or {}, self.adapted or {}
        line = (f"round {self.round}: held-out top-3 recall {b.get('top3', 0):.3f} -> {a.get('top3', 0):.3f}, "
                f"mean kappa {b.get('kappa', 0):.3f} -> {a.get('kappa', 0):.3f} "
                f"({self.held_out} held-out sentences, {self.pairs} pairs, {self.seconds.get('round', 0):.0f} s)")
        if self.adopted:
            return line + f"; adopted: the project now uses {self.model}"
        return line + f"; not better than the base model: kept {self.base_model}, the candidate was deleted"


def adapted_root(project: "Project", cache_dir: Path | None = None) -> Path:
    """Where this project's adapted models live: ``<cache>/adapted/<project id>``."""
    from codering.suggest.model import default_cache_dir

    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return base / "adapted" / project.project_id


def project_model(project: "Project") -> str:
    """The model the project's suggestions use: its ``model`` setting, or the default.

    An adapted model lives in the user's cache, keyed by the project's id, which
    a copy of the project file (a backup, ``push`` and ``pull``) keeps: a
    rollback or a new round in one copy deletes the folder the other copy still
    names. Such a project goes back to its base model (and its settings say so)
    instead of failing at every suggestion.
    """
    from codering.errors import CoderingError
    from codering.suggest.model import DEFAULT_MODEL
    from codering.suggest.runtime import split_precision

    model = project.setting(S_MODEL) or DEFAULT_MODEL
    adapted = project.setting(S_ADAPTED)
    if adapted and split_precision(model)[0] == adapted and not Path(adapted).is_dir():
        base = project.setting(S_BASE) or DEFAULT_MODEL
        try:
            project.set_setting(S_ADAPTED, "")
            project.set_setting(S_MODEL, base)
        except CoderingError:  # a read-only project: the base model all the same
            pass
        return base
    return model


def base_model(project: "Project") -> str:
    """The model adaptation starts from: the one in use before the first adoption (or the one chosen
    since, e.g. with ``codering model use``)."""
    from codering.suggest.model import DEFAULT_MODEL

    from codering.suggest.runtime import split_precision

    model, adapted = project.setting(S_MODEL), project.setting(S_ADAPTED)
    if model and split_precision(model)[0] != adapted:
        return model
    return project.setting(S_BASE) or DEFAULT_MODEL


def adapt(project: "Project", *, recipe: str = DEFAULT_RECIPE, epochs: int = EPOCHS, max_pairs: int = MAX_PAIRS,
          lr: float = LEARNING_RATE, batch_size: int = BATCH_SIZE, holdout: float = HOLDOUT,
          train_layers: int | None = TRAIN_LAYERS,
          min_gain: float = MIN_GAIN, min_coded: int = MIN_CODED, dry_run: bool = False, threads: int | None = 2,
          cache_dir: Path | None = None, embed_project: bool = True, seed: int = 0,
          progress: ProgressFn | None = None, say: Callable[[str], None] | None = None,
          cancelled: Callable[[], bool] = lambda: False) -> Report:
    """Run one round (see the module doc); raise :class:`AdaptError` if there is too little to learn from,
    :class:`Cancelled` if ``cancelled`` said so (then nothing changed)."""
    from codering.suggest.embed import SentenceTransformerEmbedder, embed_cached
    from codering.suggest.model import load_model
    from codering.suggest.runtime import ensure_export, split_precision, with_precision

    say = say or (lambda _m: None)
    if recipe not in RECIPES:
        raise AdaptError(f"unknown recipe {recipe!r} (one of {', '.join(RECIPES)})")
    started = time.perf_counter()
    decisions = collect(project)
    train, test = split(decisions, holdout)
    check_enough(decisions, train, test, min_coded)
    reviewed = len(train) + len(test)
    train, test = capped(train, MAX_TRAIN, seed), capped(test, MAX_HELD_OUT, seed)
    kinds = RECIPES[recipe]["kinds"]
    pairs = build_pairs(train, decisions, max_pairs=max_pairs, kinds=kinds, seed=seed)
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    base_name = base_model(project)
    number = int(project.setting(S_ROUND) or 0) + 1
    report = Report(number, base_name, recipe, len(decisions.sentences), decisions.coded, len(test),
                    sum(s.coded for s in test), len(pairs), counts, dry_run=dry_run)
    if dry_run:
        return report
    _drop_superseded(project)  # a round killed during its export left the folder it replaced
    say(f"round {number}: {len(train)} training sentences, {len(test)} held out, {len(pairs)} pairs ({recipe})"
        + (f"; a sample of the {reviewed} reviewed" if len(train) + len(test) < reviewed else ""))

    restore = _limit_threads(threads)
    try:
        t0 = time.perf_counter()
        # training needs the PyTorch model: an int8 base is trained from its fp32 original, and the adopted
        # model is exported to int8 again (below), so the project keeps the runtime it had
        torch_name, precision = split_precision(base_name)
        model = load_model(torch_name, progress=say)
        report.seconds["load"] = round(time.perf_counter() - t0, 1)
        texts = [s.text for s in train] + [s.text for s in test]
        t0 = time.perf_counter()
        base_vectors = embed_cached(_Loaded(torch_name, model), texts, project=project, progress=progress,
                                    cancelled=cancelled, what="embedding with the base model")
        if base_vectors is None:
            raise Cancelled
        n = len(train)
        report.base = asdict(score(base_vectors[:n], train, base_vectors[n:], test, decisions.heads))
        report.seconds["base"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        report.steps = train_model(model, pairs, loss=RECIPES[recipe]["loss"], epochs=epochs, lr=lr,
                                   batch_size=batch_size, seed=seed, train_layers=train_layers,
                                   progress=progress, cancelled=cancelled)
        report.seconds["train"] = round(time.perf_counter() - t0, 1)
        t0 = time.perf_counter()
        candidate = _Loaded("candidate", model)
        memory: dict[str, np.ndarray] = {}
        cand_vectors = embed_cached(candidate, texts, memory=memory, progress=progress, cancelled=cancelled,
                                    what="embedding with the adapted model")
        if cand_vectors is None:
            raise Cancelled
        report.adapted = asdict(score(cand_vectors[:n], train, cand_vectors[n:], test, decisions.heads))
        report.seconds["judge"] = round(time.perf_counter() - t0, 1)
        gain = Score(**report.adapted).combined - Score(**report.base).combined
        report.adopted = gain >= min_gain
        root = adapted_root(project, cache_dir)
        if report.adopted:
            t0 = time.perf_counter()
            folder = _save(model, root, number, report)
            report.model = str(folder)
            report.seconds["save"] = round(time.perf_counter() - t0, 1)
            previous = project.setting(S_ADAPTED)
            name = with_precision(str(folder), precision)  # the model id the project will use
            # The project names the new folder before its int8 export (about 20 s), and the superseded one is
            # written down: a kill during the export leaves a project on a complete model (loading it makes
            # the export) and no folder that nobody names (the next round deletes the superseded one).
            kept = {key: project.setting(key) for key in (S_BASE, S_ADAPTED, S_MODEL, S_ROUND, S_EVENTS)}
            if previous and previous != str(folder):
                project.set_setting(S_SUPERSEDED, previous)
            _record(project, report, decisions.events, adopted=str(folder), model_name=name)
            try:
                if precision == "int8":
                    t0 = time.perf_counter()
                    ensure_export(str(folder), "int8", progress=say)
                    report.seconds["export"] = round(time.perf_counter() - t0, 1)
                    embedder = SentenceTransformerEmbedder(name)
                else:
                    project.store_vectors(str(folder), memory)  # the engine need not embed these again
                    embedder = _Loaded(str(folder), model)
            except BaseException:  # cancelled or failed: the project goes back to what it used, not left behind
                for key, value in kept.items():
                    if value is None:
                        project.unset_setting(key)
                    else:
                        project.set_setting(key, value)
                project.set_setting(S_SUPERSEDED, "")
                _remove(folder, root)
                raise
            _drop_superseded(project)
            if embed_project and not cancelled():
                t0 = time.perf_counter()
                _embed_rest(project, embedder, progress, cancelled)
                report.seconds["embed_project"] = round(time.perf_counter() - t0, 1)
        else:
            _record(project, report, decisions.events, adopted=None)
    finally:
        restore()
    report.seconds["round"] = round(time.perf_counter() - started - report.seconds.get("embed_project", 0), 1)
    project.set_setting(S_LAST, json.dumps(asdict(report)))
    return report


def _record(project: "Project", report: Report, events: int, adopted: str | None,
            model_name: str | None = None) -> None:
    """Settings after a judged round: the adopted model (``model_name``: its id with the base's
    precision, e.g. ``FOLDER@int8``), or back to the base."""
    base = report.base_model
    if adopted:
        project.set_setting(S_BASE, base)
        project.set_setting(S_ADAPTED, adopted)
        project.set_setting(S_MODEL, model_name or adopted)
    else:
        previous = project.setting(S_ADAPTED)
        if previous:  # the settings first: a kill in between leaves a folder nobody names, not the reverse
            project.set_setting(S_ADAPTED, "")
        if project.setting(S_BASE) is not None:
            project.set_setting(S_MODEL, base)
        if previous:
            _remove(Path(previous), Path(previous).parent)
    project.set_setting(S_ROUND, str(report.round))
    project.set_setting(S_EVENTS, str(events))


def _save(model, root: Path, number: int, report: Report) -> Path:
    """Write the model to ``root/round-N-<stamp>``: into a temporary folder, then renamed."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_stale(root)
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=root))
    except OSError as exc:
        raise AdaptError(f"cannot write the adapted model under {root}: {exc.strerror or exc}") from exc
    final = root / f"round-{number}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        from codering.suggest.model import _quiet_loading

        with _quiet_loading(True):  # no "Writing model shards" bar on the coder's terminal
            model.save(str(tmp))
        _keep_without_pooler(model, tmp)
        info = {k: v for k, v in asdict(report).items() if k not in ("model", "seconds")}
        (tmp / _INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        for path in [*tmp.rglob("*"), tmp]:
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        os.rename(tmp, final)
    except OSError as exc:
        raise AdaptError(f"cannot write the adapted model under {root}: {exc.strerror or exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _keep_without_pooler(model, folder: Path) -> None:
    """A base model without pooler weights (the offline model: mean pooling needs none) is saved
    without them; say so in the folder, as the base does, or loading it makes (and reports) a random one."""
    try:
        has_pooler = getattr(model[0].auto_model, "pooler", None) is not None
    except (AttributeError, IndexError, TypeError):
        return
    path = folder / "sentence_bert_config.json"
    if has_pooler or not path.is_file():
        return
    config = json.loads(path.read_text(encoding="utf-8"))
    config.setdefault("model_args", {})["add_pooling_layer"] = False
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _remove(folder: Path, root: Path) -> None:
    """Delete an adapted model folder (only ever one made by :func:`_save`) and its int8 export."""
    from codering.suggest.runtime import export_dir_for

    if folder.parent == root and folder.name.startswith("round-") and (folder / _INFO).is_file():
        for precision in ("int8", "fp32"):
            export = export_dir_for(str(folder), precision)
            if export.is_dir():
                shutil.rmtree(export, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


def _drop_superseded(project: "Project") -> None:
    """Delete the adapted folder a round replaced (written down in the settings until it is gone), unless the
    project went back to it."""
    superseded = project.setting(S_SUPERSEDED)
    if not superseded:
        return
    if superseded != project.setting(S_ADAPTED):
        _remove(Path(superseded), Path(superseded).parent)
    project.set_setting(S_SUPERSEDED, "")


def _remove_stale(root: Path) -> None:
    """Temporary folders of rounds that were killed, an hour or more ago."""
    remove_stale_folders(root, _TMP_PREFIX)


def _embed_rest(project: "Project", embedder, progress, cancelled) -> None:
    """Embed the project's other segments with the adopted model now (the engine reads them from the cache)."""
    from codering.suggest.embed import embed_cached
    from codering.suggest.features import needed

    texts = [s.text for t in project.transcripts() for s in needed(project.segments(t.id))]
    embed_cached(embedder, texts, project=project, progress=progress, cancelled=cancelled,
                 what="embedding the project with the adapted model")


def _limit_threads(threads: int | None) -> Callable[[], None]:
    if not threads:
        return lambda: None
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    return lambda: torch.set_num_threads(before)


def rollback(project: "Project", cache_dir: Path | None = None) -> str:
    """Go back to the base model and delete the adapted one; return a one-line message."""
    adapted = project.setting(S_ADAPTED)
    base = base_model(project)
    if not adapted:
        return f"the project does not use an adapted model (it uses {project.setting(S_MODEL) or base})"
    project.set_setting(S_ADAPTED, "")  # the settings first: a kill before the delete leaves only a folder
    project.set_setting(S_MODEL, base)
    _remove(Path(adapted), Path(adapted).parent)
    _drop_superseded(project)
    return f"back to the base model {base}; the adapted model was deleted"


def status(project: "Project") -> dict:
    """The project's adaptation state: base, adopted folder, rounds, events since the last round."""
    last = project.setting(S_LAST)
    events = event_count(project)
    return {
        "model": project.setting(S_MODEL),
        "base_model": base_model(project),
        "adapted": project.setting(S_ADAPTED) or None,
        "round": int(project.setting(S_ROUND) or 0),
        "events": events,
        "new_events": events - events_at_last_round(project),
        "last": json.loads(last) if last else None,
    }


def due(project: "Project", every: int = ROUND_EVERY) -> bool:
    """Whether enough codings and decisions were added since the last round to start another."""
    return event_count(project) - events_at_last_round(project) >= every
