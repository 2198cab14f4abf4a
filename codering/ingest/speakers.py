"""Speaker labels and timestamps: which label is the interviewer, a respondent, or a personal name."""

from __future__ import annotations

import re

# a "key: value" line of a header (a document's first paragraphs or table, or Markdown front matter)
KEY_VALUE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(\S.*?)?[ \t]*")
SHORT_CODE = re.compile(r"(?P<l>[IRQA])\d{0,2}|P\d{1,2}|Int|Resp|INT|RESP")
_WORD_LABEL = re.compile(r"(?P<w>[^\W\d_]+)(?:[ _-]?\d{1,3})?")
_LABEL_WORDS = {
    **dict.fromkeys(("interviewer", "int", "onderzoeker", "interviewster", "moderator", "gespreksleider",
                     "vraag", "vraagsteller", "interviewers"), "interviewer"),
    **dict.fromkeys(("respondent", "resp", "geïnterviewde", "geinterviewde", "interviewee", "antwoord",
                     "deelnemer", "participant", "respondente"), "respondent"),
    **dict.fromkeys(("spreker", "speaker", "tolk", "onbekend", "unknown", "persoon", "stem"), "other"),
}
SPEAKER_WORD_KEYS = frozenset(k for k, v in _LABEL_WORDS.items() if v != "other") | {"interviewers"}
_TITLES = frozenset("dhr. dhr mevr. mevr mw. mw mr. mr mrs. ms. dr. dr prof. prof ir. ing. drs. mej. "
                    "meneer mevrouw mijnheer dokter juf meester pater zuster broeder".split())
_PARTICLES = frozenset("van de der den het 't ter ten te von vom du da di dos le la del della el al bin "
                       "op in 's d' vd v/d".split())
_STOPWORDS = frozenset("""
    ja jaja nee neen nou dus kijk maar en want of ook nog wel niet zeker goed oké oke ok okay allee awel
    euh eh ehm uhm hm hmm ah oh och ach tja ha hè he zo toen nu dan daar hier eerst eerste tweede derde
    laatste ten tot om op in met voor na door bij aan van uit over als omdat noch let nota noot opmerking
    voorbeeld bijvoorbeeld conclusie samengevat kortom enfin namelijk daarom belangrijk probleem punt
    stelling thema onderwerp citaat quote titel dat dit het de een wat wie hoe waarom waar wanneer welke
    ik wij we zij ze hij jij je u gij ge jullie men mijn ons onze hun haar zijn mijnheer mevrouw vraag
    antwoord besluit samenvatting vervolg inleiding slot afsluiting intro opening reactie tip advies
    probleem oplossing vooral eigenlijk gewoon alleen soms altijd nooit mss misschien bon enfin tussendoor
    nb ps pps ok btw fyi vb bvb wow yes no jawel neenee nounou aha
""".split())
_TS_BODY = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
TIMESTAMP = re.compile(
    rf"(?:\[(?P<a>{_TS_BODY})\]|\((?P<b>{_TS_BODY})\)|(?P<c>\d{{1,2}}:\d{{2}}:\d{{2}}(?:[.,]\d{{1,3}})?)(?=\s|$))"
    r"[ \t]*(?:[-–—][ \t]+)?"
)
LABEL = re.compile(r"(?P<label>[^\s:\[\]()][^:\n]{0,59}?)[ \t]*(?:[\[(](?P<ts>" + _TS_BODY + r")[\])][ \t]*)?:")
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_])|\.$)*\.?")


def normalise_timestamp(raw: str) -> str | None:
    """'1:02:03.500' -> '01:02:03', '12:34' -> '00:12:34'; None if it is no valid time."""
    parts = re.split(r"[.,]", raw)[0].split(":")
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 2:
        nums = [0, *nums]
    if len(nums) != 3 or nums[1] > 59 or nums[2] > 59:
        return None
    return f"{nums[0]:02d}:{nums[1]:02d}:{nums[2]:02d}"


def label_role(label: str) -> str | None:
    """The role of a standard speaker label (I, R1, Interviewer, Spreker 2, ...), else None."""
    m = SHORT_CODE.fullmatch(label)
    if m:
        first = label[0]
        return "interviewer" if first in "IQ" else "respondent"
    m = _WORD_LABEL.fullmatch(label)
    if m:
        return _LABEL_WORDS.get(m.group("w").lower())
    return None


def name_strength(label: str) -> int:
    """0: not a personal name; 1: a single name ("Marleen"); 2: a fuller name ("Dhr. Peeters", "Jan De Smet")."""
    if len(label) > 30 or not label:
        return 0
    words = label.split()
    if not 1 <= len(words) <= 6:
        return 0
    titled = words[0].lower() in _TITLES and len(words) > 1
    rest = words[1:] if titled else words
    names = 0
    for i, word in enumerate(rest):
        if word in _PARTICLES and 0 < i < len(rest) - 1:
            continue
        if not _NAME_WORD.fullmatch(word) or not word[0].isupper():
            return 0
        if word.isupper() and len(word) > 1 and not label.isupper():
            return 0  # "Jan CAW" is a fragment, not a name
        names += 1
    if not 1 <= names <= 3 or rest[0].lower().rstrip(".") in _STOPWORDS or rest[0].lower() in _PARTICLES:
        return 0
    if label.isupper():
        # initials such as "KDB" or "JP" (a single word): only when used more than once
        return 1 if names == 1 and not titled and 2 <= len(label) <= 4 and label.isalpha() else 0
    return 2 if titled or names >= 2 else 1
