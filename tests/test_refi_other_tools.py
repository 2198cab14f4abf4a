"""QDPX archives as other tools write them: users of one name, sources of several cases, coded notes,
codes renamed elsewhere, twin sources, a folder coded directly, and a project's own export coming back
after its text changed. Each case is written here by hand; the text is the project's own."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from codering.refi import RefiError, export_qdpx, import_codebook, import_qdpx, write_qdc
from codering.store import Project

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the tests on a project: on both engines

NS = "urn:QDA-XML:project:1.0"
TEXT = "I: Hoe loopt het?\n\nR: We zitten in hetzelfde gebouw. De wachtlijsten zijn lang.\n"
G = "00000000-0000-0000-0000-{:012d}".format  # readable GUIDs


def archive(path: Path, sources: str, *, users: str = '<User guid="' + G(901) + '" name="Mira"/>',
            codes: str = "", extra: str = "") -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="elders" origin="Another tool 1.0">
  <Users>{users}</Users>
  <CodeBook><Codes>
    <Code guid="{G(1)}" name="Nabijheid" isCodable="true"/>
    <Code guid="{G(2)}" name="Wachtlijsten" isCodable="true"/>{codes}
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{G(801)}" name="Geslacht" typeOfVariable="Text"/>
    <Variable guid="{G(802)}" name="Regio" typeOfVariable="Text"/>
  </Variables>
  <Sources>{sources}</Sources>{extra}
</Project>"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
    return path


def source(number: int, name: str, codings: str, text: str = TEXT) -> str:
    return (f'<TextSource guid="{G(100 + number)}" name="{name}"><PlainTextContent>{text}</PlainTextContent>'
            f"{codings}</TextSource>")


def selection(number: int, start: int, end: int, code: int, user: int = 901) -> str:
    return (f'<PlainTextSelection guid="{G(200 + number)}" startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="{G(300 + number)}" creatingUser="{G(user)}"><CodeRef targetGUID="{G(code)}"/>'
            "</Coding></PlainTextSelection>")


def words(text: str, what: str) -> tuple[int, int]:
    start = text.index(what)
    return start, start + len(what)


def test_two_users_of_one_name_stay_two_coders(tmp_path):
    """Both coded the same words with the same code: before, one coder and one coding was left."""
    users = (f'<User guid="{G(901)}" name="Onderzoeker" id="A1"/>'
             f'<User guid="{G(902)}" name="Onderzoeker" id="B2"/>')
    span = words(TEXT, "hetzelfde gebouw")
    path = archive(tmp_path / "twee.qdpx", source(1, "Gesprek", selection(1, *span, 1, 901)
                                                  + selection(2, *span, 1, 902)), users=users)
    report = import_qdpx(path, tmp_path / "p.codering")
    with Project.open(tmp_path / "p.codering") as p:
        assert sorted(c.coder for c in p.codings()) == ["Onderzoeker (A1)", "Onderzoeker (B2)"]
    assert report.codings_added == 2 and report.codings_present == 0
    assert "2 users are named 'Onderzoeker'; they stay apart as 'Onderzoeker (A1)', 'Onderzoeker (B2)'" \
        in report.notices


def test_a_source_of_two_cases_keeps_only_what_they_share(tmp_path):
    """A duo interview linked to two cases: before, it took one case's name and the other's values."""
    def case(number: int, name: str, geslacht: str, regio: str) -> str:
        return (f'<Case guid="{G(700 + number)}" name="{name}">'
                f'<VariableValue><VariableRef targetGUID="{G(801)}"/><TextValue>{geslacht}</TextValue></VariableValue>'
                f'<VariableValue><VariableRef targetGUID="{G(802)}"/><TextValue>{regio}</TextValue></VariableValue>'
                f'<SourceRef targetGUID="{G(101)}"/></Case>')
    cases = f"<Cases>{case(1, 'Lies', 'vrouw', 'Gent')}{case(2, 'Tom', 'man', 'Gent')}</Cases>"
    path = archive(tmp_path / "duo.qdpx", source(1, "Duo", ""), extra=cases)
    report = import_qdpx(path, tmp_path / "p.codering")
    with Project.open(tmp_path / "p.codering") as p:
        assert p.attributes("Duo") == {"Regio": "Gent"}
    assert ("source 'Duo' belongs to 2 cases (Lies, Tom); their differing Geslacht and the case name were left "
            "out (one value per transcript)") in report.notices


def test_a_folder_of_the_project_coded_in_the_file_is_refused_before_anything_is_written(project, tmp_path):
    """NVivo codes a parent node directly; here that label is a folder: before, an error that named
    neither the file nor a way out."""
    codes = f'<Code guid="{G(3)}" name="Stimulerende factoren" isCodable="true"/>'
    span = words(TEXT, "hetzelfde gebouw")
    path = archive(tmp_path / "map.qdpx", source(1, "Gesprek", selection(1, *span, 3)), codes=codes)
    before = (project.transcripts(), project.codebook())
    with pytest.raises(RefiError) as caught:
        import_qdpx(path, project)
    assert str(caught.value) == (
        f"{path}: code 'Stimulerende factoren' carries codings in the file, but in this project it is the folder "
        "'Stimulerende factoren' (stim), which cannot be applied; rename the code in the other tool, or import "
        "the file into a new project")
    assert (project.transcripts(), project.codebook()) == before


def test_codings_inside_a_note_are_named_as_left_out(tmp_path):
    note = (f'<Notes><Note guid="{G(601)}" name="Idee"><PlainTextContent>Nabijheid telt.</PlainTextContent>'
            f'<PlainTextSelection guid="{G(602)}" startPosition="0" endPosition="9">'
            f'<Coding guid="{G(603)}"><CodeRef targetGUID="{G(1)}"/></Coding></PlainTextSelection></Note></Notes>')
    report = import_qdpx(archive(tmp_path / "n.qdpx", source(1, "Gesprek", ""), extra=note), tmp_path / "p.codering")
    assert "note 'Idee': 1 coding inside the note left out (codering codes transcripts, not notes)" in report.notices
    assert report.memos_added == 1


def test_a_code_renamed_in_the_other_tool_is_named_not_silently_kept(project, tmp_path):
    export_qdpx(project, tmp_path / "ons.qdpx")
    with zipfile.ZipFile(tmp_path / "ons.qdpx") as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["project.qde"] = members["project.qde"].replace(b'name="Nabijheid"', b'name="Fysieke nabijheid"')
    with zipfile.ZipFile(tmp_path / "terug.qdpx", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    report = import_qdpx(tmp_path / "terug.qdpx", project)
    assert project.codebook().get("stim.praktisch.nabijheid").label == "Nabijheid"
    assert ("code 'Nabijheid' (stim.praktisch.nabijheid) differs in the file (label 'Nabijheid' -> 'Fysieke "
            "nabijheid'); the project's kept (to take the file's over, export the codebook from the other tool as "
            ".qdc and `codering -p P codebook import FILE.qdc`)"
            ) in report.notices
    book = project.codebook()
    write_qdc(book.__class__(id=book.id, name=book.name, codes={
        c.id: (c.with_changes(label="Fysieke nabijheid") if c.id == "stim.praktisch.nabijheid" else c)
        for c in book}), tmp_path / "k.qdc", base=project.project_id)
    taken = import_codebook(project, tmp_path / "k.qdc", "tester")
    assert "code 'Nabijheid' (stim.praktisch.nabijheid) updated from the file: label 'Nabijheid' -> " \
           "'Fysieke nabijheid'" in taken.notices
    assert project.codebook().get("stim.praktisch.nabijheid").label == "Fysieke nabijheid"


def test_two_sources_of_one_text_in_the_file_are_named(tmp_path):
    span = words(TEXT, "wachtlijsten")
    path = archive(tmp_path / "d.qdpx", source(1, "Mia", selection(1, *span, 2))
                   + source(2, "Mia (kopie)", selection(2, *span, 2)))
    report = import_qdpx(path, tmp_path / "p.codering")
    assert report.transcripts_added == ["Mia"] and not report.transcripts_matched
    assert "source 'Mia (kopie)' has the same text as 'Mia' in the file; its codings and memos go to that one" \
        in report.notices
    assert report.codings_added == 1 and report.codings_present == 1


def test_the_projects_own_export_comes_back_onto_its_changed_text(project, tmp_path):
    """Exported, coded further elsewhere, while a typo was mended here: before, the archive's text came in
    as a second transcript ("-2") with every coding on it, counting each twice in Tabel 5/6."""
    from codering.ingest import parse_text

    project.import_transcript(parse_text("interview_id: G-1\n\n" + TEXT, "gesprek"))
    content = project.content("gesprek")
    project.add_coding("gesprek", *words(content, "hetzelfde gebouw"), "stim.praktisch.nabijheid", "an")
    project.add_coding("gesprek", *words(content, "Hoe loopt"), "stim.praktisch", "an")
    project.add_memo("Over het gebouw", "an", transcript="gesprek", start=content.index("hetzelfde"),
                     end=content.index("hetzelfde") + 9)
    export_qdpx(project, tmp_path / "ons.qdpx")
    # elsewhere: one more coding on the exported text
    with zipfile.ZipFile(tmp_path / "ons.qdpx") as z:
        members = {n: z.read(n) for n in z.namelist()}
    text_member = next(n for n in members if n.startswith("sources/"))
    old_text = members[text_member].decode("utf-8")
    start, end = words(old_text, "wachtlijsten")
    more = (f'<PlainTextSelection guid="{G(1)}" startPosition="{start}" endPosition="{end}">'
            f'<Coding guid="{G(2)}" creatingUser="{{user}}"><CodeRef targetGUID="{{code}}"/></Coding>'
            "</PlainTextSelection>")
    qde = members["project.qde"].decode("utf-8")
    user = qde.split('<User guid="')[1].split('"')[0]
    code = qde.split('name="Praktische"')[0].rsplit('guid="', 1)[1].split('"')[0]  # a Praktische code
    qde = qde.replace("</TextSource>", more.format(user=user, code=code) + "</TextSource>", 1)
    members["project.qde"] = qde.encode("utf-8")
    with zipfile.ZipFile(tmp_path / "terug.qdpx", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    # here: the text changed since the export (a word mended before the coded words, one coded phrase gone)
    project.import_transcript(parse_text("interview_id: G-1\n\n" + TEXT.replace("Hoe loopt het", "Hoe verloopt het"),
                                         "gesprek"))
    report = import_qdpx(tmp_path / "terug.qdpx", project)
    assert [t.name for t in project.transcripts()] == ["gesprek"]
    assert report.transcripts_matched == ["gesprek"] and not report.transcripts_added
    now = project.content("gesprek")
    texts = sorted(c.text for c in project.codings("gesprek"))
    assert texts == ["hetzelfde gebouw", "wachtlijsten"]
    assert all(now[c.start:c.end] == c.text for c in project.codings("gesprek"))
    assert ("'gesprek': its text has changed since this archive was exported; the archive's codings and memos "
            "were moved to the same words in the project's text; 1 coding whose words are gone left out"
            ) in report.notices
    assert report.codings_added == 1  # the one made elsewhere; the others were already there


def test_decimals_and_times_are_exported_with_their_types_and_come_back_as_written(project, tmp_path):
    """A Float and a DateTime variable were written as Text: the other tool lost their types."""
    from codering.ingest import parse_text

    xmlschema = pytest.importorskip("xmlschema")
    for n, (score, when, code) in enumerate((("3.5", "2023-05-01T10:00:00Z", "007"),
                                             ("4.25", "2023-05-02T09:30:00+02:00", "12"))):
        project.import_transcript(parse_text(TEXT, f"gesprek{n}"))
        project.set_attributes(f"gesprek{n}", {"tevredenheid": score, "start": when, "code": code})
    export_qdpx(project, tmp_path / "a.qdpx")
    with zipfile.ZipFile(tmp_path / "a.qdpx") as z:
        qde = z.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent.parent / "shared" / "refi" / "Project.xsd")
                        ).validate(qde)
    assert 'name="tevredenheid" typeOfVariable="Float"' in qde and "<FloatValue>4.25</FloatValue>" in qde
    assert 'name="start" typeOfVariable="DateTime"' in qde
    assert 'name="code" typeOfVariable="Text"' in qde  # "007" as an Integer would come back as 7
    import_qdpx(tmp_path / "a.qdpx", tmp_path / "b.codering")
    with Project.open(tmp_path / "b.codering") as back:
        assert back.attributes("gesprek0") == {"tevredenheid": "3.5", "start": "2023-05-01T10:00:00Z", "code": "007"}


def test_a_header_line_in_the_text_does_not_sit_beside_the_tools_own_variable(tmp_path):
    """A text starting "Locatie: Gent" gave an attribute 'Locatie' from the text beside the tool's
    variable 'Locatie' (another value), and both went out again as two variables."""
    text = "Locatie: Gent\ndatum: 2023-03-01\n\nI: Hoe loopt het?\n\nR: Goed.\n"
    values = (f'<VariableValue><VariableRef targetGUID="{G(802)}"/><TextValue>Brugge</TextValue>'
              "</VariableValue>")
    src = (f'<TextSource guid="{G(101)}" name="Duo"><PlainTextContent>{text}</PlainTextContent>'
           f"{values}</TextSource>")
    qde = archive(tmp_path / "h.qdpx", src).read_bytes()
    with zipfile.ZipFile(tmp_path / "h.qdpx") as z:
        body = z.read("project.qde").decode("utf-8").replace('name="Regio"', 'name="Locatie"')
    with zipfile.ZipFile(tmp_path / "h2.qdpx", "w") as z:
        z.writestr("project.qde", body)
    assert qde
    report = import_qdpx(tmp_path / "h2.qdpx", tmp_path / "p.codering")
    with Project.open(tmp_path / "p.codering") as p:
        assert p.attributes("Duo") == {"datum": "2023-03-01", "Locatie": "Brugge"}
    assert any("'locatie' at the top of its text left out as attributes" in n for n in report.notices), report.notices


def test_new_codes_under_the_projects_codes_get_path_ids(project, tmp_path):
    """A code added in another tool under Nabijheid got the flat id 'zelfde_gebouw': `agreement --codes
    '^(stim|rem)\\.'` and every id filter missed it."""
    export_qdpx(project, tmp_path / "ons.qdpx")
    with zipfile.ZipFile(tmp_path / "ons.qdpx") as z:
        members = {n: z.read(n) for n in z.namelist()}
    qde = members["project.qde"].decode("utf-8")
    at = qde.index('name="Nabijheid"')
    close = qde.index("</Code>", at)
    extra = (f'<Code guid="{G(11)}" name="Zelfde gebouw" isCodable="true">'
             f'<Code guid="{G(12)}" name="Gedeelde inkom" isCodable="true"/></Code>')
    members["project.qde"] = (qde[:close] + extra + qde[close:]).encode("utf-8")
    with zipfile.ZipFile(tmp_path / "terug.qdpx", "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    import_qdpx(tmp_path / "terug.qdpx", project)
    book = project.codebook()
    assert book.get("stim.praktisch.nabijheid.zelfde_gebouw").parent == "stim.praktisch.nabijheid"
    assert book.get("stim.praktisch.nabijheid.zelfde_gebouw.gedeelde_inkom").label == "Gedeelde inkom"


def test_another_codering_projects_ids_yield_to_the_same_codes_by_name(project, tmp_path):
    """A project made from another tool's file has its own ids for the same codes; its export carried them
    in id lines, which beat the match by name and built a second tree beside the project's."""
    from codering.codebook import Code, Codebook
    from codering.ingest import parse_text

    other_book = Codebook(id="elders", name="Elders", codes={
        "sf": Code(id="sf", label="Stimulerende factoren", codable=False),
        "sf.p": Code(id="sf.p", label="Praktische", parent="sf"),
        "sf.p.n": Code(id="sf.p.n", label="Nabijheid", parent="sf.p"),
    })
    with Project.create(tmp_path / "elders.codering", other_book) as other:
        other.import_transcript(parse_text(TEXT, "gesprek"))
        other.add_coding("gesprek", *words(other.content("gesprek"), "hetzelfde gebouw"), "sf.p.n", "mira")
        export_qdpx(other, tmp_path / "elders.qdpx")
    before = [c.id for c in project.codebook()]
    report = import_qdpx(tmp_path / "elders.qdpx", project)
    assert [c.id for c in project.codebook()] == before and report.codes_added == 0
    assert [(c.code_id, c.text) for c in project.codings()] == [("stim.praktisch.nabijheid", "hetzelfde gebouw")]


