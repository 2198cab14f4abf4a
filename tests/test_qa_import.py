"""Importing and re-importing, as a QA pass on hostile and everyday inputs found it wanting: a renamed copy
with codings in the same import, attributes set from a CSV and a changed file, a passage memo whose words
are gone, file names from macOS, a file named twice, pipes and broken links in a folder, and a .qdpx with
nothing codering can read."""

from __future__ import annotations

import json
import os
import unicodedata
import zipfile
from pathlib import Path

import pytest

from codering.errors import RefiError
from codering.ingest import parse_text, plan_import
from codering.ingest.plan import collect_files
from codering.store import Project
from tests.conftest import run_cli

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the tests on a project: on both engines

GESPREK = """\
interview_id: QA-07
locatie: Lokeren
actorgroep: welzijn
functie: opbouwwerker

I: Hoe verloopt de samenwerking met het wijkgezondheidscentrum?

R: Vlot, we overleggen elke maand in hun vergaderzaal. De fietsenstalling aan het station blijft wel een probleem.

I: En met de basisschool in de buurt?

R: Daar hebben we weinig contact. De directeur wisselt bijna elk schooljaar.
"""

ANDER_GESPREK = """\
interview_id: QA-08
locatie: Zele

I: Wie belt u als een gezin in de problemen komt?

R: Eerst de sociale dienst van het OCMW, daarna de huisarts van het gezin.
"""


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return start, start + len(words)


def new_project(tmp_path: Path, codebook_file: Path) -> str:
    path = str(tmp_path / "p.codering")
    assert run_cli("init", path, "--codebook", str(codebook_file)).returncode == 0
    return path


# -- d27: codings for a renamed copy that is not imported -------------------------------------------------

