"""The one set of text rules every stage shares: the tokenizer (BM25 and the answer check
use the same stemmed words), names and figures, structured-abstract headings, text that
addresses the reader, and the polarity and direction a statement asserts.
"""

from __future__ import annotations

import re
from functools import cache

TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*")  # a word, "GPT-3", "Qwen2.5"
_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
# BM25's stop words: function words only, so that a query keeps every topical word.
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more
most my no nor not now of off on once only or other our out over own same she should so some
such than that the their them then there these they this those through to too under until up
very was we were what when where why how which while who whom why will with would you your
""".split())  # noqa: SIM905
# The answer check also ignores the words every abstract uses to talk about itself.
_GENERIC = frozenset("""
also paper papers study studies work approach method methods propose proposed proposes
present presents introduce introduces show shows shown based using use used new novel source
sources according may might shall yes true false whether like per via
""".split())  # noqa: SIM905
CHECK_STOPWORDS = STOPWORDS | _GENERIC


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def _words(text: str, stopwords: frozenset[str], *, figures: bool) -> list[str]:
    """Lower-case words; a hyphenated term also gives its parts. With `figures`, numbers lose
    thousands separators and K/M suffixes and decimals stay whole (the answer check)."""
    text = text.lower().replace("\\", "")
    if figures:
        text = plain_numbers(text)
    words: list[str] = []
    for token in _WORD.findall(text):
        split = "-" in token or "." in token and not (figures and _DECIMAL.fullmatch(token))
        parts = re.split(r"[.\-]", token) if split else []
        for word in [token, *[p for p in parts if len(p) > 1]]:
            if word not in stopwords and (len(word) > 1 or word.isdigit()):
                words.append(word)
    return words


_DECIMAL = re.compile(r"\d+(?:\.\d+)+")


def tokenize(text: str) -> list[str]:
    """BM25's tokens: lower-case words, hyphenated terms also split into parts, stop words
    dropped, Snowball-stemmed."""
    return _stemmer().stemWords(_words(text, STOPWORDS, figures=False))


_ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z0-9]+)s\b")  # "LLMs" -> "LLM"


def content_words(text: str) -> set[str]:
    """The answer check's words: like `tokenize`, without the words abstracts use about
    themselves (negations are stop words: `negated` reads them), acronyms in the singular."""
    text = _ACRONYM_PLURAL.sub(r"\1", text)
    stems = _stemmer().stemWords(_words(text, CHECK_STOPWORDS, figures=True))
    return {_PER_UNIT.get(w, w) for w in stems}


# "daily" and "per day" speak of the same unit; the stemmer keeps them apart
_PER_UNIT = {"hourli": "hour", "daili": "day", "weekli": "week",
             "monthli": "month", "yearli": "year", "annual": "year"}


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_GAP = r"[ \u2009\u202f]"  # a space or thin space between digit groups
_SPACED = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:{_GAP}\d{{3}})+\b(?![.,]\d)")  # "15 022"
# a figure in digit groups as a source or a model may write it: "15,022", "15 022", "15, 022"
GROUPED = re.compile(rf"(?<![\d.,])\d{{1,3}}(?:(?:,\s?|{_GAP})\d{{3}})+(?![\d,]\d)")
_SCALED = re.compile(r"\b(\d+(?:\.\d+)?)\s?([km])\b")


def plain_numbers(text: str) -> str:
    """"15,000", "15 000" and "15K" all read 15000; "2.4 M" reads 2400000 (lower-case
    input); an en or em dash reads as a hyphen ("300–600")."""
    text = _THOUSANDS.sub("", text.replace("–", "-").replace("—", "-"))
    text = _SPACED.sub(lambda m: re.sub(r"\D", "", m.group(0)), text)

    def expand(m: re.Match) -> str:
        value = float(m.group(1)) * (1000 if m.group(2) == "k" else 1_000_000)
        return str(int(value)) if value.is_integer() else m.group(0)

    return _SCALED.sub(expand, text)


NAMEY = re.compile(r"[a-z][A-Z]|[A-Z]{2}|[A-Za-z]-?\d")


def names(text: str) -> set[str]:
    """Names of models, methods, genes, benchmarks: whole tokens with an inner capital
    (DySpec), two capitals in a row (GSM8K, BRCA1) or a letter and a digit (IL-6), as
    content words."""
    return {w for tok in TOKEN.findall(text.replace("\\", "")) if NAMEY.search(tok)
            and not tok.isdigit() for w in content_words(tok)}


NUMBER_WORDS = (r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|"
                r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|"
                r"millions?|billions?|dozens?|twice|(?:half|double|triple)(?!-))\b")  # not "double-blind"
_FIGURE = re.compile(rf"(?<!\w)(?<![A-Za-z]-)\d|{NUMBER_WORDS}", re.IGNORECASE)
AUXILIARIES = frozenset({"do", "does", "did", "is", "are", "was", "were", "has", "have", "had",
                         "can", "could", "will", "would", "should", "may", "might", "must"})


def has_figure(text: str) -> bool:
    """The text states a quantity, in digits or words ("sixteen hours"); digits inside a
    name ("CD4", "IL-6") are none."""
    return bool(_FIGURE.search(text))


# Headings of structured abstracts (IMRaD and the CONSORT/PRISMA variants), wherever the
# corpus comes from: "RESULTS", "Design, Setting, and Participants", "METHODS AND FINDINGS".
_HEADING_WORDS = ("background|introduction|context|importance|objectives?|aims?|purpose|"
                  "rationale|hypothesis|methods?|methodology|design|setting|settings|"
                  "participants|patients|subjects|interventions?|exposures?|measurements?|"
                  "main outcomes?(?: and)? measures?|outcome measures?|outcomes?|results?|"
                  "findings|conclusions?|interpretation|significance|discussion|limitations|"
                  "study selection|data sources?|data extraction|data synthesis|evidence|"
                  "materials?|procedures?|trial registration|funding|relevance|summary|"
                  "principal findings|methods and findings|conclusions and relevance|"
                  "conclusions/significance|and|or")
_HEADING = re.compile(
    rf"^(?:{_HEADING_WORDS})(?:(?:\s*[,/&]\s*|\s+)(?:{_HEADING_WORDS}))*"
    r"(?:\s*[:.\-]\s*|\s+(?=[A-Z0-9])|(?=[A-Z][a-z]))", re.IGNORECASE)


def strip_heading(sentence: str) -> str:
    """The sentence without a leading structured-abstract heading: "RESULTS Of the 32,441
    samples ..." -> "Of the 32,441 samples ...", "Design, Setting, and ParticipantsMail
    survey ..." -> "Mail survey ...". The heading must be capitalised (all capitals, title
    case, or followed by a colon) and the sentence must go on with a capital or a digit."""
    m = _HEADING.match(sentence)
    if not m or not sentence[:1].isupper():
        return sentence
    head, rest = sentence[:m.end()], sentence[m.end():]
    if not (rest[:1].isupper() or rest[:1].isdigit()):
        return sentence
    words = [w for w in re.findall(r"[A-Za-z]+", head) if w.lower() not in ("and", "or")]
    marked = head.rstrip()[-1:] in ":.-"
    if not (marked or all(w.isupper() for w in words) or all(w[0].isupper() for w in words)):
        return sentence
    return rest


AIMS = frozenset({"background", "introduction", "context", "importance", "objective",
                  "objectives", "aim", "aims", "purpose", "rationale", "hypothesis"})


def heading(sentence: str) -> str:
    """The lower-cased heading a sentence starts with ("results"), or ""."""
    rest = strip_heading(sentence)
    return sentence[:len(sentence) - len(rest)].strip(" :.-").lower() if rest != sentence else ""


# Text inside a source that speaks to the assistant rather than about the research.
_ADDRESSES = re.compile(
    r"\b(?:ignore|disregard|forget|override)\s+(?:\w+\s+){0,3}?(?:instructions?|prompts?|"
    r"rules|directions|guidelines)\b"
    r"|\b(?:reply|respond|answer|output|say|print|write)\b\s+(?:only|exactly|with only)\b"
    r"|\byou\s+(?:are|must|should|will|shall)\s+(?:now\s+)?(?:an?\s+)?(?:assistant|ai|"
    r"language model|chatbot|ignore|reply|respond|answer|say|output|act|pretend)\b"
    r"|\b(?:as an ai|system prompt|assistant\s*:|\buser\s*:)",
    re.IGNORECASE)


def addresses_reader(sentence: str) -> bool:
    """The sentence gives the reader (a model reading it) instructions: it is data, never
    an instruction, and never a claim to repeat."""
    return bool(_ADDRESSES.search(sentence))


_NEGATION = re.compile(r"\b(?:no|not|never|neither|nor|none|cannot|fail(?:s|ed)? to|unable|"
                       r"incapable|unaffected|unchanged)\b",
                       re.IGNORECASE)


def negated(text: str) -> bool:
    """An odd number of negations: "X does not reduce Y"; "no X without Y" reads positive."""
    return len(_NEGATION.findall(text.replace("n't", " not"))) % 2 == 1


def negates(text: str) -> set[str]:
    """The content words within three words after a negation ("did not reduce mortality")."""
    text = text.replace("n't", " not")
    return set().union(set(), *(content_words(" ".join(TOKEN.findall(text[m.end():])[:3]))
                                for m in _NEGATION.finditer(text)))


# Where a sentence turns to a contrasting statement: "X bound to Y, whereas Z did not".
_CONTRAST = re.compile(r"\s*(?:;|,?\s+(?:whereas|while|but|although|though)\b)\s*", re.IGNORECASE)


def clauses(sentence: str) -> list[str]:
    """The sentence's contrasting parts, each negated or not on its own."""
    return [c for c in _CONTRAST.split(sentence) if c.strip()] or [sentence]


