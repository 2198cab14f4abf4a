"""QA pass over the team workflow: coders on one project (a file, or a project on the session's server),
push and pull between the engines, a colleague removing a transcript, the server going away."""

from __future__ import annotations

import pytest
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.ingest import read_transcript
from codering.store import Project
from codering.store.transfer import copy_project

pytestmark = pytest.mark.backends("sqlite", "postgresql")

OTHER_TEXT = """\
interview_id: T-09
locatie: Ninove

I: Wat is er veranderd?

R: Sinds vorig jaar komen we maandelijks samen met alle partners uit de gemeente, en dat werkt goed.
"""


def _removed_then_moved(source_where, target_where, transcript_file):
    """A coder removes a coding, the transcript is removed, the project is copied to the other engine and
    a new transcript imported there: the copy must not give the new transcript the removed one's id."""
    with Project.open(source_where, "ann") as source:
        name = source.transcripts()[0].name
        segment = [s for s in source.segments(name) if s.role == "respondent"][0]
        coding = source.add_coding(name, segment.start, segment.end, "stim.praktisch", "ann")
        source.remove_coding(coding, "ann")
        removed = source.transcript_id(name)
        source.remove_transcript(name)
        copy_project(source, target_where)
    other = transcript_file.with_name("t09_nieuw.txt")
    other.write_text(OTHER_TEXT, encoding="utf-8")
    with Project.open(target_where, "ann") as target:
        target.import_transcript(read_transcript(other), str(other))
        assert target.transcript_id("t09_nieuw") != removed
        done = target.undo()  # ann's removal: its coding belonged to the removed transcript
        assert "cannot be put back" in done
        assert target.codings() == []  # not put on the newcomer


@pytest.mark.parametrize("direction", ["push", "pull"])
def test_a_removed_transcripts_id_is_not_given_again_after_push_or_pull(direction, tmp_path, small_codebook,
                                                                        transcript_file, pg_url):
    first, second = (tmp_path / "eigen.codering", pg_url) if direction == "push" else (pg_url, tmp_path / "kopie.codering")
    with Project.create(first, small_codebook) as project:
        project.import_transcript(read_transcript(transcript_file), str(transcript_file))
    _removed_then_moved(first, second, transcript_file)
