"""Yes/no questions and claims ("Is it true that ...?", "Does X reduce Y?"): an explicit
verdict with the sentence that decides it.

A small model cannot be trusted to judge a claim (it says "yes" to most false ones), so the
verdict is read from the text: each source's sentence that states most of the claim is found
(the same alignment as the answer check); it decides "no" when it gives other figures than
the claim, or the opposite polarity or direction, and "yes" otherwise. Sources that decide
differently make "the abstracts disagree"; none stating enough of the claim makes "the
abstracts do not say".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.answer.check import SUPPORT, Evidence
from assistant.answer.context import RANK_PENALTY
from assistant.text.rules import AIMS, AUXILIARIES, content_words, direction, names, negated
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


def proposition(question: str) -> str | None:
    """The claim a yes/no question asks about, as words to search and weigh, or None for other
    questions: "Is it true that X?" -> "X"; "Does aspirin reduce mortality?" -> "aspirin
    reduce mortality". Only a claim the question states as a sentence (`stated`) is repeated
    in a verdict's text: dropping an auxiliary leaves none ("there a paper that ...")."""
    q = " ".join(question.split())
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


def _stance(claim: str, words: set[str], sentence) -> tuple[str, str]:
    """("yes" | "no", why) for a sentence that states most of the claim."""
    figures = {w for w in words if w[:1].isdigit()}
    given = {w for w in sentence.words if w[:1].isdigit()}
    if figures and not figures <= sentence.words and given:
        return "no", "gives other figures"
    if negated(claim) != sentence.part(words, names(claim)).negated:
        return "no", "states the opposite"
    if direction(claim) * direction(sentence.text) < 0:
        return "no", "reports the opposite direction"
    return "yes", ""


def decide(claim: str, sources: Sequence[Source],
           cosines: Mapping[str, Sequence[float]] | None = None, *, echo: bool = False) -> Verdict:
    """The verdict on `claim` from the numbered `sources`, citing the deciding sentences.
    `cosines`: paper id -> each abstract sentence's cosine to the claim, when the index
    stores sentence vectors; they rank the sentences that state enough of the claim. With
    `echo` (a claim stated as a sentence) the text repeats the claim."""
    words = content_words(claim)
    plain = {w for w in words if not w[:1].isdigit()} or words  # figures decide the stance
    found: list[tuple[float, int, str, str, str]] = []  # rank, number, stance, why, text
    closest: tuple[float, int, str] = (-1.0, 0, "")
    best = max((s.relevance for s in sources), default=0.0)
    for n, source in enumerate(sources, start=1):
        if source.relevance < best - NEAR:
            continue  # shown as context, but a clearly less relevant paper decides nothing
        ev = Evidence.of(source)
        body = source.abstract or source.text
        split, vectors = sentences(body), (cosines or {}).get(source.paper_id, ())
        by_text = dict(zip(split, vectors, strict=True)) if len(split) == len(vectors) else {}
        for s in ev.sentences:
            beyond = plain - ev.title
            held = len(plain & (s.words | ev.title)) / len(plain) if plain else 0.0
            cosine = float(next((c for t, c in by_text.items() if t.endswith(s.text)), 0.0))
            rank = held + cosine - RANK_PENALTY * (n - 1)
            if n == 1 and rank > closest[0]:
                closest = (rank, n, s.text)
            # the sentence itself must state part of the claim beyond the title, and be a
            # finding: what a study set out to do or how it did it decides nothing
            if held < SUPPORT or len(beyond & s.words) < min(2, len(beyond)) or \
                    s.section in AIMS:
                continue
            stance, why = _stance(claim, words, s)
            found.append((rank, n, stance, why, s.text))
    best: dict[int, tuple[float, int, str, str, str]] = {}
    for item in sorted(found, reverse=True):
        best.setdefault(item[1], item)
    ranked = sorted(best.values(), reverse=True)
    top = [r for r in ranked if r[0] >= ranked[0][0] - 0.2] if ranked else []
    stances = {r[2] for r in top}
    cite = lambda r: Citation(r[1], sources[r[1] - 1].paper_id, sources[r[1] - 1].title, r[4])  # noqa: E731
    statement = claim.rstrip(" .?!")
    if not top:  # cite the best-ranked paper's closest sentence
        n = 1
        quote = closest[2] or (sources[n - 1].abstract or sources[n - 1].text)[:300]
        text = (f"The abstracts do not say whether {_lower(statement)}; the closest is [{n}]."
                if echo else f"The abstracts do not say; the closest is [{n}].")
        return Verdict("not_stated", text,
                       (Citation(n, sources[n - 1].paper_id, sources[n - 1].title, quote),))
    if len(stances) > 1:
        yes = next(r for r in top if r[2] == "yes")
        no = next(r for r in top if r[2] == "no")
        text = (f"The abstracts disagree: [{yes[1]}] supports it, while [{no[1]}] "
                f"{no[3]}.")
        return Verdict("disagree", text, tuple(sorted((cite(yes), cite(no)),
                                                       key=lambda c: c.number)))
    first = top[0]
    if first[2] == "yes":
        said = statement if echo else "the abstract states it"
        return Verdict("yes", f"Yes: {said} [{first[1]}].", (cite(first),))
    return Verdict("no", f"No: the abstract {first[3]} [{first[1]}].", (cite(first),))


def _lower(text: str) -> str:
    """Lower-case the first letter unless the first word is a name ("DNA", "IL-6")."""
    first = text.split(" ", 1)[0]
    return text if any(ch.isupper() for ch in first[1:]) or any(ch.isdigit() for ch in first) \
        else text[:1].lower() + text[1:]