# Words that say which way a quantity moved or compares; each pair of sets are opposites.
_UP_WORDS = ("""increase increases increased increasing higher high
greater more elevated elevate elevates rise rises raised enhance enhanced enhances improve
improves improved improvement promote promotes promoted upregulate upregulated upregulation
induce induces induced activate activates activated accelerate accelerates accelerated
gain larger longer faster better outperform outperforms exceed exceeds positive
""".split())  # noqa: SIM905
_DOWN_WORDS = ("""decrease decreases decreased decreasing lower low less
fewer reduce reduces reduced reduction decline declines declined diminish diminished
impair impairs impaired worsen worsens worsened suppress suppresses suppressed inhibit
inhibits inhibited downregulate downregulated downregulation prevent prevents prevented
attenuate attenuates attenuated loss smaller shorter slower worse underperform negative
""".split())  # noqa: SIM905


@cache
def _directions() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(map(stem, _UP_WORDS)), frozenset(map(stem, _DOWN_WORDS))


_COMPARATIVE_WORDS = """higher lower greater more less fewer larger smaller longer shorter
faster slower better worse outperform outperforms underperform exceed exceeds""".split()  # noqa: SIM905


@cache
def _comparatives() -> frozenset[str]:
    return frozenset(map(stem, _COMPARATIVE_WORDS))


def direction(text: str, *, comparisons_only: bool = False) -> int:
    """+1 when the text says a quantity went up (or compares higher), -1 when down, 0 when
    it says neither or both; a negation flips it. `comparisons_only`: read only comparatives
    ("higher", "outperforms"), the words that make a comparison's direction."""
    words = set(_stemmer().stemWords(_WORD.findall(text.lower())))
    up_words, down_words = _directions()
    if comparisons_only:
        words &= _comparatives()
    up, down = bool(words & up_words), bool(words & down_words)
    sign = 1 if up and not down else -1 if down and not up else 0
    return -sign if negated(text) else sign