def test_codings_for_a_renamed_copy_go_onto_the_transcript_with_its_text(tmp_path, small_codebook_file):
    """The copy was left out as a duplicate and then its codings failed the import half-way: the new
    transcript of the same import was written all the same (exit 1)."""
    (tmp_path / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    p = new_project(tmp_path, small_codebook_file)
    assert run_cli("-p", p, "import", str(tmp_path / "gesprek.txt")).returncode == 0
    nieuw = tmp_path / "nieuw"
    nieuw.mkdir()
    (nieuw / "kopie.txt").write_text(GESPREK, encoding="utf-8")
    (nieuw / "ander.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    start, end = span(GESPREK, "De fietsenstalling aan het station blijft wel een probleem.")
    (nieuw / "codings.jsonl").write_text(json.dumps(
        {"transcript": "kopie", "start": start, "end": end, "codes": ["rem.praktisch"], "coder": "lien"}) + "\n",
        encoding="utf-8")
    result = run_cli("-p", p, "import", str(nieuw))
    assert result.returncode == 0, result.stderr
    assert "kopie: not imported, the project holds the same text as 'gesprek'" in result.stdout
    assert "  note: its 1 coding from codings.jsonl went onto 'gesprek' (the same text)" in result.stdout
    with Project.open(p) as project:
        assert [t.name for t in project.transcripts()] == ["gesprek", "ander"]
        [coding] = project.codings("gesprek")
        assert (coding.code_id, coding.coder, coding.text) == (
            "rem.praktisch", "lien", "De fietsenstalling aan het station blijft wel een probleem.")


def test_a_bad_coding_for_a_copy_writes_nothing(tmp_path, small_codebook_file):
    """All or nothing: a coding the check refuses leaves the new transcript of the same import out too."""
    (tmp_path / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    p = new_project(tmp_path, small_codebook_file)
    assert run_cli("-p", p, "import", str(tmp_path / "gesprek.txt")).returncode == 0
    (tmp_path / "kopie.txt").write_text(GESPREK, encoding="utf-8")
    (tmp_path / "ander.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    start, end = span(GESPREK, "Vlot")  # in the interview text: a span on the header is refused for that
    (tmp_path / "c.jsonl").write_text(json.dumps({"transcript": "kopie", "start": start, "end": end,
                                                  "codes": ["geen.code"]}) + "\n", encoding="utf-8")
    result = run_cli("-p", p, "import", str(tmp_path / "kopie.txt"), str(tmp_path / "ander.txt"),
                     str(tmp_path / "c.jsonl"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "unknown code 'geen.code'" in result.stderr
    with Project.open(p) as project:
        assert [t.name for t in project.transcripts()] == ["gesprek"]


# -- d24: attributes set since the import survive a re-import of the changed file --------------------------

def test_a_changed_file_keeps_the_attributes_set_since_its_import(project):
    project.import_transcript(parse_text(GESPREK, "gesprek"))
    project.set_attributes("gesprek", {"locatie": "Sinaai", "geslacht": "M"})  # as a CSV import does
    edited = GESPREK.replace("elke maand", "elke twee maanden")
    report = project.import_transcript(parse_text(edited, "gesprek"))
    assert report.status == "updated"
    assert project.attributes("gesprek") == {"interview_id": "QA-07", "locatie": "Sinaai", "actorgroep": "welzijn",
                                             "functie": "opbouwwerker", "geslacht": "M"}
    assert not [n for n in report.notices if "attribute" in n]


def test_a_changed_header_line_wins_and_is_named(project):
    project.import_transcript(parse_text(GESPREK, "gesprek"))
    project.set_attributes("gesprek", {"locatie": "Sinaai", "functie": "coördinator", "geslacht": "M"})
    edited = (GESPREK.replace("locatie: Lokeren", "locatie: Daknam").replace("actorgroep: welzijn\n", "")
              .replace("elke maand", "elke week"))
    report = project.import_transcript(parse_text(edited, "gesprek"))
    assert project.attributes("gesprek") == {"interview_id": "QA-07", "locatie": "Daknam",
                                             "functie": "coördinator", "geslacht": "M"}
    assert "attribute locatie: 'Daknam' from the changed header (was 'Sinaai')" in report.notices
    assert "attribute actorgroep: 'welzijn' removed (its header line is gone)" in report.notices
    assert not [n for n in report.notices if "functie" in n or "geslacht" in n]


def test_a_csv_value_survives_the_cli_reimport(tmp_path, small_codebook_file):
    path = tmp_path / "gesprek.txt"
    path.write_text(GESPREK, encoding="utf-8")
    p = new_project(tmp_path, small_codebook_file)
    assert run_cli("-p", p, "import", str(path)).returncode == 0
    (tmp_path / "extra.csv").write_text("transcript;locatie;geslacht\ngesprek;Sinaai;V\n", encoding="utf-8")
    assert run_cli("-p", p, "import", str(tmp_path / "extra.csv")).returncode == 0
    path.write_text(GESPREK.replace("weinig contact", "nauwelijks contact"), encoding="utf-8")
    result = run_cli("-p", p, "import", str(path))
    assert result.returncode == 0 and "gesprek: updated to the new text" in result.stdout, result.stderr
    with Project.open(p) as project:
        assert project.attributes("gesprek")["locatie"] == "Sinaai"
        assert project.attributes("gesprek")["geslacht"] == "V"


# -- d25: a passage memo whose words are gone -----------------------------------------------------------

def test_a_passage_memo_whose_words_are_gone_is_kept_on_the_transcript_and_named(project):
    project.import_transcript(parse_text(GESPREK, "gesprek"))
    zin = "De directeur wisselt bijna elk schooljaar."
    memo_id = project.add_memo("Navragen bij de scholengemeenschap", "lien", transcript="gesprek",
                               start=span(GESPREK, zin)[0], end=span(GESPREK, zin)[1])
    project.add_coding("gesprek", *span(GESPREK, zin), "rem.praktisch", "lien")
    blijft = "De fietsenstalling aan het station blijft wel een probleem."
    other = project.add_memo("Ook in Sinaai?", "lien", transcript="gesprek", start=span(GESPREK, blijft)[0],
                             end=span(GESPREK, blijft)[1])
    edited = GESPREK.replace("I: Hoe verloopt", "I: Goeiemiddag. Hoe verloopt").replace(zin, "Dat ligt moeilijk.")
    report = project.import_transcript(parse_text(edited, "gesprek"))
    assert report.codings_detached == 1 and report.memos_unplaced == 1
    memos = {m.id: m for m in project.memos("gesprek")}
    assert (memos[memo_id].kind, memos[memo_id].start, memos[memo_id].end) == ("transcript", None, None)
    assert memos[memo_id].text == "Navragen bij de scholengemeenschap"
    assert (f"memo {memo_id} ('Navragen bij de scholengemeenschap') was on words that are gone from the new text "
            f"('{zin}'); it is kept as a memo on the whole transcript") in report.notices
    assert "1 passage memo whose words are gone kept on the whole transcript" in report.summary()
    moved = memos[other]  # the other memo moved with its words
    assert moved.kind == "segment" and edited[moved.start:moved.end] == blijft


# -- d08: names in NFD (macOS) and NFC ----------------------------------------------------------------

NFD = unicodedata.normalize("NFD", "gesprek_hélène")
NFC = unicodedata.normalize("NFC", "gesprek_hélène")


def test_a_name_from_macos_is_found_as_typed(tmp_path, small_codebook_file):
    assert NFD != NFC
    (tmp_path / f"{NFD}.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    p = new_project(tmp_path, small_codebook_file)
    assert run_cli("-p", p, "import", str(tmp_path / f"{NFD}.txt")).returncode == 0
    (tmp_path / "a.csv").write_text(f"transcript,regio\n{NFC},Waasland\n", encoding="utf-8")
    start, end = span(ANDER_GESPREK, "de huisarts van het gezin")
    (tmp_path / "c.jsonl").write_text(json.dumps({"transcript": NFC, "start": start, "end": end,
                                                  "codes": ["fin.doorverwijzen"]}) + "\n", encoding="utf-8")
    result = run_cli("-p", p, "import", str(tmp_path / "a.csv"), str(tmp_path / "c.jsonl"))
    assert result.returncode == 0, result.stderr
    coded = run_cli("-p", p, "code", NFC, str(start), str(end), "stim.praktisch")
    assert coded.returncode == 0, coded.stderr
    with Project.open(p) as project:
        assert [t.name for t in project.transcripts()] == [NFC]
        assert project.attributes(NFD)["regio"] == "Waasland"
        assert sorted(c.code_id for c in project.codings(NFC)) == ["fin.doorverwijzen", "stim.praktisch"]


def test_one_name_in_two_forms_is_one_transcript(tmp_path, small_codebook_file):
    p = new_project(tmp_path, small_codebook_file)
    (tmp_path / f"{NFC}.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    assert run_cli("-p", p, "import", str(tmp_path / f"{NFC}.txt")).returncode == 0
    mac = tmp_path / "mac"
    mac.mkdir()
    (mac / f"{NFD}.txt").write_text(ANDER_GESPREK.replace("Zele", "Berlare"), encoding="utf-8")
    result = run_cli("-p", p, "import", str(mac / f"{NFD}.txt"))
    assert result.returncode == 1 and "has another text; this file would replace it" in result.stderr
    beide = tmp_path / "beide"
    beide.mkdir()
    (beide / f"{NFC}.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    (beide / f"{NFD}.txt").write_text(ANDER_GESPREK.replace("Zele", "Berlare"), encoding="utf-8")
    result = run_cli("-p", p, "import", str(beide))
    assert result.returncode == 1 and "is already in this import" in result.stderr
    assert "accents written another way" in result.stderr
    with Project.open(p) as project:
        assert [t.name for t in project.transcripts()] == [NFC]


def test_a_name_stored_in_nfd_before_is_still_found(project):
    """Projects imported before names were normalised hold NFD names: found, and the name heals on an update."""
    from codering.ingest.model import ParsedTranscript

    parsed = parse_text(ANDER_GESPREK, "x")
    project.import_transcript(parsed)
    with project.transaction() as conn:
        conn.execute("UPDATE transcripts SET name = ? WHERE name = 'x'", (NFD,))
    assert project.transcript_id(NFC) == project.transcript_id(NFD)
    again = parse_text(ANDER_GESPREK.replace("Zele", "Berlare"), NFC)
    assert isinstance(again, ParsedTranscript) and again.name == NFC
    assert project.import_transcript(again).status == "updated"
    assert [t.name for t in project.transcripts()] == [NFC]


# -- d13: the same file named twice ------------------------------------------------------------------

def test_the_same_file_named_twice_is_imported_once(tmp_path):
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    (folder / "ander.txt").write_text(ANDER_GESPREK, encoding="utf-8")
    twice = plan_import([folder / "gesprek.txt", folder / "gesprek.txt"])
    assert [p.name for p, _ in twice.transcripts] == ["gesprek.txt"]
    both = plan_import([folder, folder / "ander.txt", tmp_path / "map" / ".." / "map" / "ander.txt"])
    assert sorted(parsed.name for _, parsed in both.transcripts) == ["ander", "gesprek"]
    assert both.notices == []


def test_the_same_file_named_twice_on_the_command_line(tmp_path, small_codebook_file):
    p = new_project(tmp_path, small_codebook_file)
    (tmp_path / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    result = run_cli("-p", p, "import", str(tmp_path / "gesprek.txt"), str(tmp_path), str(tmp_path / "gesprek.txt"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("gesprek: imported") == 1 and "already in this import" not in result.stdout


# -- d12: pipes and broken links in a folder -----------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_and_broken_links_in_a_folder_are_named_for_what_they_are(tmp_path):
    folder = tmp_path / "map"
    folder.mkdir()
    (folder / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    os.mkfifo(folder / "pijp.txt")
    (folder / "weg.txt").symlink_to("bestaat-niet.txt")
    (folder / "lus.txt").symlink_to("lus.txt")
    notices: list[str] = []
    files = collect_files([folder], notices)
    assert [f.name for f in files] == ["gesprek.txt"]
    assert notices == [
        f"{folder / 'lus.txt'}: left out, a link that leads back to itself (a loop of links)",
        f"{folder / 'pijp.txt'}: left out, is not a regular file (a device, pipe or socket); save its content to a "
        "file first",
        f"{folder / 'weg.txt'}: left out, a broken link (to bestaat-niet.txt, which does not exist)",
    ]


# -- d21: a .qdpx with nothing codering can read -------------------------------------------------------

def qdpx_with_only_an_outside_source(path: Path) -> Path:
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="elders">'
           '<Sources><TextSource guid="00000000-0000-0000-0000-000000000101" name="verslag" '
           'plainTextPath="absolute:///srv/verslagen/verslag.txt"/></Sources></Project>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
    return path


def test_a_qdpx_with_nothing_to_import_creates_no_project(tmp_path):
    archive = qdpx_with_only_an_outside_source(tmp_path / "elders.qdpx")
    target = tmp_path / "nieuw.codering"
    result = run_cli("-p", str(target), "import", str(archive))
    assert result.returncode == 1
    assert result.stderr == (f"codering: error: nothing to import from {archive}: source 'verslag': its text is "
                             "outside the archive (absolute:///srv/verslagen/verslag.txt); left out\n")
    assert not target.exists()


def test_a_qdpx_with_nothing_to_import_leaves_a_project_as_it_was(project, tmp_path):
    from codering.refi import import_qdpx

    project.import_transcript(parse_text(GESPREK, "gesprek"))
    with pytest.raises(RefiError, match="nothing to import from .*elders.qdpx: source 'verslag'"):
        import_qdpx(qdpx_with_only_an_outside_source(tmp_path / "elders.qdpx"), project)
    assert [t.name for t in project.transcripts()] == ["gesprek"]

