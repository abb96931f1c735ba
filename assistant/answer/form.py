"""What a question asks for, from its words alone: a figure ("how many", "what accuracy"),
a name ("which model"), the words behind an acronym; and whether a sentence gives that kind of
answer about what was asked. The context ranks sentences with it and the check drops
answers that give the wrong kind.
"""

from __future__ import annotations

import re

from assistant.answer.check import figure_roles, word_positions
from assistant.text.rules import (
    AUXILIARIES,
    NUMBER_WORDS,
    content_words,
    has_figure,
    names,
)

# What kind of answer a question asks for, from its question words alone.
# Nouns that name a quantity, in any field ("what efficiency", "at what concentration").
_MEASURE_NOUNS = (
    "percentage", "proportion", "share", "fraction", "number", "amount", "rate", "ratio", "value",
    "size", "level", "dose", "dosage", "score", "accuracy", "frequency", "prevalence",
    "incidence", "risk", "odds", "duration", "age", "count", "efficiency", "yield", "sensitivity",
    "specificity", "concentration", "weight", "mass", "length", "volume", "density", "speed",
    "temperature", "threshold", "price", "throughput", "latency", "error", "improvement",
    "reduction", "increase", "decrease", "percent", "mortality", "survival", "hazard",
)
_WANTS_FIGURE = re.compile(
    r"\b(?:how (?:many|much|long|large|often|fast|big|high|low|old)|by how|(?:at )?what "
    rf"(?:[\w\-]+ ){{0,2}}\(?(?:{'|'.join(_MEASURE_NOUNS)}))\b", re.IGNORECASE)
_WANTS_NAME = re.compile(r"(?:^|,\s*|\b(?:in|at|on|for|from|by|of|with|to|through|via|into|"
                         r"under|among|between|against|within)\s+)(?:which|who)\b|"
                         r"^\s*name\b|\bwhat is the name\b|\bwhat (?:\w+ )?"
                         r"(?:is|was|are|were) (?:called|named)\b|^\s*what\s+\w+\s+(?:did|does|"
                         r"do|is|was|are|were|has|have)\b", re.IGNORECASE)
_WANTS_EXPANSION = re.compile(r"\b(?:stands? for|short for|acronym|abbreviat\w*)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]+[A-Za-z0-9]*\b")


def spelled_out(question: str) -> list[str]:
    """The acronyms a question asks to spell out ("What does SIFT stand for?" -> [SIFT])."""
    return _ACRONYM.findall(question) if _WANTS_EXPANSION.search(question) else []


def expands(acronym: str, sentence: str) -> bool:
    """The sentence spells the acronym out: "(SIFT)" after a phrase, or capitalised words
    whose initials give it ("Symbolic-Numeric Integrated Pre-training" for SNIP)."""
    if f"({acronym})" in sentence:
        return True
    initials = "".join(w[0] for w in re.split(r"[\s\-]+", sentence) if w[:1].isupper())
    return acronym.upper() in initials


def focus(question: str) -> set[str]:
    """What a wh-question asks about: the words between its question word and its verb ("In
    the registry, how many kittens per litter do cats have?" -> kitten, litter), at most
    six."""
    words = question.rstrip("?").split()
    lower = [w.lower().strip(",") for w in words]
    counting = [i for i, w in enumerate(lower[:-1]) if w == "how" and lower[i + 1] in _AMOUNT]
    start = counting[0] if counting else \
        next((i for i, w in enumerate(lower) if w in _WH_WORDS), 0)
    end = next((i for i, w in enumerate(words[start + 1:start + 7], start=start + 1)
                if w.lower() in AUXILIARIES), start + 7)
    return content_words(" ".join(words[start + 1:end])) - {"mani", "much", "what", "which"}


_WH_WORDS = frozenset({"what", "which", "how", "who", "whom", "whose", "when", "where"})
_AMOUNT = frozenset({"many", "much"})  # "how many days", even after "whose MRI showed"


_MEASURES = content_words(" ".join(_MEASURE_NOUNS) + " many much long large often fast big high "
                          "low old")


_COUNTS = re.compile(r"\bhow many\b", re.IGNORECASE)
# lower case: "Relative Percentage Difference" names a metric, not a share
_PERCENT = re.compile(r"\bper ?cent(?:age)?s?\b")


