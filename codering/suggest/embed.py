"""Embedding texts once per model, with the project's embedding cache.

An *embedder* turns texts into unit-length float32 vectors. Two exist:

* :class:`SentenceTransformerEmbedder` wraps the model a name stands for
  (:func:`codering.suggest.model.load_model`): the default int8 ONNX model
  (ONNX Runtime), the fp32 offline model or any other sentence-transformers
  name/folder (PyTorch); the runtime is imported only when it first encodes.
* :class:`HashingEmbedder` is a fast, model-free fake for tests: hashed word
  and character n-gram counts. Texts that share words get similar vectors,
  which is all the engine's tests need. It counts what it embeds.

:func:`embed_cached` is the one way the engine gets vectors: it looks every
text up in the project's cache (keyed by model id and text hash), embeds only
what is missing, in chunks, and stores each chunk as soon as it is done, so an
interrupted run loses at most one chunk of work.

Codebook texts (labels, descriptions, example phrases) are not interview data;
their vectors are also kept in a small per-user cache next to the model
(:class:`VectorCache`) so that new and temporary projects do not embed the
same codebook again.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Protocol, Sequence

import numpy as np

from codering.errors import SuggestError
from codering.store.vectors import VectorCache  # the SQL of the per-user cache lives in the store

if TYPE_CHECKING:
    from codering.store import Project

ProgressFn = Callable[[str, int, int], None]

#: Texts embedded per chunk; each chunk is stored before the next starts.
CHUNK = 64  # ~2 s of embedding on 2 cores: fine-grained progress, prompt cancel, little lost on a kill


class Embedder(Protocol):
    model_id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""


def text_key(text: str) -> str:
    """The cache key of a text (the store's ``text_hash``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SentenceTransformerEmbedder:
    """The model ``name`` stands for, loaded on first use (seconds).

    ``model_id`` is the name, which says the precision (``...@int8``), so the
    vectors of an int8 and an fp32 model are cached apart.
    """

    def __init__(self, name: str | None = None, *, cache_dir: Path | None = None,
                 batch_size: int = 32, say: Callable[[str], None] | None = None) -> None:
        from codering.suggest.model import DEFAULT_MODEL

        self.name = name or DEFAULT_MODEL
        self.model_id = self.name
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.say = say
        self._model = None
        self._lock = threading.Lock()
        self.calls = 0
        self.texts_embedded = 0

    def load(self):
        with self._lock:
            if self._model is None:
                from codering.suggest.model import load_model

                self._model = load_model(self.name, self.cache_dir, progress=self.say)
        return self._model

    @property
    def dim(self) -> int:
        model = self.load()
        if hasattr(model, "dim"):  # an OnnxModel
            return int(model.dim)
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        self.calls += 1
        self.texts_embedded += len(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if hasattr(model, "dim"):  # an OnnxModel: prompt, pooling and normalisation are built in
            try:
                return model.encode(list(texts), batch_size=self.batch_size)
            except Exception as exc:  # noqa: BLE001
                raise SuggestError(f"The embedding model {self.name!r} failed: {exc}") from exc
        kwargs = {}
        prompts = getattr(model, "prompts", None) or {}
        if "query" in prompts:
            kwargs["prompt_name"] = "query"  # e5: "query: " for symmetric similarity
        try:
            vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a failing model becomes one clear line
            raise SuggestError(f"The embedding model {self.name!r} failed: {exc}") from exc
        return np.asarray(vectors, dtype=np.float32)


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A fake embedder: hashed word unigrams/bigrams and character trigrams.

    Deterministic and instant. ``calls``/``texts_embedded`` count the work
    done, so tests can check that nothing is embedded twice.
    """

    def __init__(self, dim: int = 512, model_id: str = "fake:hashing") -> None:
        self.dim = dim
        self.model_id = model_id
        self.calls = 0
        self.texts_embedded = 0

    def _index(self, feature: str) -> tuple[int, float]:
        h = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(h, "little")
        return value % self.dim, (1.0 if value >> 63 else -1.0)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w for w in _TOKEN.findall(text.casefold())]
            feats: list[tuple[str, float]] = [(f"w:{w}", 1.0) for w in words]
            feats += [(f"b:{a}_{b}", 0.7) for a, b in zip(words, words[1:])]
            for w in words:
                if len(w) > 4:
                    padded = f"<{w}>"
                    feats += [(f"c:{padded[i:i + 4]}", 0.25) for i in range(len(padded) - 3)]
            for feature, weight in feats:
                i, sign = self._index(feature)
                out[row, i] += sign * weight
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
        return out


def user_vector_cache() -> VectorCache:
    from codering.suggest.model import default_cache_dir

    return VectorCache(default_cache_dir() / "codebook-vectors.sqlite")


def embed_cached(embedder: Embedder, texts: Sequence[str], *, project: "Project | None" = None,
                 user_cache: VectorCache | None = None, memory: dict[str, np.ndarray] | None = None,
                 progress: ProgressFn | None = None, cancelled: Callable[[], bool] = lambda: False,
                 what: str = "embedding", chunk: int = CHUNK) -> np.ndarray | None:
    """Vectors for ``texts`` (rows in order); ``None`` if ``cancelled`` stopped it.

    Looks in ``memory``, then the project's cache, then ``user_cache``; embeds
    the rest in chunks of ``chunk`` texts, longest first, storing each chunk
    before the next one starts (so a cancelled or killed run resumes where it
    stopped). New vectors are written to the project and ``user_cache`` (each
    if given) and to ``memory``.
    """
    memory = memory if memory is not None else {}
    keys = [text_key(t) for t in texts]
    wanted = list(dict.fromkeys(k for k in keys if k not in memory))
    if wanted and project is not None:
        memory.update(project.cached_vectors(embedder.model_id, wanted))
        wanted = [k for k in wanted if k not in memory]
    if wanted and user_cache is not None:
        found = user_cache.get(embedder.model_id, wanted)
        memory.update(found)
        wanted = [k for k in wanted if k not in memory]
    if wanted:
        by_key = {k: t for k, t in zip(keys, texts)}
        todo = sorted(wanted, key=lambda k: -len(by_key[k]))  # similar lengths batch with little padding
        total = len(todo)
        if progress:
            progress(what, 0, total)
        for i in range(0, total, chunk):
            if cancelled():
                return None
            part = todo[i:i + chunk]
            vectors = embedder.encode([by_key[k] for k in part])
            new = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in zip(part, vectors)}
            if project is not None:
                project.store_vectors(embedder.model_id, new)
            if user_cache is not None:
                user_cache.put(embedder.model_id, new)
            memory.update(new)
            if progress:
                progress(what, min(total, i + len(part)), total)
    if not keys:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([memory[k] for k in keys]).astype(np.float32, copy=False)


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
