"""Yes/no questions and claims ("Is it true that ...?", "Does X reduce Y?"): an explicit
verdict with the sentence that decides it.

A small answer model cannot be trusted to judge a claim (it says "yes" to most false ones), so
the verdict is read from the sentences by the evidence scorer (runtime/scorer.py): for each
source close to the best in relevance, the sentence most likely to entail or contradict the
claim decides "yes" or "no" when that is more likely than not and more likely than the other.
Sources that decide differently make "the abstracts disagree"; none deciding makes "the
abstracts do not say", citing the first source's sentence least likely to be neutral.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.text.names import label
from assistant.text.rules import AUXILIARIES, addresses_reader
from assistant.text.sentences import sentences
from assistant.types import Citation, Source

_CLAIM = re.compile(
    r"^\s*(?:is it (?:true|the case|correct|known|established)\s+that|is the (?:claim|statement)"
    r"\s+(?:true\s+)?that|true or false\s*[:,\-]?|verify(?: that)?\s*:?|check(?: whether| if)?"
    r"\s*:?|claim\s*:)\s*", re.IGNORECASE)
_TRAILER = re.compile(r"\s*(?:[,\-–—:]\s*)?(?:true or false|is (?:this|that|it) true|right)?"
                      r"\s*[?.!]*\s*$", re.IGNORECASE)
_AUX = re.compile(rf"^\s*(?:{'|'.join(sorted(AUXILIARIES))})\b\s+", re.IGNORECASE)
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.IGNORECASE)
_ASKS_TRUTH = re.compile(r"\btrue or false\s*\??\s*$|\bis (?:this|that|it) true\s*\??\s*$", re.I)


_EXISTS = re.compile(r"^\s*(?:is|are) there (?:a|an|any)\s+(?:\w+\s+)?(?:paper|study|work|article|"
                     r"abstract|trial|report)s?\s+(?:that|which|where|in which|showing|on)\s+",
                     re.IGNORECASE)


def exists(question: str) -> bool:
    """"Is there a paper that ...?": a "yes" names the paper."""
    return bool(_EXISTS.match(question))


def proposition(question: str) -> str | None:
    """The claim a yes/no question asks about, as words to search and weigh, or None for other
    questions: "Is it true that X?" -> "X"; "Does aspirin reduce mortality?" -> "aspirin
    reduce mortality". Only a claim the question states as a sentence (`stated`) is repeated
    in a verdict's text: dropping an auxiliary leaves none ("there a paper that ...")."""
    q = " ".join(question.split())
    if _EXISTS.match(q):  # "Is there a paper that designs X?" -> "designs X"
        return _TRAILER.sub("", _EXISTS.sub("", q, count=1)) or None
    if _CLAIM.match(q):
        return _TRAILER.sub("", _CLAIM.sub("", q, count=1)) or None
    if _ASKS_TRUTH.search(q):
        return _TRAILER.sub("", q) or None
    if _AUX.match(q) and not _WH.search(q) and not re.search(r"\bor\b", q, re.IGNORECASE):
        return _TRAILER.sub("", _AUX.sub("", q, count=1)) or None
    return None


def stated(question: str) -> bool:
    """The question states its claim as a sentence ("Is it true that X?", "Claim: X", "X. True
    or false?"), so the claim reads as one; a yes/no question ("Does X ...?") does not."""
    q = " ".join(question.split())
    return bool(_CLAIM.match(q) or _ASKS_TRUTH.search(q))


# Papers within this much of the best relevance (a 0..1 probability of relevance) weigh in.
# On the 809 SciFact train claims the evidence paper was cited 475 times with every paper
# weighing in, 508 times with this margin (bench/verdict_margin.py, docs/benchmarks.md).
NEAR = 0.05


@dataclass(frozen=True)
class Verdict:
    kind: str  # "yes", "no", "disagree" or "not_stated"
    text: str
    citations: tuple[Citation, ...]


DECIDES = 0.5  # a sentence decides when entailing (or contradicting) is more likely than not

Stances = Mapping[str, Sequence[tuple[float, float, float]]]


def decide(claim: str, sources: Sequence[Source], stances: Stances | None = None, *,
           echo: bool = False, named: bool = False) -> Verdict:
    """The verdict on `claim` from the numbered `sources`, citing the deciding sentences.
    `stances`: paper id -> (P(entails), P(contradicts), P(neutral)) of the claim for each
    sentence of the paper's abstract (`sentences(abstract)`), from the evidence scorer. With
    `echo` (a claim stated as a sentence) the text repeats the claim; with `named` (an
    existence question) a "yes" names the paper."""
    stances = stances or {}
    found: list[tuple[float, int, str, str]] = []  # strength, number, "yes" | "no", sentence
    closest: tuple[float, str] = (-1.0, "")
    best = max((s.relevance for s in sources), default=0.0)
    for n, source in enumerate(sources, start=1):
        if source.relevance < best - NEAR:
            continue  # shown as context, but a clearly less relevant paper decides nothing
        split = sentences(source.abstract or source.text)
        probs = stances.get(source.paper_id, ())
        if len(probs) != len(split):
            continue
        for text, (entails, contradicts, neutral) in zip(split, probs, strict=True):
            if addresses_reader(text):
                continue
            if n == 1 and 1 - neutral > closest[0]:
                closest = (1 - neutral, text)
            if entails >= DECIDES and entails > contradicts:
                found.append((entails, n, "yes", text))
            elif contradicts >= DECIDES and contradicts > entails:
                found.append((contradicts, n, "no", text))
    per_source: dict[int, tuple[float, int, str, str]] = {}
    for item in sorted(found, reverse=True):
        per_source.setdefault(item[1], item)
    ranked = sorted(per_source.values(), reverse=True)
    cite = lambda r: Citation(r[1], sources[r[1] - 1].paper_id, sources[r[1] - 1].title, r[3])  # noqa: E731
    statement = claim.rstrip(" .?!")
    if not ranked:  # cite the best-ranked paper's sentence closest to deciding
        quote = closest[1] or (sources[0].abstract or sources[0].text)[:300]
        text = (f"The abstracts do not say whether {_lower(statement)}; the closest is [1]."
                if echo else "The abstracts do not say; the closest is [1].")
        return Verdict("not_stated", text,
                       (Citation(1, sources[0].paper_id, sources[0].title, quote),))
    kinds = {r[2] for r in ranked}
    if len(kinds) > 1:
        yes = next(r for r in ranked if r[2] == "yes")
        no = next(r for r in ranked if r[2] == "no")
        text = f"The abstracts disagree: [{yes[1]}] supports it, while [{no[1]}] states otherwise."
        return Verdict("disagree", text, tuple(sorted((cite(yes), cite(no)),
                                                       key=lambda c: c.number)))
    first = ranked[0]
    if first[2] == "yes" and named:
        return Verdict("yes", f'Yes: "{label(sources[first[1] - 1].title)}" [{first[1]}].',
                       (cite(first),))
    if first[2] == "yes":
        said = statement if echo else "the abstract states it"
        return Verdict("yes", f"Yes: {said} [{first[1]}].", (cite(first),))
    return Verdict("no", f"No: the abstract states otherwise [{first[1]}].", (cite(first),))


def _lower(text: str) -> str:
    """Lower-case the first letter unless the first word is a name ("DNA", "IL-6")."""
    first = text.split(" ", 1)[0]
    return text if any(ch.isupper() for ch in first[1:]) or any(ch.isdigit() for ch in first) \
        else text[:1].lower() + text[1:]
