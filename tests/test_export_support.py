"""A small coded project with known counts, shared by the export tests (no tests here).

Four interviews (INT-A, INT-B in Beernem; INT-C, INT-D in Tongeren; INT-D has
no codings), a codebook shaped like the default one (stim/rem groups with
categories and factors, and fin), and codings whose counts the tests assert
cell by cell. The expected numbers are derived in the comments below.
"""

from __future__ import annotations

import pytest

MINI_CODEBOOK = """\
codebook:
  id: mini
  name: Mini codeboek
  language: nl
codes:
  - id: stim
    label: Stimulerende factoren
    codable: false
    children:
      - id: stim.inhoud
        label: Inhoud
        description: Inhoudelijke redenen.
        children:
          - {id: stim.inhoud.gemeenschappelijk_doel, label: Gemeenschappelijk doel}
          - {id: stim.inhoud.zelfde_doelgroep, label: Zelfde doelgroep}
      - id: stim.juridisch
        label: Juridisch
        children:
          - {id: stim.juridisch.wettelijke_verplichting, label: Wettelijke verplichting}
          - {id: stim.juridisch.politieke_opdracht, label: "‘Politieke opdracht’"}
      - id: stim.praktisch
        label: Praktische
        description: Praktische zaken.
        children:
          - {id: stim.praktisch.nabijheid, label: Nabijheid, description: Dicht bij elkaar werken.}
          - {id: stim.praktisch.meer_vrijwilligers, label: Meer vrijwilligers}
          - {id: stim.praktisch.aanspreekbaarheid, label: Aanspreekbaarheid}
  - id: rem
    label: Remmende factoren
    codable: false
    children:
      - id: rem.juridisch
        label: Juridisch
        children:
          - {id: rem.juridisch.beroepsgeheim, label: Beroepsgeheim en privacywetgeving}
          - {id: rem.juridisch.gdpr, label: GDPR-verplichtingen}
      - id: rem.organisatorisch
        label: Organisatorische
        children:
          - {id: rem.organisatorisch.wachtlijsten, label: Wachtlijsten}
          - {id: rem.organisatorisch.concurrentie, label: Concurrentie}
          - {id: rem.organisatorisch.it, label: "Geen gedeeld (IT-)platform"}
      - id: rem.politiek
        label: Politieke
        children:
          - {id: rem.politiek.concurrentie, label: Concurrentie}
  - id: fin
    label: Finaliteit
    codable: false
    children:
      - {id: fin.doorverwijzen, label: Doorverwijzen}
      - {id: fin.informatiedeling, label: Informatiedeling}
      - {id: fin.afstemming, label: Afstemming}
      - {id: fin.activiteiten, label: Activiteiten}
"""

A = """\
interview_id: INT-A
locatie: Beernem
actorgroep: zorg

[00:00:05] I: Met wie werkt u samen?

[00:00:20] R: We zitten in hetzelfde gebouw als de huisarts, dat is echt handig voor ons. Zo loop je elkaar altijd tegen het lijf in de gang van het gebouw. We willen allebei dat mensen zo lang mogelijk thuis kunnen blijven wonen.

I: En wat remt de samenwerking?

[00:02:00] R: De wachtlijsten bij de diensten zijn veel te lang voor onze mensen. Door de privacywet mogen we bijna niets meer doorgeven aan elkaar. Ook het beroepsgeheim van de artsen speelt daar mee.
"""

B = """\
interview_id: INT-B
locatie: Beernem
actorgroep: welzijn

[00:00:10] R: Onze vrijwilligers maken echt het verschil voor de mensen in de buurt. Het gebouw van het OCMW ligt vlakbij het dienstencentrum, dus we zitten dicht bij elkaar. Dat scheelt echt enorm veel tijd.

R: Er is veel concurrentie tussen de diensten in de gemeente om cliënten. De schepen ziet ons eerder als concurrent dan als partner.
"""

C = """\
interview_id: INT-C
locatie: Tongeren
actorgroep: zorg

[00:01:00] R: We hebben samen een wettelijke opdracht rond armoede in de stad. De gemeente vraagt het ons ook uitdrukkelijk als politieke opdracht.

R: We zitten dicht bij elkaar in hetzelfde gebouw, dus even binnenlopen gaat altijd.

R: Elke week is er overleg met alle partners. Dan stemmen we ons aanbod op elkaar af.
"""

D = """\
interview_id: INT-D
locatie: Tongeren
actorgroep: lokaal bestuur

R: Wij werken eigenlijk met iedereen samen, dat is onze rol als gemeente.
"""

