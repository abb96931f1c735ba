"""Follow-up questions: rewrite "and what about its GSM8K score?" into a standalone question.

The rewrite is deterministic and costs no model call (a call would double the time to the
first word on a laptop CPU). A question that refers back ("it", "its", "they", "this paper",
"what about ...") or is too short to stand alone takes its subject from the conversation: the
paper the last answer cited first (its short name), else the names in the last question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.names import title_name
from assistant.text.rules import content_words, names
from assistant.types import Answer

_LEAD = re.compile(r"^(?:and|also|so|then|ok(?:ay)?|now)\b[\s,]*", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:what|how)\s+about\s+(.+?)\s*\??$", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(?:its|their)\b", re.IGNORECASE)
_PHRASE = re.compile(r"\b(?:this|that|the same)\s+(?:paper|model|method|approach|work|study|"
                     r"benchmark|dataset|system)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:it|they|them)\b", re.IGNORECASE)
# "it" that refers to nothing: "is it true that", "it is known that", "make it possible"
_EXPLETIVE = re.compile(r"\b(?:is|was|isn't|wasn't)\s+it\s+(?:true|false|possible|known|the case|"
                        r"likely|correct|right)\b|\bit\s+(?:is|was|has been|seems|appears|remains)"
                        r"\b(?:\s+\w+){0,3}?\s+(?:that|to|whether)\b|\bmakes?\s+it\b",
                        re.IGNORECASE)


def subject_of(history: Sequence[Answer]) -> str:
    """What the conversation is about: the name of the last answer's first cited paper
    ("DotaMath"), else the names of the last question; "" when neither has one. A title
    without a name part is no subject: "they" may mean the cats, not "Feline sleep patterns"."""
    for answer in reversed(history):
        name = title_name(answer.citations[0].title) if answer.citations else ""
        if name:
            return name
        found = [w for w in re.findall(r"[A-Za-z0-9][\w.\-]*", answer.question)
                 if names(w)]
        if found:
            return " ".join(dict.fromkeys(found))
    return ""


def needs_context(question: str) -> bool:
    """The question refers back: a leading "and", "what about ...", "its", "this paper", a
    pronoun that refers (not "is it true that"), or too few words to stand alone."""
    q = question.strip()
    pronoun = _PRONOUN.search(_EXPLETIVE.sub(" ", q))
    return bool(_LEAD.match(q) or _ABOUT.match(_LEAD.sub("", q)) or _POSSESSIVE.search(q)
                or _PHRASE.search(q) or pronoun or len(content_words(q)) < 2)


def rewrite(question: str, history: Sequence[Answer]) -> str:
    """The question made standalone for retrieval and for the model; unchanged when it
    already stands alone or the history names no subject."""
    question = " ".join(question.split())
    if not history or not needs_context(question):
        return question
    subject = subject_of(history)
    if not subject:  # nothing to put in: the question it follows says what it is about
        last = history[-1]
        if not last.citations:
            return question
        q = _LEAD.sub("", question).rstrip()
        return f"{q[:1].upper()}{q[1:]} (after: {(last.standalone or last.question).strip()})"
    if subject.lower() in question.lower():
        return question
    q = _LEAD.sub("", question)
    about = _ABOUT.match(q)
    if about:
        q = about.group(1)
    replaced = _substitute(q, subject)
    if replaced == q and names(q) and len(content_words(q)) >= 3:
        return question  # "and the MATH score of We-Math?" names its own subject
    if replaced == q:  # nothing to substitute: say what it is about
        replaced = f"{q.rstrip('?. ')} of {subject}"
    if about:
        replaced = f"What about {replaced.rstrip('?. ')}"
    replaced = replaced.rstrip("?. ") + "?"
    return replaced[:1].upper() + replaced[1:]


def _substitute(text: str, subject: str) -> str:
    text = _PHRASE.sub(subject, text)
    text = _POSSESSIVE.sub(f"{subject}'s", text)
    kept = [m.span() for m in _EXPLETIVE.finditer(text)]
    return _PRONOUN.sub(lambda m: m.group(0) if any(a <= m.start() < b for a, b in kept)
                        else subject, text)