def test_codes_back_from_taguette_are_matched_by_their_label_path(project, tmp_path):
    """Taguette's own codebook export of the tags codering wrote for it ("Stimulerende factoren /
    Praktische / Nabijheid", flat, no namespace): every one was added again as a flat code."""
    from codering.refi.taguette import taguette_rows

    codes = "".join(f'<Code guid="{G(500 + n)}" name="{tag}" isCodable="true"/>'
                    for n, (tag, _) in enumerate(taguette_rows(project.codebook())))
    (tmp_path / "taguette.qdc").write_text(f"<?xml version='1.0' encoding='utf-8'?>\n<CodeBook><Codes>{codes}"
                                           "</Codes><Sets/></CodeBook>", encoding="utf-8")
    before = [c.id for c in project.codebook()]
    report = import_codebook(project, tmp_path / "taguette.qdc", "tester")
    assert report.added == 0 and [c.id for c in project.codebook()] == before


def test_the_own_export_does_not_go_onto_another_interview_that_took_the_name(project, tmp_path):
    """After `import --replace` put another interview under the name, the archive's codings were moved
    onto that interview's words wherever they happened to match."""
    from codering.ingest import parse_text

    project.import_transcript(parse_text("interview_id: G-1\n\n" + TEXT, "gesprek"))
    project.add_coding("gesprek", *words(project.content("gesprek"), "hetzelfde gebouw"), "stim.praktisch.nabijheid",
                       "an")
    export_qdpx(project, tmp_path / "ons.qdpx")
    other = ("interview_id: G-9\n\nI: Wat doet u precies?\n\nR: Ik werk in een ander gebouw, "
             "ver van de huisarts en het CAW.\n\nI: En verder?\n\nR: Niets bijzonders, eerlijk gezegd niet.\n")
    project.import_transcript(parse_text(other, "gesprek"))  # what import --replace does
    report = import_qdpx(tmp_path / "ons.qdpx", project)
    assert report.transcripts_added == ["gesprek-2"] and not report.transcripts_matched
    assert [c.text for c in project.codings("gesprek")] == []
    assert [c.text for c in project.codings("gesprek-2")] == ["hetzelfde gebouw"]


