"""Markdown transcripts: bold speaker labels, headings and rules to canonical text."""

from __future__ import annotations

import re

from codering.ingest.speakers import KEY_VALUE

_MD_LABEL = re.compile(r"^([ \t]*)(?:\*\*|__)([^*_\n]{1,40}?)(:?)(?:\*\*|__)(:?)", re.M)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")


def convert_markdown(text: str) -> tuple[str, list[str]]:
    """Markdown transcript: YAML front matter -> header; bold labels unbolded; headings dropped."""
    notices: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header: list[str] = []
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for k in range(1, min(len(lines), 200)):
            if lines[k].strip() in ("---", "..."):
                for line in lines[1:k]:
                    m = KEY_VALUE.fullmatch(line.strip())
                    if m and m.group(2):
                        header.append(f"{m.group(1).strip()}: {m.group(2).strip().strip(chr(34) + chr(39))}")
                lines = lines[k + 1:]
                notices.append("front matter read as the header")
                break
    kept, dropped = [], 0
    for line in lines:
        heading = _MD_HEADING.match(line)
        if heading:
            if not header and not any(x.strip() for x in kept):
                header.append(f"titel: {heading.group(1)}")
            else:
                dropped += 1
            kept.append("")
        elif _MD_RULE.match(line):
            kept.append("")
        else:
            kept.append(line)
    if dropped:
        notices.append(f"{dropped} Markdown heading(s) were left out")
    body = _MD_LABEL.sub(lambda m: f"{m.group(1)}{m.group(2).strip()}:" if (m.group(3) or m.group(4))
                         else m.group(0), "\n".join(kept))
    body = body.strip("\n")
    return ("\n".join(header) + "\n\n" + body) if header else body, notices