# (transcript, text (a sentence or a stretch of sentences), codes, coder)
CODINGS = [
    ("INT-A", "We zitten in hetzelfde gebouw als de huisarts, dat is echt handig voor ons.",
     ["stim.praktisch.nabijheid", "fin.doorverwijzen"], "ann"),
    ("INT-A", "Zo loop je elkaar altijd tegen het lijf in de gang van het gebouw.",
     ["stim.praktisch.nabijheid", "stim.praktisch.aanspreekbaarheid"], "ann"),
    ("INT-A", "We willen allebei dat mensen zo lang mogelijk thuis kunnen blijven wonen.",
     ["stim.inhoud.gemeenschappelijk_doel", "fin.afstemming"], "ann"),
    ("INT-A", "De wachtlijsten bij de diensten zijn veel te lang voor onze mensen.",
     ["rem.organisatorisch.wachtlijsten", "fin.doorverwijzen"], "ann"),
    ("INT-A", "Door de privacywet mogen we bijna niets meer doorgeven aan elkaar.",
     ["rem.juridisch.beroepsgeheim", "fin.informatiedeling"], "ann"),
    ("INT-A", "Ook het beroepsgeheim van de artsen speelt daar mee.", ["rem.juridisch.beroepsgeheim"], "ann"),
    ("INT-A", "Ook het beroepsgeheim van de artsen speelt daar mee.", ["rem.juridisch.beroepsgeheim"], "bob"),
    ("INT-B", "Onze vrijwilligers maken echt het verschil voor de mensen in de buurt.",
     ["stim.praktisch.meer_vrijwilligers", "fin.activiteiten"], "ann"),
    ("INT-B", "Het gebouw van het OCMW ligt vlakbij het dienstencentrum, dus we zitten dicht bij elkaar.",
     ["stim.praktisch.nabijheid"], "ann"),
    ("INT-B", "Dat scheelt echt enorm veel tijd.", ["stim.praktisch"], "ann"),
    ("INT-B", "Er is veel concurrentie tussen de diensten in de gemeente om cliënten.",
     ["rem.organisatorisch.concurrentie", "fin.doorverwijzen"], "ann"),
    ("INT-B", "De schepen ziet ons eerder als concurrent dan als partner.", ["rem.politiek.concurrentie"], "ann"),
    ("INT-C", "We hebben samen een wettelijke opdracht rond armoede in de stad.",
     ["stim.juridisch.wettelijke_verplichting"], "ann"),
    ("INT-C", "De gemeente vraagt het ons ook uitdrukkelijk als politieke opdracht.",
     ["stim.juridisch.politieke_opdracht", "fin.doorverwijzen"], "ann"),
    ("INT-C", "We zitten dicht bij elkaar in hetzelfde gebouw, dus even binnenlopen gaat altijd.",
     ["stim.praktisch.nabijheid"], "ann"),
    ("INT-C", "Elke week is er overleg met alle partners. Dan stemmen we ons aanbod op elkaar af.",
     ["fin.afstemming"], "ann"),
]
# Expected, segments = coded passages, interviews of 4:
#   nabijheid 4 (A twice, B, C) in 3 interviews; aanspreekbaarheid, meer vrijwilligers,
#   gemeenschappelijk doel, wettelijke verplichting, politieke opdracht: 1 each;
#   stim.praktisch 6 passages (A 2, B 3 incl. the category coding, C 1), 1 direct;
#   beroepsgeheim 2 (A; bob's coding of the same sentence counts once);
#   wachtlijsten, concurrentie (org), concurrentie (pol) 1 each.
#   fin: doorverwijzen Beernem 3 (A 2, B 1), Tongeren 1; informatiedeling Beernem 1;
#   afstemming Beernem 1, Tongeren 1 (one coding over two sentences); activiteiten Beernem 1.


def build_project(path, codebook_text: str = MINI_CODEBOOK, codings=CODINGS, transcripts=(A, B, C, D)):
    from codering.codebook import parse_codebook
    from codering.store import Project
    from codering.ingest import parse_text

    project = Project.create(path, parse_codebook(codebook_text, "mini.yaml"))
    for text in transcripts:
        name = text.split("\n", 1)[0].split(": ")[1]
        project.import_transcript(parse_text(text, name))
    for name, snippet, codes, coder in codings:
        content = project.content(name)
        start = content.index(snippet)
        for code in codes:
            project.add_coding(name, start, start + len(snippet), code, coder)
    return project


@pytest.fixture
def coded(tmp_path):
    project = build_project(tmp_path / "mini.codering")
    yield project
    project.close()


@pytest.fixture
def data(coded):
    from codering.export.data import load

    return load(coded)


def rows(table) -> list[list]:
    """A table's body as plain Python values (None for empty cells)."""
    from codering.export.table import grid

    return grid(table).rows