_TIME_UNITS = r"(?:seconds?|s|sec|minutes?|min|hours?|h|hrs?|days?|weeks?|wk|months?|mo|years?|yr)"
_DURATION = re.compile(rf"(?:(?<![A-Za-z])\d+(?:[.,]\d+)?|{NUMBER_WORDS})[\s\-]*{_TIME_UNITS}\b|"
                       r"\b(?:hour|day|week|month|year)s?\s+\d+\b",  # and a time point: "on day 15"
                       re.IGNORECASE)
_ABOUT_TIME = re.compile(rf"\b(?:how long|how often|how old|when|duration|age|time|period|"
                         rf"follow-?up|frequency|interval|half-life|{_TIME_UNITS})\b", re.IGNORECASE)


def measures(question: str, text: str) -> bool:
    """The text gives a figure, and when the question counts something ("how many physicians
    responded"), a figure beside one of the counted words ("300 physicians"). A duration
    ("followed for 21 days") answers only a question about time."""
    if not _ABOUT_TIME.search(question):
        text = _DURATION.sub(" ", text)
    if not has_figure(text):
        return False
    if _PERCENT.search(question) and not _PERCENT.search(text.lower()) and "%" not in text:
        return False  # a percentage is asked for: "four factors" is no answer
    if not _COUNTS.search(question):  # "what fraction of X": the figure may stand far from X
        return True
    counted = focus(question) - _MEASURES
    if not counted:
        return True
    roles = figure_roles(word_positions(text))
    spelled = re.findall(rf"{NUMBER_WORDS}\W+(?:\w+\W+){{0,3}}", text, re.IGNORECASE)
    return any(near & counted for near in roles.values()) or \
        any(content_words(s) & counted for s in spelled)


def answer_kind(question: str) -> str:
    """"figure", "name" or "": the kind of answer the question's words ask for."""
    return "figure" if _WANTS_FIGURE.search(question) else \
        "name" if _WANTS_NAME.search(question) else ""


# A figure the question states itself; not one inside a name ("InfiMM-WebMath-40B", "GPT-4").
_ASKED_FIGURE = re.compile(r"(?<![\w.])(?<![A-Za-z]-)\d+(?:[.,]\d+)?(?!\w)")
# Words that report research rather than answer a "which" question ("the study used ...").
_REPORTING = content_words("study paper work article author show find report suggest propose "
                           "describe examine evaluate investigate use present demonstrate "
                           "observe conclude")


def gives_answer_type(question: str, text: str) -> bool:
    """The text holds the kind of answer the question asks for: a figure the question does
    not hold ("how many", "what rate"), a name or capitalised term it does not hold ("which
    gene", "what optimizer"), the words an acronym stands for; any text for other
    questions."""
    text = re.sub(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]", "", text)  # markers are no figures
    spelled = spelled_out(question)
    if spelled:  # "What does SIFT stand for?" asks for the words behind the letters
        capitals = set(re.findall(r"\b[A-Z][a-z]\w*", text)) - set(question.split())
        return any(expands(a, text) for a in spelled) or len(capitals) >= 2
    if _WANTS_FIGURE.search(question):
        asked = set(_ASKED_FIGURE.findall(question))
        return measures(question, re.sub(r"\d+(?:[.,]\d+)?", lambda m: "" if m.group(0) in
                                         asked else m.group(0), text))
    if _WANTS_NAME.search(question):
        asked = content_words(question)
        terms = names(text) | {w for tok in re.findall(r"\b[A-Z][\w\-]*", text)
                                for w in content_words(tok)}
        # a name, or a word the question does not hold ("the sorting problem", "value
        # matrices") beyond those that report research; a figure counts too ("What RMSE
        # does AiT reach?" asks for one)
        new = content_words(text) - asked - _REPORTING
        return bool(terms - asked) or bool(new)
    return True


def holds_answer(question: str, sentence: str, title: str = "") -> bool:
    """The sentence gives the kind of answer asked for (a figure beside what is counted, a
    new name) and speaks of what the question is about: a word of its focus, or half of its
    words beyond the paper's title."""
    spelled = spelled_out(question)
    if any(expands(a, sentence) for a in spelled):
        return True  # "... Stick to the Facts (SIFT)" answers "What does SIFT stand for?"
    title_words = content_words(title)
    q_words = content_words(question) - title_words or content_words(question)
    words = content_words(sentence)
    on_point = bool(focus(question) - title_words & words) or \
        len(q_words & words) >= 0.5 * len(q_words)
    return on_point and gives_answer_type(question, sentence)
