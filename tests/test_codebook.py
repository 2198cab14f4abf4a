"""Codebook loading, validation with line numbers, and the shipped codebooks."""

from __future__ import annotations

import re

import pytest

from codering.codebook import load_codebook, parse_codebook
from codering.errors import CodebookError
from tests.conftest import DEFAULT_CODEBOOK, ROOT, SHARED, SMALL_CODEBOOK

CATEGORIES = ["inhoud", "juridisch", "financieel", "organisatorisch", "praktisch", "persoonlijk", "politiek",
              "historisch"]


def problems_of(text: str) -> list[str]:
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "cb.yaml")
    return info.value.problems


def test_small_codebook_tree(small_codebook):
    book = small_codebook
    assert [c.id for c in book.roots()] == ["stim", "rem", "fin"]
    assert book.get("stim.praktisch.nabijheid").parent == "stim.praktisch"  # implicit from the dotted id
    assert [c.id for c in book.ancestors("stim.praktisch.nabijheid")] == ["stim.praktisch", "stim"]
    assert book.counts_for("stim.praktisch.nabijheid") == {"stim.praktisch.nabijheid", "stim.praktisch", "stim"}
    assert book.path_label("stim.praktisch.nabijheid") == "Stimulerende factoren › Praktische › Nabijheid"
    assert book.get("fin.doorverwijzen").key == "d"
    assert not book.get("stim").codable


def test_yaml_round_trip(small_codebook, tmp_path):
    out = tmp_path / "out.yaml"
    small_codebook.write_yaml(out)
    again = load_codebook(out)
    assert again.codes == small_codebook.codes
    assert again.meta() == small_codebook.meta()


def test_nested_children_equal_flat_parents():
    nested = """\
codebook: {id: n, name: N}
codes:
  - id: a
    label: A
    children:
      - id: a1
        label: A1
      - id: x
        label: X
"""
    book = parse_codebook(nested)
    assert book.get("a1").parent == "a" and book.get("x").parent == "a"


@pytest.mark.parametrize("snippet, line, message", [
    ("  - id: a\n    label: A\n  - id: a\n    label: B\n", 7, "duplicate id 'a' (first defined on line 5)"),
    ("  - id: a\n    label: A\n  - id: b\n    parent: zz\n    label: B\n", 8, "unknown parent 'zz'"),
    ("  - id: a\n    description: no label\n", 5, "has no label"),
    ("  - id: a\n    label: A\n    key: k\n  - id: b\n    label: B\n    key: k\n", 10, "key 'k' is bound twice"),
    ("  - id: a\n    label: A\n    desciption: typo\n", 7, "unknown field 'desciption'"),
    ("  - id: a\n    label: A\n    color: red\n", 7, "color must look like"),
    ("  - id: 'a b'\n    label: A\n", 5, "may only hold letters"),
    ("  - id: a\n    label: A\n  - id: b\n    parent: a\n    label: X\n  - id: c\n    parent: a\n    label: x\n",
     10, "share the label"),
])
def test_every_problem_names_its_line(snippet, line, message):
    text = "codebook:\n  id: t\n  name: T\ncodes:\n" + snippet
    problems = problems_of(text)
    assert any(p.startswith(f"cb.yaml:{line}: ") and message in p for p in problems), problems


def test_all_problems_reported_at_once():
    text = ("codebook:\n  id: t\n  name: T\ncodes:\n  - id: a\n    label: A\n  - id: a\n    label: A\n"
            "  - id: b\n    label: ''\n")
    problems = problems_of(text)
    assert len(problems) == 2
    assert "duplicate id" in problems[0] and "has no label" in problems[1]


def test_cycle_detected():
    text = "codebook: {id: t, name: T}\ncodes:\n  - {id: a, label: A, parent: b}\n  - {id: b, label: B, parent: a}\n"
    assert any("cycle" in p for p in problems_of(text))