def test_transcripts_of_one_case_go_out_as_one_case_and_come_back_as_they_were(project, tmp_path):
    """The case 'Mia' with two interviews went out as two cases named after the transcripts, with a
    variable 'case' beside them."""
    from codering.ingest import parse_text

    xmlschema = pytest.importorskip("xmlschema")
    values = {"mia_2022": {"case": "Mia", "regio": "Gent", "jaar": "2022"},
              "mia_2023": {"case": "Mia", "regio": "Gent", "jaar": "2023"},
              "tom": {"regio": "Brugge"}}
    for n, (name, attrs) in enumerate(values.items()):
        project.import_transcript(parse_text(TEXT.replace("lang", f"lang ({n})"), name))
        project.set_attributes(name, attrs)
    export_qdpx(project, tmp_path / "a.qdpx")
    with zipfile.ZipFile(tmp_path / "a.qdpx") as z:
        qde = z.read("project.qde").decode("utf-8")
    xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent.parent / "shared" / "refi" / "Project.xsd")
                        ).validate(qde)
    assert qde.count("<Case ") == 2 and 'name="Mia"' in qde and 'name="case"' not in qde
    import_qdpx(tmp_path / "a.qdpx", tmp_path / "b.codering")
    with Project.open(tmp_path / "b.codering") as back:
        assert {name: back.attributes(name) for name in values} == values


def test_document_groups_become_an_attribute_to_crosstab_by(tmp_path):
    """ATLAS.ti's document groups (sets of sources) were left out with a notice, though grouping
    interviews is what crosstabs and --where do."""
    sets = (f'<Sets><Set guid="{G(951)}" name="Zorg"><MemberSource targetGUID="{G(101)}"/></Set>'
            f'<Set guid="{G(952)}" name="Welzijn"><MemberSource targetGUID="{G(101)}"/>'
            f'<MemberSource targetGUID="{G(102)}"/></Set></Sets>')
    path = archive(tmp_path / "g.qdpx", source(1, "Een", "") + source(2, "Twee", "", text=TEXT.replace("lang", "kort")),
                   extra=sets)
    report = import_qdpx(path, tmp_path / "p.codering")
    with Project.open(tmp_path / "p.codering") as p:
        assert (p.attributes("Een"), p.attributes("Twee")) == ({"groep": "Zorg, Welzijn"}, {"groep": "Welzijn"})
    assert "2 document group(s) became the attribute 'groep' of 2 transcripts" in report.notices
