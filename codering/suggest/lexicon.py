"""Hand-written Dutch cues for the engine: valence, filler speech, connectives.

Everything in this module was written for the engine from general (Flemish)
Dutch usage. Nothing is taken from interview data, evaluation data or the
study's transcripts. The cues give the zero-shot scorer a *polarity* signal
(does the speaker present something as helping or as hindering?), which
sentence embeddings barely see, a *content* signal (is there anything to
code at all?), and the connectives that open a sentence (a turn away from
the sentence before, or a next point), which say whether a passage goes on.
"""

from __future__ import annotations

import re

from codering.suggest.base import fold

# Words and phrases that, in Dutch, usually mark a problem, a lack or a hindrance.
NEGATIVE_CUES = (
    "niet", "geen", "nooit", "niks", "niets", "nergens", "niemand", "amper", "nauwelijks",
    "gebrek", "tekort", "tekorten", "te weinig", "te veel", "te lang", "te duur", "te ver", "te traag",
    "moeilijk", "moeilijker", "lastig", "probleem", "problemen", "zwaar", "traag", "stroef",
    "jammer", "spijtig", "helaas", "frustrerend", "frustratie", "frustraties", "ergernis", "ergerlijk",
    "hinder", "hinderen", "belemmert", "belemmeren", "bemoeilijkt", "remt", "tegenhouden", "houdt tegen",
    "blokkeert", "blokkeren", "vastlopen", "loopt vast", "liep vast", "mis", "misloopt", "verkeerd",
    "slecht", "slechte", "onduidelijk", "onduidelijkheid", "verwarring", "chaos", "versnipperd",
    "wachten", "wachttijd", "wachttijden", "wachtlijst", "wachtlijsten", "kwijt", "verloren", "weg",
    "ontbreekt", "ontbreken", "ontbrak", "mankeert", "onmogelijk", "lukt niet", "lukte niet",
    "kan niet", "mag niet", "mogen niet", "kunnen niet", "niet meer", "nog altijd niet", "telkens opnieuw",
    "opnieuw beginnen", "van nul", "botst", "botsen", "conflict", "ruzie", "wantrouwen", "jaloers",
    "concurrentie", "concurrent", "concurreren", "afgeschaft", "stopgezet", "gestopt", "valt weg",
    "stopt", "verdwenen", "op zich laten wachten", "overbevraagd", "overbelast", "werkdruk", "druk",
    "vermoeiend", "zorgen", "bang", "schrik", "durven niet", "durft niet", "drempel", "hoge drempel",
    "rompslomp", "papierwerk", "regels", "bureaucratie", "administratie", "maar ja", "ja maar",
    "klagen", "klacht", "eilandje", "eilandjes", "muur", "afgeblokt", "weigeren", "weigert",
)

# Words and phrases that usually mark something that helps, works or is valued.
POSITIVE_CUES = (
    "goed", "goede", "heel goed", "zeer goed", "beter", "best", "fijn", "tof", "plezant", "leuk",
    "gemakkelijk", "gemakkelijker", "makkelijk", "makkelijker", "eenvoudig", "vlot", "vlotter",
    "snel", "sneller", "rap", "direct", "meteen", "onmiddellijk", "helpt", "hielp", "helpen",
    "geholpen", "dankzij", "gelukkig", "sterk", "sterker", "waardevol", "meerwaarde", "nuttig",
    "handig", "prima", "perfect", "super", "schitterend", "mooi", "positief", "succes", "geslaagd",
    "lukt", "lukte", "werkt", "werkte", "loopt goed", "liep goed", "vertrouwen", "vertrouw",
    "kennen elkaar", "ken ik", "kent mij", "samen", "gedeeld", "gezamenlijk", "afgesproken",
    "vast moment", "vaste", "altijd bereikbaar", "bereikbaar", "aanspreekbaar", "open", "openheid",
    "steun", "gesteund", "ondersteuning", "subsidie", "subsidies", "gefinancierd", "betaald",
    "opgelost", "oplossing", "mogelijk", "kunnen we", "mogen we", "verplicht", "opdracht",
    "dichtbij", "naast", "om de hoek", "tegenover", "vriendelijk", "klik", "hecht", "warm",
    "graag", "blij", "tevreden", "dankbaar", "ideaal", "zou helpen", "zou goed zijn", "moesten we",
)

# Spoken fillers and back-channel words: a segment of only these carries no code.
FILLER_WORDS = frozenset(fold(w) for w in """
    ja nee neen jaja ok oke okay oké allee awel amai pff bon euh eh hm hmm mm ah oh o ha
    zeker juist inderdaad precies klopt dat dit het is was da dan zo wel nu natuurlijk
    goed goedzo dank bedankt merci graag gedaan absoluut tuurlijk en of maar dus want
    ik je ge gij u we wij ze zij hij het de een in op van te er al nog ook maar hè he he
    lacht zucht stilte pauze onverstaanbaar moment denk weet niet geen idee vraag goeie goede
    interessant zeg mag even eens keer paar soms misschien
""".split())

