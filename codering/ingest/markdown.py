"""Markdown transcripts: bold speaker labels, headings and rules to canonical text."""

from __future__ import annotations

import re

import yaml

from codering.ingest.parse import header_attributes
from codering.ingest.speakers import KEY_VALUE, LABEL, SPEAKER_WORD_KEYS, label_role, name_strength

_MD_LABEL = re.compile(r"^([ \t]*)(?:\*\*|__)([^*_\n]{1,40}?)(:?)(?:\*\*|__)(:?)", re.M)
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.*?)[ \t#]*$")
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$")


def _front_matter(lines: list[str], notices: list[str]) -> list[str]:
    """YAML front matter -> header lines ("key: value"); a multi-line value is joined into one line."""
    try:
        data = yaml.load("\n".join(lines), Loader=yaml.BaseLoader)  # every value a string, as written
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict):
        header, left = [], []
        for line in lines:
            m = KEY_VALUE.fullmatch(line.strip())
            if m and m.group(2):
                header.append(f"{m.group(1).strip()}: {m.group(2).strip().strip(chr(34) + chr(39))}")
            elif line.strip():
                left.append(line.strip())
        if left:
            notices.append(f"the front matter is not valid YAML; {len(left)} line(s) of it were left out: "
                           + "; ".join(left)[:300])
        return header

    def flat(value) -> str:
        if isinstance(value, list):
            return "; ".join(v for v in map(flat, value) if v)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {flat(v)}" for k, v in value.items())
        return " ".join(str(value).split())

    header, left = [], []
    for key, value in data.items():
        key = " ".join(re.sub(r"[^\w -]+", " ", re.sub(r"['’]", "", str(key))).split())  # "thema's" -> "themas"
        value = flat(value)
        if not value:
            continue
        if KEY_VALUE.fullmatch(f"{key}: x"):
            header.append(f"{key}: {value}")
        else:
            left.append(f"{key}: {value}")
    if left:
        notices.append(f"{len(left)} front matter value(s) with a name that is not an attribute name were left "
                       "out: " + "; ".join(left)[:300])
    return header


def _header_after_title(title: list[str], lines: list[str], rest: str) -> bool:
    """Whether the paragraph after a title heading is the header (not a first turn such as "Interviewer: Dag")."""
    later = {m.group("label").strip() for line in rest.split("\n") if (m := LABEL.match(line.strip()))}
    for line in lines:
        m = KEY_VALUE.fullmatch(line.strip())
        if not m:
            return False
        key, value = m.group(1).strip(), (m.group(2) or "").strip()
        if key in later or ((label_role(key) or key.lower() in SPEAKER_WORD_KEYS) and not name_strength(value)):
            return False
    return bool(rest.strip()) and header_attributes(title + lines, set()) is not None


def convert_markdown(text: str) -> tuple[str, list[str]]:
    """Markdown transcript: YAML front matter -> header; bold labels unbolded; headings dropped."""
    notices: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    header: list[str] = []
    lines = text.split("\n")
    if lines and lines[0].strip() == "---":
        for k in range(1, min(len(lines), 200)):
            if lines[k].strip() in ("---", "..."):
                header = _front_matter(lines[1:k], notices)
                lines = lines[k + 1:]
                notices.append("front matter read as the header")
                break
    kept, dropped, title = [], 0, False
    for line in lines:
        heading = _MD_HEADING.match(line)
        if heading:
            if not header and not any(x.strip() for x in kept):
                header.append(f"titel: {heading.group(1)}")
                title = True
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
    if title:  # "# Interview 5" and then the key: value header: one header
        first, _, rest = body.partition("\n\n")
        if _header_after_title(header, first.split("\n"), rest):
            header += first.split("\n")
            body = rest.strip("\n")
            notices.append("the key: value lines after the title heading were read as the header")
    return ("\n".join(header) + "\n\n" + body) if header else body, notices
