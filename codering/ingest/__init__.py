"""Reading interview material into a project: files to turns, sentences and attributes.

Modules, in the order a file passes through them::

    files.py         check a file and dispatch on its type          read_transcript
    decoding.py      bytes to text (encodings, binary refusal, NFC)  decode_bytes
    word.py          .docx   ─┐ (documents.py: blocks shared by both)
    opendocument.py  .odt    ─┤ each converts to canonical text ...
    subtitles.py     .vtt/.srt┤
    markdown.py      .md     ─┘
    parse.py         ... which is parsed into turns and segments     parse_text
    speakers.py      speaker labels, names and timestamps
    sentences.py     sentence bounds (spaCy, Dutch abbreviations)
    model.py         Turn, Segment, ParsedTranscript
    attributes.py    case attributes from CSV                        read_attributes_csv
    plan.py          check every file of an import, then apply it    plan_import

Nothing here speaks SQL or imports the UI; ``plan.py`` hands the parsed files
to a :class:`codering.store.Project`.
"""

from codering.ingest.attributes import read_attributes_csv
from codering.ingest.decoding import decode_bytes
from codering.ingest.files import read_transcript
from codering.ingest.model import MAX_BYTES, SUPPORTED_SUFFIXES, ParsedTranscript, Segment, Turn
from codering.ingest.parse import parse_text, segment_turns
from codering.ingest.plan import ImportPlan, plan_import, read_codings_jsonl

__all__ = [
    "MAX_BYTES", "SUPPORTED_SUFFIXES", "ParsedTranscript", "Segment", "Turn", "decode_bytes", "parse_text",
    "read_attributes_csv", "read_transcript", "segment_turns", "ImportPlan", "plan_import", "read_codings_jsonl",
]