@pytest.mark.parametrize("text, message", [
    ("codes: [", "invalid YAML"),
    ("- just a list\n", "must be a mapping"),
    ("codebook: {id: t, name: T}\ncodes: []\n", "non-empty list"),
    ("codebook: {name: T}\ncodes:\n  - {id: a, label: A}\n", "codebook id is missing"),
])
def test_broken_files(text, message):
    assert any(message in p for p in problems_of(text))


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(CodebookError, match="no such codebook"):
        load_codebook(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(SMALL_CODEBOOK.replace("Praktische", "Praktische café").encode("cp1252"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(bad)


# -- the shipped codebooks -----------------------------------------------------------

def table_rows(number: int) -> dict[str, list[str]]:
    """Tabel 5 or 6 of seed 002 as {category label: [factor, ...]} (comma-separated as printed)."""
    text = (SHARED / "seeds" / "002_cdea6baef11e5990.txt").read_text(encoding="utf-8")
    block = text.split(f"Tabel {number}. Overzicht")[1].split("\n\n\n")[0] if number == 6 else \
        text.split(f"Tabel {number}. Overzicht")[1].split("-----")[0]
    rows = {}
    for line in block.splitlines()[1:]:
        if "\t" in line and line.split("\t")[0].strip():
            label, factors = line.split("\t", 1)
            rows[label.strip()] = factors.strip()
    return rows


def normalise(text: str) -> str:
    text = text.replace("tijdsinst", "tijdswinst").replace("taakinving", "taakinvulling")
    return re.sub(r"\s+", " ", text).strip().casefold()


@pytest.mark.parametrize("polarity, number", [("stim", 5), ("rem", 6)])
def test_default_codebook_reproduces_tables_5_and_6(polarity, number):
    book = load_codebook(DEFAULT_CODEBOOK)
    rows = table_rows(number)
    assert len(rows) == 8
    for slug in CATEGORIES:
        category = book.get(f"{polarity}.{slug}")
        factors = book.children(category.id)
        assert factors, category.id
        assert category.label in rows, (category.label, list(rows))
        joined = ", ".join(f.label for f in factors)
        assert normalise(joined) == normalise(rows[category.label])
        for factor in factors:
            assert factor.description, f"{factor.id} has no description"


def test_default_codebook_contract_ids():
    book = load_codebook(DEFAULT_CODEBOOK)
    required = [f"{p}.{c}" for p in ("stim", "rem") for c in CATEGORIES]
    required += [f"ctx.{c}" for c in ("markt", "organisatie", "netwerk", "ecosysteem", "lokaal_bestuur")]
    required += [f"fin.{c}" for c in ("doorverwijzen", "informatiedeling", "afstemming", "activiteiten")]
    required += [f"niveau.{c}" for c in ("strategisch", "structureel", "operationeel")]
    required += [f"schaal.{c}" for c in ("binnenlokaal", "lokaal", "bovenlokaal")]
    missing = [r for r in required if r not in book]
    assert not missing
    for code_id in required:
        assert book.get(code_id).description, code_id


def _grams(text: str, n: int) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_default_codebook_keeps_dev_data_out():
    """No example phrase shares five words in a row with the development set (descriptions: eight)."""
    import json

    dev5, dev8 = set(), set()
    texts = [json.loads(line)["text"] for line in
             (SHARED / "data" / "dev_segments.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += [p.read_text(encoding="utf-8") for p in (SHARED / "data" / "transcripts").glob("*.txt")]
    for text in texts:
        dev5 |= _grams(text, 5)
        dev8 |= _grams(text, 8)
    book = load_codebook(DEFAULT_CODEBOOK)
    leaks = [(c.id, e) for c in book for e in c.examples if _grams(e, 5) & dev5]
    leaks += [(c.id, "description") for c in book
              if _grams(" ".join([c.description, c.include, c.exclude]), 8) & dev8]
    assert leaks == []


def test_every_shipped_codebook_is_valid():
    files = sorted((ROOT / "codebooks").glob("*.yaml"))
    assert len(files) >= 2
    for path in files:
        assert len(load_codebook(path)) > 5


def test_unquoted_numbers_in_ids_are_kept_as_written():
    """YAML reads `id: 1.20` as 1.2 and `id: 010` as 8: the ids changed without a word, `1.10` beside
    `1.1` was a "duplicate", and codings naming the ids as written found no code. Ids, parents, labels
    and keys are now kept as written."""
    text = ("codebook:\n  id: genummerd\n  name: Genummerd\ncodes:\n"
            "  - id: 1\n    label: Samenwerking\n    key: 1\n"
            "  - id: 1.1\n    label: Overleg\n    parent: 1\n"
            "  - id: 1.10\n    label: Tiende punt\n    parent: 1\n"
            "  - id: 1.20\n    label: 2020\n    parent: 1\n"
            "  - id: 010\n    label: Met voorloopnul\n"
            "  - id: 1_000\n    label: Duizend\n")
    book = parse_codebook(text)
    assert [(c.id, c.parent) for c in book] == [("1", None), ("1.1", "1"), ("1.10", "1"), ("1.20", "1"),
                                                ("010", None), ("1_000", None)]
    assert book.get("1.20").label == "2020" and book.get("1").key == "1"


@pytest.mark.parametrize("code_id, said", [
    (".y", "a '.' separates two parts of the id; it cannot start or end it, nor follow another '.'"),
    ("stim..x", "a '.' separates two parts"), ("z.", "a '.' separates two parts"),
    ("a.-b", "each part (between dots) starts with a letter, a digit or '_'"),
    ("a b", "may only hold letters, digits, '_', '-' and '.'"),
])
def test_an_id_with_dots_in_the_wrong_place_is_told_what_is_wrong(code_id, said):
    """`.y` was told it "may only hold letters, digits, '_', '-' and '.'", which it does; `stim..x` and
    `z.` were accepted."""
    text = f"codebook:\n  id: t\n  name: T\ncodes:\n  - id: '{code_id}'\n    label: X\n"
    with pytest.raises(CodebookError, match=re.escape(f"id '{code_id}': {said}")):
        parse_codebook(text)