_WORD = re.compile(r"[a-z0-9']+")


def _compile(cues: tuple[str, ...]) -> re.Pattern[str]:
    words = sorted({fold(c) for c in cues}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


_NEG = _compile(NEGATIVE_CUES)
_POS = _compile(POSITIVE_CUES)
_NEGATED_POSITIVE = re.compile(r"\b(?:niet|geen|nooit|weinig|minder)\s+(?:\w+\s+)?(?:goed|vlot|makkelijk|"
                               r"gemakkelijk|snel|fijn|bereikbaar|mogelijk|duidelijk|open)\b")


def valence(text: str) -> float:
    """Cue balance in [-1, 1]: below 0 the text sounds like a hindrance, above 0 like a help."""
    t = fold(text)
    neg = len(_NEG.findall(t)) + 1.5 * len(_NEGATED_POSITIVE.findall(t))
    pos = len(_POS.findall(t)) - len(_NEGATED_POSITIVE.findall(t))
    pos = max(pos, 0)
    if neg == pos == 0:
        return 0.0
    return (pos - neg) / (pos + neg + 1.0)


def content_words(text: str) -> int:
    """Words of three letters or more that are not fillers: 0 means small talk."""
    return sum(1 for w in _WORD.findall(fold(text)) if len(w) >= 3 and w not in FILLER_WORDS)


# Anchor sentences for the embedding side of polarity (written for the engine).
POSITIVE_ANCHORS = (
    "Dat loopt heel vlot en het helpt ons echt vooruit.",
    "Dat werkt goed, we kunnen altijd op elkaar rekenen.",
    "Dankzij die afspraken gaat het samenwerken veel gemakkelijker.",
    "Dat is een grote meerwaarde voor onze mensen.",
    "Daar zijn we heel tevreden over, het is een succes.",
    "Dat maakt het makkelijk om samen iets op te zetten.",
)
NEGATIVE_ANCHORS = (
    "Dat is echt een probleem, het lukt gewoon niet.",
    "Dat loopt moeilijk, we botsen voortdurend op muren.",
    "Er is te weinig tijd en geld, dus dat valt stil.",
    "Dat is frustrerend, niemand weet wie wat doet.",
    "Dat remt de samenwerking enorm af.",
    "Het ontbreekt ons aan middelen en mensen om dat te doen.",
)


# Connectives that open a sentence turning against what came before ("but", "still", "only", "on the
# other hand", "unfortunately"): general Dutch usage. A sentence opening with one seldom continues the
# code of the sentence before it; it often states the opposite (a hindrance after a help).
CONTRAST_OPENERS = (
    "maar", "toch", "echter", "alleen", "anderzijds", "daarentegen", "helaas", "jammer genoeg",
    "spijtig genoeg", "nochtans", "integendeel", "behalve", "ondanks", "al is het", "wel is",
)
# Words a speaker may say before the connective ("Ja, maar ...", "En euh toch ...").
_LEAD_IN = frozenset(fold(w) for w in ("ja", "nee", "neen", "en", "euh", "eh", "allee", "awel", "bon", "ok", "oké"))
_CONTRAST = tuple(fold(c).split() for c in CONTRAST_OPENERS)


def _opens_with(text: str, phrases: tuple[list[str], ...], lead_in: frozenset[str]) -> bool:
    """Whether ``text`` opens with one of the (folded, split) ``phrases``, after words of ``lead_in``."""
    words = re.findall(r"[\w']+", fold(text))
    while words and words[0] in lead_in:
        words = words[1:]
    return any(words[:len(c)] == c for c in phrases)


def opens_with_contrast(text: str) -> bool:
    """Whether a sentence opens with a contrastive connective (after fillers such as "ja", "en", "euh")."""
    return _opens_with(text, _CONTRAST, _LEAD_IN)


# Connectives that open a sentence adding a next point ("and", "also", "besides", "furthermore",
# "another"): general Dutch usage. After a coded sentence, such a sentence more often starts a new
# passage than it goes on with the same one.
ADDITIVE_OPENERS = (
    "en", "ook", "daarnaast", "bovendien", "verder", "tevens", "eveneens", "daarbij", "plus", "vervolgens",
    "nog iets", "nog een", "een ander", "een andere", "ten tweede", "ten derde", "wat ook",
)
_FILLERS = _LEAD_IN - {fold("en")}  # "en" is itself an additive opener
_ADDITIVE = tuple(fold(c).split() for c in ADDITIVE_OPENERS)


def opens_with_addition(text: str) -> bool:
    """Whether a sentence opens with an additive connective ("En ...", "Daarnaast ...", "Ook ..."),
    after fillers such as "ja", "euh", and not with a contrastive one ("En toch ..." turns away)."""
    return not opens_with_contrast(text) and _opens_with(text, _ADDITIVE, _FILLERS)
