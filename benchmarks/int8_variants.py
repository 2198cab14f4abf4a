"""Int8 quantisation variants of the default model: closeness to fp32, speed, suggestion quality.

Each variant is a different call of ONNX Runtime's ``quantize_dynamic`` on the
default model's fp32 ONNX export (``codering model build`` makes it; the
export is made here if missing). For every variant the script prints

  * the cosine of its vectors to PyTorch fp32 (mean / min) on respondent
    sentences of a gold folder (default ../shared/data/transcripts, 512),
  * sentences/s with PyTorch fp32, int8 recipe 1 (the first adopted one, all
    projections int8; always measured) and every variant loaded in ONE
    process and run on the same sentences in alternating rounds (so a busy
    machine slows them alike; the best round counts),
  * with ``--quality``: top-3 and mean kappa of ``codering evaluate`` on the
    gold folder, zero-shot and online, beside PyTorch fp32, and whether the
    variant stays within 0.01 top-3 and 0.01 mean kappa of fp32 in both (the
    adoption rule of the README).

Variants are written to ``--out`` (default: the per-user model cache,
``models/int8-variants/``) and reused on a second run; the folder path is the
variant's model id, so their vectors never mix with the default model's.
``keep-ffn-out`` is the default's recipe (int8 v2, ``codering/suggest/runtime.py``).

Run: .venv/bin/python benchmarks/int8_variants.py [--variants NAME,...] [--sentences 512] [--rounds 3]
     [--quality] [--gold DIR] [--out DIR] [--list]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from suggest_speed import RuntimeEmbedder, respondent_sentences  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
CODES = r"^(stim|rem)\."
LAYERS = 12
#: The FFN output projection of a layer (not the attention output, ``.../attention/output/dense``).
FFN_OUT = r"/layer\.\d+/output/dense/MatMul$"


def _layer(i: int) -> str:
    return f"/encoder/layer.{i}/"


# name -> (description, options): options are quantize_dynamic keyword arguments, except
# "exclude" (regular expressions of MatMul/Gather node names left in fp32) and "only" (regular
# expressions: quantise only the matching nodes).
VARIANTS: dict[str, tuple[str, dict]] = {
    "recipe-1": ("int8 recipe 1 (adopted first): QInt8 per-channel, MatMul + Gather", {}),
    "matmul-only": ("embeddings (Gather) left fp32", {"op_types_to_quantize": ["MatMul"]}),
    "reduce-range": ("7-bit weights (reduce_range)", {"reduce_range": True}),
    "uint8-weights": ("QUInt8 weights", {"weight_type": "QUInt8"}),
    "keep-first-last": ("layers 0 and 11 left fp32", {"exclude": [_layer(0), _layer(LAYERS - 1)]}),
    "keep-ffn-out": ("every FFN output projection left fp32 (= int8 recipe 2, the default)",
                     {"exclude": [FFN_OUT]}),
    "keep-attn-out": ("every attention output projection left fp32", {"exclude": [r"/attention/output/dense/"]}),
    "keep-qkv": ("every attention query/key/value projection left fp32",
                 {"exclude": [r"/attention/self/(query|key|value)/"]}),
    "keep-ffn-in": ("every FFN input projection left fp32", {"exclude": [r"/intermediate/dense/"]}),
    "ffn-only": ("only the FFN MatMuls quantised", {"only": [r"/intermediate/dense/", FFN_OUT]}),
    "matmul-keep-first-last": ("Gather and layers 0, 11 left fp32",
                               {"op_types_to_quantize": ["MatMul"], "exclude": [_layer(0), _layer(LAYERS - 1)]}),
    "matmul-keep-last-ffn-out": ("Gather and layer 11's FFN output left fp32",
                                 {"op_types_to_quantize": ["MatMul"],
                                  "exclude": [_layer(LAYERS - 1) + "output/dense/MatMul$"]}),
    "keep-ffn-out-0-5": ("the FFN output projections of layers 0-5 left fp32",
                         {"exclude": [r"/layer\.[0-5]/output/dense/MatMul$"]}),
    "keep-ffn-out-0-2": ("the FFN output projections of layers 0-2 left fp32",
                         {"exclude": [r"/layer\.[0-2]/output/dense/MatMul$"]}),
    "keep-ffn-out-6-11": ("the FFN output projections of layers 6-11 left fp32",
                          {"exclude": [r"/layer\.([6-9]|1[01])/output/dense/MatMul$"]}),
    "matmul-keep-ffn-out": ("Gather and every FFN output projection left fp32",
                            {"op_types_to_quantize": ["MatMul"], "exclude": [FFN_OUT]}),
}


def _weight_nodes(model_path: Path) -> list[str]:
    """Names of the MatMul/Gather nodes with a constant (initializer) operand: the ones quantised."""
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    consts = {i.name for i in model.graph.initializer}
    return [n.name for n in model.graph.node
            if n.op_type in ("MatMul", "Gather") and any(x in consts for x in n.input)]


def build(name: str, fp32_dir: Path, out_root: Path) -> Path:
    """Quantise the fp32 export into ``out_root/name`` (kept if already there); return the folder."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder = out_root / name
    if (folder / "codering-onnx.json").is_file():
        return folder
    description, options = VARIANTS[name]
    options = dict(options)
    nodes = _weight_nodes(fp32_dir / "model.onnx")
    patterns = options.pop("exclude", [])
    exclude = [n for n in nodes if any(re.search(p, n) for p in patterns)]
    only = options.pop("only", None)
    if only:
        exclude += [n for n in nodes if not any(re.search(p, n) for p in only)]
    weight_type = getattr(QuantType, options.pop("weight_type", "QInt8"))
    tmp = out_root / f".building-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    started = time.monotonic()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(fp32_dir / "model.onnx"), str(tmp / "model.onnx"), weight_type=weight_type,
                         per_channel=True, nodes_to_exclude=sorted(set(exclude)), **options)
    finally:
        root.setLevel(level)
    for extra in ("tokenizer.json", "tokenizer_config.json"):
        if (fp32_dir / extra).is_file():
            shutil.copy2(fp32_dir / extra, tmp / extra)
    info = json.loads((fp32_dir / "codering-onnx.json").read_text(encoding="utf-8"))
    info.update({"precision": "int8", "quantisation": f"variant {name}: {description}",
                 "excluded_nodes": len(set(exclude)), "export_seconds": round(time.monotonic() - started, 1)})
    (tmp / "codering-onnx.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


class VariantEmbedder:
    """A variant folder run by ONNX Runtime; its model id is the folder path."""

    def __init__(self, folder: Path) -> None:
        from codering.suggest.runtime import OnnxModel

        t0 = time.perf_counter()
        self.model = OnnxModel(folder)
        self.load_seconds = time.perf_counter() - t0
        self.model_id = str(folder)
        self.size_mb = (folder / "model.onnx").stat().st_size / 1e6

    def encode(self, texts):
        return self.model.encode(list(texts), batch_size=32)


def quality(model: str, gold: Path) -> dict[str, tuple[float, float]]:
    from codering.coding.evaluate import evaluate

    out = {}
    for setting, online in (("zero-shot", False), ("online", True)):
        o = evaluate(gold, online=online, codes=CODES, model=model)["overall"]
        out[setting] = (o["top3_recall"], o["kappa_mean"])
    return out


def main() -> None:
    from codering.suggest.model import DEFAULT_FP32, default_cache_dir
    from codering.suggest.runtime import ensure_export

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names (see --list)")
    ap.add_argument("--sentences", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--gold", type=Path, default=SHARED / "transcripts")
    ap.add_argument("--out", type=Path, default=None, help="where the variant folders are kept")
    ap.add_argument("--quality", action="store_true", help="also run codering evaluate (zero-shot, online)")
    ap.add_argument("--no-speed", action="store_true", help="cosine only (one round)")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        for name, (description, _) in VARIANTS.items():
            print(f"{name:26s} {description}")
        return
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variant(s) {', '.join(unknown)}: see --list")
    out_root = (args.out or default_cache_dir() / "models" / "int8-variants").expanduser()
    fp32_dir = ensure_export(DEFAULT_FP32, "fp32", progress=print)
    texts = respondent_sentences(args.gold, args.sentences)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} respondent sentences of {args.gold}, mean {words / len(texts):.1f} words, batch 32")

    if "recipe-1" not in names:
        names.insert(0, "recipe-1")
    embedders: dict[str, object] = {"torch fp32": RuntimeEmbedder("torch")}
    for name in names:
        t0 = time.monotonic()
        folder = build(name, fp32_dir, out_root)
        print(f"variant {name}: {folder} ({time.monotonic() - t0:.0f} s to build or find)", flush=True)
        embedders[name] = VariantEmbedder(folder)
    for embedder in embedders.values():
        embedder.encode(texts[:8])  # warm-up
    best = {n: float("inf") for n in embedders}
    vectors = {}
    for _ in range(1 if args.no_speed else args.rounds):
        for name, embedder in embedders.items():
            t0 = time.perf_counter()
            vectors[name] = embedder.encode(texts)
            best[name] = min(best[name], time.perf_counter() - t0)
    ref = vectors["torch fp32"]
    base = best["torch fp32"]
    print(f"\n{'model':<26}{'sent/s':>8}{'x torch':>8}{'x rec.1':>8}{'cos mean':>10}{'cos min':>9}{'MB':>6}")
    for name, embedder in embedders.items():
        cos = (vectors[name] * ref).sum(1)
        size = getattr(embedder, "size_mb", None)
        print(f"{name:<26}{len(texts) / best[name]:>8.1f}{base / best[name]:>8.2f}"
              f"{best['recipe-1'] / best[name]:>8.2f}{cos.mean():>10.4f}{cos.min():>9.4f}"
              f"{(f'{size:.0f}' if size else '-'):>6}", flush=True)
    if not args.quality:
        return
    print("\nquality (codering evaluate, codes " + CODES + "): top-3 / mean kappa")
    print(f"{'model':<26}{'zero-shot':>14}{'online':>14}  within 0.01 of fp32")
    models = {"torch fp32": DEFAULT_FP32}
    models.update({n: embedders[n].model_id for n in names})
    ref_q = None
    for name, model in models.items():
        q = quality(model, args.gold)
        ref_q = ref_q or q
        ok = all(ref_q[s][0] - q[s][0] <= 0.01 + 1e-9 and ref_q[s][1] - q[s][1] <= 0.01 + 1e-9 for s in q)
        print(f"{name:<26}" + "".join(f"{q[s][0]:>7.3f}/{q[s][1]:.3f}" for s in q)
              + f"  {'yes' if ok else 'no'}", flush=True)


if __name__ == "__main__":
    main()
