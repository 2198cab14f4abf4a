"""Fast inference runtimes for sentence-transformers models: ONNX export, int8 quantisation, loading.

A sentence-transformers folder (the default offline model, or a project's
fine-tuned one) is exported once to ONNX with its whole pipeline in the graph
(transformer, pooling, any dense layer, normalisation): the graph takes token
ids and an attention mask and returns the sentence vector. The tokenizer
(``tokenizer.json``, run by the ``tokenizers`` library) and the prompt the
engine uses (``query: `` for e5) are stored beside it in
``codering-onnx.json``. :func:`export_quantized` then quantises the weights to
int8 with ONNX Runtime's dynamic quantisation (weights int8 with a scale per
output channel, activations quantised per batch at run time). Every
transformer layer's FFN output projection stays fp32: its input (the GELU
output) has outliers that one activation scale per batch cannot hold, and
quantising it cost more suggestion quality than all the other projections
together. On a CPU with VNNI this is still much faster than PyTorch fp32, at a
cosine of ~0.999 to its vectors (see ``benchmarks/int8_variants.py`` and
``benchmarks/suggest_speed.py --compare``).

:class:`OnnxModel` loads such a folder in ONNX Runtime (or, with
``backend="openvino"``, in OpenVINO, when that is installed) and encodes texts
into unit-length float32 vectors. Nothing here imports torch at load time:
torch is needed only to export.

Model names: ``NAME@int8v2`` means the int8 ONNX export of ``NAME`` (the
default model's id or a sentence-transformers folder) made with the current
quantisation recipe (version 2); the export lives in the user's cache and is
made on first use (or by ``codering model build``). The suffix is part of the
model id, so vectors of different precisions - or of an older int8 recipe -
never mix in a project's embedding cache. ``NAME@int8`` (recipe 1, all
projections int8) is no longer made: loading it is a clear error that says how
to switch. A folder holding ``codering-onnx.json`` is an exported model and can
be named directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from codering.fileio import remove_stale_folders
from codering.errors import SuggestError

__all__ = ["INT8", "INT8_RECIPE", "ONNX_INFO", "split_precision", "check_int8_recipe", "with_precision",
           "export_onnx", "export_quantized", "ffn_output_nodes", "is_onnx_dir", "export_dir_for", "int8_dir_for",
           "ensure_export", "ensure_int8", "OnnxModel"]

#: The version of the int8 quantisation recipe (:func:`_quantize`). Bump it when the recipe
#: changes: it is part of the model id, so vectors of an older recipe are never reused.
INT8_RECIPE = 2
#: The suffix of a model name that asks for its int8 ONNX export (current recipe).
INT8 = f"@int8v{INT8_RECIPE}"
#: The suffix of int8 model names of any recipe (``@int8`` was recipe 1).
_INT8_ANY = re.compile(r"@int8(?:v\d+)?$")
#: The file that marks a folder as an exported model and describes how to feed it.
ONNX_INFO = "codering-onnx.json"
#: Bump when the export's format changes: exports in the cache are made again. (A new int8
#: recipe bumps INT8_RECIPE instead, which names a new cache folder and model id.)
EXPORT_FORMAT_VERSION = 2
_TMP_PREFIX = ".exporting-"

Progress = Callable[[str], None]


# --------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------
def split_precision(name: str) -> tuple[str, str]:
    """``("base", "int8")`` for ``base@int8v2`` (or an older int8 recipe's name), else ``(name, "fp32")``."""
    match = _INT8_ANY.search(name)
    if match:
        return name[: match.start()], "int8"
    return name, "fp32"


def check_int8_recipe(name: str) -> None:
    """Raise a SuggestError if ``name`` asks for an int8 model of an older recipe (e.g. ``NAME@int8``)."""
    match = _INT8_ANY.search(name)
    if match and match.group() != INT8:
        raise SuggestError(f"The model {name!r} is an int8 model of an older codering, whose vectors differ from "
                           f"today's: run `codering -p PROJECT model use --precision int8` to switch to "
                           f"{name[: match.start()] + INT8!r}.")


def with_precision(name: str, precision: str) -> str:
    """The model name of ``name``'s base in ``precision`` (``fp32`` or ``int8``)."""
    base, _ = split_precision(name)
    if precision == "int8":
        return base + INT8
    if precision == "fp32":
        return base
    raise SuggestError(f"Unknown precision {precision!r}: use fp32 or int8.")


def is_onnx_dir(path: str | Path) -> bool:
    """True for a folder made by :func:`export_onnx` or :func:`export_quantized`."""
    try:
        return (Path(path).expanduser() / ONNX_INFO).is_file()
    except OSError:
        return False


def _fingerprint(folder: Path) -> str:
    """Cheap identity of a model folder's contents: names, sizes and modification times."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(folder)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _read_info(folder: Path) -> dict | None:
    try:
        info = json.loads((folder / ONNX_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


# --------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------
def export_onnx(st_model_dir: str | Path, out_dir: str | Path, progress: Progress | None = None) -> Path:
    """Export the sentence-transformers folder ``st_model_dir`` to an fp32 ONNX folder ``out_dir``.

    Loads the model from disk only (``local_files_only``). ``out_dir`` is
    written in a temporary sibling and renamed into place; an existing export
    of the same source is kept. Returns ``out_dir``. Any failure is a
    :class:`SuggestError`.
    """
    return _export(Path(st_model_dir).expanduser(), Path(out_dir).expanduser(), "fp32", progress)


def export_quantized(st_model_dir: str | Path, out_dir: str | Path, progress: Progress | None = None) -> Path:
    """Export ``st_model_dir`` to ONNX and quantise it to int8 into ``out_dir``; return ``out_dir``.

    Works for any sentence-transformers folder whose tokenizer has a fast
    (``tokenizer.json``) version, e.g. the default model's folder or a
    fine-tuned copy saved with ``model.save(...)``. ``out_dir`` can then be
    used as a model name (``OnnxModel(out_dir)``, or a project's model).
    """
    return _export(Path(st_model_dir).expanduser(), Path(out_dir).expanduser(), "int8", progress)


def _export(source: Path, out: Path, precision: str, progress: Progress | None) -> Path:
    from codering.suggest.model import _install

    say = progress or (lambda _msg: None)
    if not (source / "modules.json").is_file():
        raise SuggestError(f"Cannot export {source}: it is not a sentence-transformers model folder.")
    fingerprint = _fingerprint(source)
    info = _read_info(out)
    recipe = INT8_RECIPE if precision == "int8" else None
    if (info and info.get("format_version") == EXPORT_FORMAT_VERSION and info.get("precision") == precision
            and info.get("recipe") == recipe and info.get("source_fingerprint") == fingerprint
            and (out / info.get("file", "")).is_file()):
        return out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_folders(out.parent, _TMP_PREFIX)  # exports that were killed: up to 750 MB each
        tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out.parent))
    except OSError as exc:
        raise SuggestError(f"Cannot write the model export at {out.parent}: {exc.strerror or exc}.") from exc
    started = time.monotonic()
    try:
        say(f"Exporting {source.name} to ONNX (one time only)...")
        meta = _torch_export(source, tmp / "model.onnx")
        if precision == "int8":
            say("Quantising the ONNX model to int8...")
            _quantize(tmp / "model.onnx", tmp / "model-int8.onnx")
            (tmp / "model.onnx").unlink()
            (tmp / "model-int8.onnx").rename(tmp / "model.onnx")
        meta.update({
            "format_version": EXPORT_FORMAT_VERSION,
            "precision": precision,
            "recipe": recipe,
            "file": "model.onnx",
            "source": str(source),
            "source_fingerprint": fingerprint,
            "quantisation": (f"recipe {INT8_RECIPE}: onnxruntime.quantization.quantize_dynamic, QInt8 per-channel "
                             "weights (MatMul, Gather), the FFN output projections left fp32"
                             if precision == "int8" else None),
            "export_seconds": round(time.monotonic() - started, 1),
        })
        (tmp / ONNX_INFO).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        _install(tmp, out)  # an older export there is swapped out
    except SuggestError:
        raise
    except OSError as exc:
        raise SuggestError(f"Cannot write the model export at {out}: {exc.strerror or exc}.") from exc
    except ImportError as exc:
        raise SuggestError(f"Exporting to ONNX needs torch, onnx and onnxruntime (missing: {exc.name}): "
                           "run the README's set-up command.") from exc
    except Exception as exc:  # noqa: BLE001 - a library change or an unsupported model: one clear line
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
        raise SuggestError(f"Exporting {source} to ONNX failed: {type(exc).__name__}: {detail[:200]}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"ONNX model ({precision}) ready in {out}.")
    return out


def _torch_export(source: Path, target: Path) -> dict:
    """Trace the whole sentence-transformers pipeline into ``target``; return how to feed it."""
    import torch
    from sentence_transformers import SentenceTransformer

    from codering.suggest.model import _quiet_loading

    with _quiet_loading(True):
        model = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    model.eval()
    first = model[0]
    tokenizer = getattr(first, "tokenizer", None)
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise SuggestError(f"Cannot export {source}: its tokenizer has no fast (tokenizer.json) version.")
    for module in model:
        if getattr(module, "include_prompt", True) is False:
            raise SuggestError(f"Cannot export {source}: its pooling leaves the prompt out, which ONNX cannot.")
    prompts = getattr(model, "prompts", None) or {}
    prompt = prompts.get("query", "")
    sample = [prompt + "Een korte zin.", prompt + "Een iets langere zin om de vorm van de invoer te tonen."]
    features = model.tokenize(sample) if not hasattr(model, "preprocess") else model.preprocess(sample)
    names = [k for k, v in features.items() if isinstance(v, torch.Tensor) and k in
             ("input_ids", "attention_mask", "token_type_ids")]
    if "input_ids" not in names or "attention_mask" not in names:
        raise SuggestError(f"Cannot export {source}: its tokenizer gives {sorted(features)}.")

    class Pipeline(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors):
            return self.model(dict(zip(names, tensors)))["sentence_embedding"]

    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    axes["sentence_embedding"] = {0: "batch"}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Pipeline(), tuple(features[n] for n in names), str(target), input_names=names,
                          output_names=["sentence_embedding"], dynamic_axes=axes, opset_version=17,
                          dynamo=False)
    tokenizer.save_pretrained(str(target.parent))
    if not (target.parent / "tokenizer.json").is_file():
        raise SuggestError(f"Cannot export {source}: its tokenizer wrote no tokenizer.json.")
    dim = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
    return {
        "inputs": names,
        "prompt": prompt,
        "max_seq_length": int(model.max_seq_length or 512),
        "do_lower_case": bool(getattr(first, "do_lower_case", False)),
        "pad_id": int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        "dim": int(dim),
    }


def _quantize(source: Path, target: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint that does not apply here
    try:
        # Per-channel weight scales: cosine to fp32 0.996 mean / 0.985 min, against 0.989 / 0.975 with one
        # scale per tensor, at the same speed (measured on 256 respondent sentences of the dev set).
        # Leaving the FFN output projections in fp32 lifts it to 0.999 / 0.997 and brings the suggestion
        # quality within 0.01 of fp32; other exclusions barely moved it (benchmarks/int8_variants.py).
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=ffn_output_nodes(source))
    finally:
        root.setLevel(level)


#: A transformer layer's FFN output projection (``.../layer.N/output/dense/MatMul`` in a
#: torch.onnx export of a BERT-style encoder; the attention output is ``.../attention/output/...``).
_FFN_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")


def ffn_output_nodes(model_path: Path) -> list[str]:
    """Names of the MatMul nodes of ``model_path`` that are FFN output projections (kept fp32 in int8)."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    return [n.name for n in model.graph.node if n.op_type == "MatMul" and _FFN_OUTPUT.search(n.name)]


# --------------------------------------------------------------------------
# where exports live
# --------------------------------------------------------------------------
def export_dir_for(base: str, precision: str = "int8", cache_dir: Path | None = None) -> Path:
    """The cache folder of ``base``'s ONNX export (``base``: the default model's id or a folder)."""
    from codering.suggest.model import DEFAULT_FP32, default_cache_dir, default_model_dir

    root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    kind = INT8[1:] if precision == "int8" else precision  # the recipe too: int8v2
    if base == DEFAULT_FP32:
        folder = default_model_dir(root)
        return folder.with_name(f"{folder.name}-onnx-{kind}")
    key = hashlib.sha256(os.path.abspath(Path(base).expanduser()).encode()).hexdigest()[:16]
    return root / "models" / f"onnx-{kind}-{key}"


def int8_dir_for(base: str, cache_dir: Path | None = None) -> Path:
    """The cache folder of ``base``'s int8 export."""
    return export_dir_for(base, "int8", cache_dir)


def ensure_export(base: str, precision: str = "int8", cache_dir: Path | None = None,
                  progress: Progress | None = None) -> Path:
    """The ONNX export of ``base`` (the default model's id or a folder), made now if missing or stale."""
    from codering.suggest.model import DEFAULT_FP32, build_default_model

    if base == DEFAULT_FP32:
        source = build_default_model(cache_dir, progress)
    else:
        source = Path(base).expanduser()
        if not source.is_dir():
            raise SuggestError(f"Cannot make an {precision} ONNX model of {base!r}: only the default model and "
                               "model folders can be exported (there is no folder by that name).")
    return _export(source, export_dir_for(base, precision, cache_dir), precision, progress)


def ensure_int8(base: str, cache_dir: Path | None = None, progress: Progress | None = None) -> Path:
    """The int8 export of ``base``, made now if missing or stale."""
    return ensure_export(base, "int8", cache_dir, progress)


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------
class OnnxModel:
    """An exported model folder, run by ONNX Runtime (default) or OpenVINO."""

    def __init__(self, folder: str | Path, *, backend: str = "onnxruntime", threads: int | None = None) -> None:
        self.folder = Path(folder).expanduser()
        info = _read_info(self.folder)
        if info is None or info.get("format_version") != EXPORT_FORMAT_VERSION:
            raise SuggestError(f"{self.folder} is not an ONNX model exported by this version of codering "
                               "(run `codering model build`, or export it again).")
        self.info = info
        self.backend = backend
        self.precision = str(info.get("precision", "fp32"))
        self.dim = int(info["dim"])
        self.prompt = str(info.get("prompt", ""))
        self.inputs = list(info["inputs"])
        started = time.perf_counter()
        self._tokenizer = self._load_tokenizer(info)
        path = self.folder / info["file"]
        try:
            if backend == "onnxruntime":
                import onnxruntime as ort

                options = ort.SessionOptions()
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                options.log_severity_level = 3
                if threads:
                    options.intra_op_num_threads = threads
                self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                self._run = lambda feed: self._session.run(None, feed)[0]
            elif backend == "openvino":
                import openvino as ov

                core = ov.Core()
                config = {"INFERENCE_NUM_THREADS": threads} if threads else {}
                compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
                request = compiled.create_infer_request()
                self._run = lambda feed: next(iter(request.infer(feed).values()))
            else:
                raise SuggestError(f"Unknown runtime {backend!r}: use onnxruntime or openvino.")
        except ImportError as exc:
            raise SuggestError(f"The {backend} runtime is not installed (pip install {backend}).") from exc
        except SuggestError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged file: one line, and how to fix it
            detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__)
            raise SuggestError(f"Cannot load the ONNX model in {self.folder} (delete the folder to export it "
                               f"again): {detail[:200]}") from exc
        self.load_seconds = time.perf_counter() - started

    def _load_tokenizer(self, info: dict):
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001
            raise SuggestError(f"Cannot read the tokenizer of {self.folder}: {exc}") from exc
        tokenizer.enable_truncation(int(info.get("max_seq_length", 512)))
        tokenizer.enable_padding(pad_id=int(info.get("pad_id", 0)), pad_token=str(info.get("pad_token", "[PAD]")))
        return tokenizer

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (the engine's ``query: `` prompt included)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        lower = bool(self.info.get("do_lower_case"))
        prepared = [(self.prompt + t).strip() for t in texts]
        if lower:
            prepared = [t.lower() for t in prepared]
        order = sorted(range(len(prepared)), key=lambda i: -len(prepared[i]))  # similar lengths pad little
        for i in range(0, len(order), batch_size):
            rows = order[i:i + batch_size]
            encoded = self._tokenizer.encode_batch([prepared[r] for r in rows])
            columns = {"input_ids": [e.ids for e in encoded], "attention_mask": [e.attention_mask for e in encoded],
                       "token_type_ids": [e.type_ids for e in encoded]}
            feed = {name: np.asarray(columns[name], dtype=np.int64) for name in self.inputs}
            out[rows] = np.asarray(self._run(feed), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
