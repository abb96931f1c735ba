"""Sentence-level grounding: each answer sentence must be stated by one or two sentences of
the abstract it cites.

Every answer sentence (a claim) is aligned to the sentences of each source. A source supports
it when one of its sentences, the anchor, holds every figure and every name of the claim (the
paper's own name may come from its title), with each figure beside the words the claim ties it
to, in the same polarity and direction, and the anchor (with at most one more sentence of the
same abstract, and the title as context) holds most of the claim's words. A marker is kept when
its source supports the claim, corrected when another supports it clearly better, added when
missing. Claims no source supports are removed (and listed in `Answer.unsupported`). Each
citation's quote is the anchor sentence(s), verbatim. Source sentences that address the reader
("Ignore previous instructions ...") are data, never evidence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace

from assistant.answer.prompting import NO_ANSWER
from assistant.text.names import paper_names
from assistant.text.rules import (
    GROUPED,
    NAMEY,
    TOKEN,
    addresses_reader,
    clauses,
    content_words,
    direction,
    names,
    negated,
    negates,
    plain_numbers,
    strip_heading,
)
from assistant.text.sentences import split_sentences
from assistant.types import Citation, Source

__all__ = ["Checked", "check", "shorten", "content_words", "names", "MARKER", "SUPPORT", "Evidence"]

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
SUPPORT = 0.5  # share of a claim's content words its evidence must hold
MARGIN = 0.2  # how much better another source must cover a claim to replace a marker
_WINDOW = 4  # words on each side of a figure that say what it measures
_TIGHT = 2  # words on each side that surely belong to a figure
_FIGURE_TOKEN = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"[\d.\-]+")  # "300-600": figures, not a name


def _numbers(words: set[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


def _proper(text: str) -> set[str]:
    """Names and capitalised words ("Symbolic search discovered Adam"); the first word too,
    unless it is a stop word ("The", "It")."""
    tokens = TOKEN.findall(text.replace("\\", ""))
    return names(text) | {w for tok in tokens if tok[:1].isupper() and not tok.isupper()
                          for w in content_words(tok)}


def word_positions(text: str) -> list[set[str]]:
    """The text's words in order, each as its content words (a hyphenated word gives its
    parts; empty for stop words), figures plain ("6X" -> "6")."""
    return [content_words(re.sub(r"(?<=\d)x$", "", tok))
            for tok in TOKEN.findall(plain_numbers(text.lower()))]


def figure_roles(tokens: list[set[str]], window: int = _WINDOW) -> dict[str, set[str]]:
    """Each figure -> the words within `window` tokens of it (the thing it measures)."""
    roles: dict[str, set[str]] = {}
    for i, words in enumerate(tokens):
        for figure in (w for w in words if _FIGURE_TOKEN.fullmatch(w)):
            if any(figure in w and w != figure and not _RANGE.fullmatch(w) for w in words):
                continue  # part of a name ("ImageNet-1K", "GPT-4"), not a measurement
            near = set().union(*tokens[max(0, i - window):i], *tokens[i + 1:i + 1 + window])
            roles.setdefault(figure, set()).update(w for w in near if not w[:1].isdigit())
    return roles


_VERSION = re.compile(r"\b[A-Z][\w\-]*\s+(\d+(?:\.\d+)?)\b(?!\s*(?:%|x\b|times))")  # "Lean 4"
_SELF = re.compile(r"\b(?:we|our|us|here|this (?:paper|study|work|article|model|method|approach|"
                   r"framework|system|trial|analysis)|the (?:proposed|resulting|model|method|"
                   r"approach|framework|system)|(?:it|its)\b(?!\s+(?:is|was)\s+\w+\s+(?:that|to)\b))",
                   re.IGNORECASE)
@dataclass
class _Clause:
    words: set[str]
    negated: bool
    negates: set[str]  # the words a negation in the clause stands beside


@dataclass
class _Sentence:
    text: str  # without its heading
    section: str  # the structured-abstract section it stands in ("results"), or ""
    words: set[str]
    roles: dict[str, set[str]]
    tight: dict[str, set[str]]
    direction: int
    clauses: list[_Clause]  # its contrasting parts ("X bound, whereas Y did not")

    def part(self, words: set[str], named: set[str] = frozenset()) -> _Clause:
        """The clause that states most of a claim (its `named` words first): polarity is
        read there."""
        return max(self.clauses, key=lambda c: (len(named & c.words), len(words & c.words)))


@dataclass
class Evidence:
    """A source's sentences, ready for alignment."""

    sentences: list[_Sentence]
    title: set[str]  # title words: context for every sentence
    own: set[str]  # the paper's own names: they may come from the title
    name_part: set[str]  # words of the title's name part

    @classmethod
    def of(cls, source: Source) -> Evidence:
        body = source.abstract or source.text
        sentences, section = [], ""
        for s, e in split_sentences(body):
            raw = body[s:e]
            text = strip_heading(raw)
            if text != raw:
                section = raw[:len(raw) - len(text)].strip(" :.-").lower()
            if addresses_reader(text):
                continue
            tokens = word_positions(text)
            versions = set(_VERSION.findall(text))
            tight = {f: w for f, w in figure_roles(tokens, _TIGHT).items() if f not in versions}
            sentences.append(_Sentence(text, section, content_words(text),
                                       figure_roles(tokens), tight,
                                       direction(text, comparisons_only=True),
                                       [_Clause(content_words(c), negated(c), negates(c))
                                        for c in clauses(text)]))
        title = source.title
        own = names(title).union(*(content_words(n) for n in paper_names(title, body)))
        return cls(sentences, content_words(title), own,
                   content_words(title.split(":")[0]))

    def align(self, claim: str, given: set[str] = frozenset()) -> tuple[float, list[str]]:
        """How well the best anchor (plus at most one more sentence) states the claim, and
        those sentences; (0, []) when no sentence can anchor it. `given`: names the question
        already holds (the claim does not assert them)."""
        words = content_words(claim)
        if not words:
            return 0.0, []
        context = self.title | self.own
        claim_roles = {fig: near - context
                       for fig, near in figure_roles(word_positions(claim)).items()}
        proper = _proper(claim)
        # a name the claim puts beside a figure must stand in the anchor even when the
        # question named it ("GPT-3 solves 81%": the 81% may be another system's)
        beside = set().union(set(), *claim_roles.values()) & proper
        required = (_numbers(words) | proper | _complement(claim)) - context - given | beside
        pairs = _paired(claim)
        polarity, way = negated(claim), direction(claim, comparisons_only=True)
        about_self = bool(words & self.own)
        stated = words - self.own or words  # what the claim says beyond naming the paper
        best, chosen = 0.0, []
        for i, s in enumerate(self.sentences):
            # a claim about the paper's own system rests on a sentence about its own work,
            # not on the background ("Proof assistants like Lean ..." is not DeepSeek-Prover)
            if about_self and not (s.words & self.own or _SELF.search(s.text)):
                continue
            if not required <= s.words or way * s.direction < 0:
                continue
            part = s.part(words, proper)
            if polarity and not part.negated or \
                    part.negated and not polarity and part.negates & words:
                continue
            if any(_moved(fig, near, s, words - context) for fig, near in claim_roles.items()) or \
                    _crossed(pairs, s.text):
                continue
            # the anchor itself must state part of the claim
            if len(stated & s.words) < min(2, len(stated)):
                continue
            held = s.words | self.title
            score = len(stated & held) / len(stated)
            pick = [i]
            if score < 1.0:  # one more sentence may add plain words
                gains = [(len(stated & (held | t.words)) / len(stated), j)
                         for j, t in enumerate(self.sentences) if j != i]
                more, j = max(gains, default=(0.0, 0))
                if more > score:
                    score, pick = more, sorted([i, j])
            if score > best + 1e-9:
                best, chosen = score, [self.sentences[k].text for k in pick]
        return best, chosen


_COPULA = re.compile(r"\b(?:is|are|was|were)\s+(?:a|an|the)\s+([\w\- ]+?)(?=\s+(?:like|such|that|"
                     r"which|who|for|of|in|on|with|by|to|from|than)\b|[,;.]|$)", re.IGNORECASE)


def _complement(claim: str) -> set[str]:
    """What a copular claim says its subject is ("X is a proof assistant like Lean" ->
    proof, assistant): the words the anchor must hold."""
    return set().union(set(), *(content_words(m.group(1)) for m in _COPULA.finditer(claim)))


_SLASHED = re.compile(r"[^\s/]+(?:/[^\s/]+)+")


def _paired(claim: str) -> list[tuple[str, str]]:
    """(figure, name) pairs a claim states: each figure with the names within its window."""
    tokens = TOKEN.findall(plain_numbers(claim))
    pairs = []
    for i, tok in enumerate(tokens):
        if _FIGURE_TOKEN.fullmatch(tok):
            near = tokens[max(0, i - _WINDOW):i + 1 + _WINDOW]
            pairs += [(tok, n) for n in near if not n.isdigit() and NAMEY.search(n)]
    return pairs


def _crossed(pairs: list[tuple[str, str]], sentence: str) -> bool:
    """"DeiT-B/ResMLP-B24 ... 35%/52% fewer parameters" pairs names and figures by their
    place in the slashed lists; a claim pairing 52% with DeiT-B crosses them."""
    groups = [[x.strip(".,;:()%x").lower() for x in m.group(0).split("/")]
              for m in _SLASHED.finditer(plain_numbers(sentence))]
    for figure, name in pairs:
        for a in groups:
            for b in groups:
                if len(a) == len(b) and a is not b and figure in a and name.lower() in b \
                        and a.index(figure) != b.index(name.lower()):
                    return True
    return False


def _moved(figure: str, near: set[str], sentence: _Sentence, claim: set[str]) -> bool:
    """The claim ties a figure to words ("6X ... inference") that the sentence ties tightly
    to another of its figures ("10X inference latency") and not to this one: small models
    move figures between the things an abstract measures. A claim that also names what the
    sentence ties tightly to this figure ("hazard ratio of 2.86") keeps it where it was."""
    shared = near & sentence.words
    if not shared or shared & sentence.roles.get(figure, set()) or \
            claim & sentence.tight.get(figure, set()):
        return False
    return any(shared & tight for other, tight in sentence.tight.items() if other != figure)


@dataclass(frozen=True)
class Checked:
    text: str
    citations: tuple[Citation, ...]
    supported: bool
    removed: tuple[str, ...] = ()  # answer sentences no source supports, dropped
    declined: bool = False  # the model itself said it cannot answer


def split_claims(text: str) -> list[str]:
    """Sentences; a model that copies the prompt's " … " between excerpts joined two."""
    return [part.strip() for s, e in split_sentences(text)
            for part in text[s:e].split(" … ") if part.strip()]


def _mentions(words: set[str], title: set[str]) -> bool:
    """`words` hold most (80%) of the words of a title's name part."""
    return bool(title) and len(words & title) >= 0.8 * len(title)


def _named(text: str, evidence: list[Evidence]) -> set[int]:
    """Numbers of the sources that `text` names: by one of their own names ("DySpec"), or
    by most of the words of the title's name part ("the Critical Tokens Matter paper")."""
    words, found = content_words(text), names(text)
    return {j + 1 for j, ev in enumerate(evidence)
            if ev.own & found or (len(ev.name_part) >= 2 and _mentions(words, ev.name_part))}


# A claim about several papers ("both", "respectively"); one about a single subject ("The gene
# is MECP2 [1][3]") cannot be pieced together from two abstracts.
_SEVERAL = re.compile(r"\b(?:both|each|all|these|those|they|their|them|respectively|while|"
                      r"whereas|unlike|than)\b", re.IGNORECASE)


def _joint(claim: str, evidence: list[Evidence], group: list[int]) -> dict[int, list[str]]:
    """A claim comparing or listing papers ("DySpec and Clover both draft token trees"),
    supported by the papers together: each one's best sentence states its part, and
    together they hold every figure and name and most of the claim's words."""
    words = content_words(claim)
    found, held = {}, set()
    for n in group:
        ev = evidence[n - 1]
        mine = ev.own | ev.name_part
        best = max(ev.sentences, key=lambda s: len(words & s.words - mine), default=None)
        if best is None or not words & best.words - mine:
            return {}
        found[n] = [best.text]
        held |= best.words | mine
    required = _numbers(words) | _proper(claim)
    if required - held or len(words & held) < SUPPORT * len(words):
        return {}
    return found


def _without_header(text: str, sources: Sequence[Source]) -> str:
    """The answer without a first line that copies a source's header ("DeepSeek-Prover\n")."""
    first, sep, rest = text.partition("\n")
    head = content_words(MARKER.sub("", first))
    copied = any(head <= content_words(s.title) for s in sources)
    return rest.strip() if sep and rest.strip() and head and copied else text


def _as_written(answer: str, texts: list[str]) -> str:
    """A figure the model regrouped ("15, 022") written as a source writes it ("15 022"),
    so that it is checked, and reads, as in the source."""
    if not GROUPED.search(answer):
        return answer
    written = {re.sub(r"\D", "", m.group(0)): m.group(0)
               for t in texts for m in GROUPED.finditer(t)}
    return GROUPED.sub(lambda m: written.get(re.sub(r"\D", "", m.group(0)), m.group(0)),
                       answer)


def check(answer: str, sources: Sequence[Source], question: str = "",
          about: Collection[str] = (), max_claims: int | None = None,
          answers: Callable[[str], bool] | None = None) -> Checked:
    """Repair markers, drop claims no cited sentence states, attach the anchor sentences as
    quotes. `about`: ids of papers the question points at beyond those its words name;
    `max_claims`: keep at most this many supported sentences (answers are short), those for
    which `answers(sentence)` holds first (a model that pastes a passage may put the answer
    in its third sentence)."""
    text = answer.strip()
    if not text or not sources or NO_ANSWER.lower().rstrip(".") in text.lower():
        return Checked(NO_ANSWER, (), False, declined=bool(text))
    evidence = [Evidence.of(s) for s in sources]
    text = _as_written(_without_header(text, sources), [s.abstract or s.text for s in sources])
    asked_about = _named(question, evidence)
    if asked_about:
        asked_about |= {n for n, s in enumerate(sources, start=1) if s.paper_id in about}
    q_words = content_words(question)
    q_names = _proper(question) | names(question) | _numbers(q_words)  # not asserted
    kept: list[tuple[str, list[int]]] = []
    removed: list[str] = []
    quotes: dict[int, list[str]] = {}
    stated: dict[str, dict[int, list[str]]] = {}  # claim -> its sources' anchor sentences
    for sentence in split_claims(text):
        cited = {int(n) for group in MARKER.findall(sentence)
                 for n in re.split(r"[,;]", group) if n.strip()}
        clean = MARKER.sub("", sentence).strip()
        if not clean:
            continue
        claim = content_words(clean)
        if not claim:  # "Yes." and the like: nothing to check, nothing to cite
            kept.append((clean, []))
            continue
        aligned = [ev.align(clean, q_names) for ev in evidence]
        scores = [a[0] for a in aligned]
        best = max(range(len(sources)), key=lambda i: scores[i]) + 1
        in_range = sorted(n for n in cited if 1 <= n <= len(sources))
        valid = [n for n in in_range if scores[n - 1] >= SUPPORT]
        named = _named(clean, evidence)
        group = in_range if len(in_range) >= 2 else sorted(named)
        found: dict[int, list[str]] = {}
        if valid and scores[best - 1] - max(scores[n - 1] for n in valid) < MARGIN:
            found = {n: aligned[n - 1][1] for n in valid}
        elif scores[best - 1] >= SUPPORT:
            found = {best: aligned[best - 1][1]}
        elif len(group) >= 2 and (len(named) >= 2 or _SEVERAL.search(clean)):
            found = _joint(clean, evidence, group)
        numbers = sorted(found)
        # a claim about a paper named by its title must be supported by that paper
        about_papers = [j + 1 for j, ev in enumerate(evidence)
                        if len(ev.name_part) >= 2 and _mentions(claim, ev.name_part)]
        if about_papers and not set(about_papers) & set(numbers):
            numbers = []
        # a question about named papers is answered from those papers, not from a neighbour
        if asked_about and not asked_about & set(numbers):
            numbers = []
        # a claim that only restates the question, or only echoes the cited paper's title,
        # answers nothing; one that names what the question did not ("DySpec") does
        if len(numbers) == 1:
            ev = evidence[numbers[0] - 1]
            new = claim - q_words - (ev.name_part if _mentions(claim, ev.name_part) else set())
            names_new = (_proper(clean) - q_names) & (ev.own | ev.name_part)
            if not new and not names_new:
                numbers = []
        if not numbers:
            removed.append(clean)
            continue
        kept.append((clean, numbers))
        stated[clean] = found
    if max_claims:
        claims = [i for i, (_, numbers) in enumerate(kept) if numbers]
        answering = {i for i in claims if answers and answers(kept[i][0])}
        # the sentences that answer, and only those when there are any (a pasted passage
        # adds its neighbours)
        ranked = sorted(answering) or claims
        chosen = set(ranked[:max_claims])
        kept = [k for i, k in enumerate(kept) if not k[1] or i in chosen]
    for clean, numbers in kept:
        for n in numbers:
            quotes.setdefault(n, [])
            quotes[n] += [q for q in stated[clean][n] if q not in quotes[n]]
    if not quotes:
        return Checked(NO_ANSWER, (), False, tuple(removed))
    pieces = []
    for clean, numbers in kept:
        marks = "".join(f"[{n}]" for n in numbers)
        if marks and clean[-1] in ".!?":
            pieces.append(f"{clean[:-1]} {marks}{clean[-1]}")
        elif marks:
            pieces.append(f"{clean} {marks}")
        else:
            pieces.append(clean)
    citations = tuple(
        Citation(n, sources[n - 1].paper_id, sources[n - 1].title, " … ".join(quotes[n][:2]))
        for n in sorted(quotes)
    )
    return Checked(" ".join(pieces), citations, True, tuple(removed))


ANSWER_CHARS = 300  # an answer longer than this is cut (issue 9: short answers)
# Where a long sentence divides into phrases: commas and semicolons before a word, and
# contrast or apposition words.
_PHRASE = re.compile(r"(?:[,;]\s+|\s+(?:while|whereas|surpassing|outperforming)\s+)")


def _phrases(sentence: str) -> list[str]:
    """The sentence split at `_PHRASE`, but never inside brackets or after "e.g."."""
    out, start = [], 0
    for m in _PHRASE.finditer(sentence):
        before = sentence[start:m.start()]
        if before.count("(") > before.count(")") or before.count("[") > before.count("]") or \
                re.search(r"\b(?:e\.g|i\.e|etc|vs|cf)\.?$", before):
            continue
        out.append(before.strip())
        start = m.end()
    return [p for p in [*out, sentence[start:].strip()] if p]


def shorten(checked: Checked, sources: Sequence[Source], question: str,
            answers: Callable[[str], bool], about: Collection[str] = ()) -> Checked:
    """A supported answer over `ANSWER_CHARS` characters (a small model that pastes a long
    sentence): keep its first sentence; if that alone is too long, the phrase of it that
    gives the answer and shares most of the question's words, checked again. (Its sentence
    sharing most of the question's words stands for it.) Unchanged when
    no shorter form passes the check."""
    if not checked.supported or len(checked.text) <= ANSWER_CHARS:
        return checked
    q_words = content_words(question)
    first = max(split_claims(checked.text), key=lambda c: len(content_words(c) & q_words))
    candidates = [first]
    if len(first) > ANSWER_CHARS:
        marks = "".join(f"[{m}]" for m in MARKER.findall(first))
        body = MARKER.sub("", first).strip().rstrip(".")
        phrases = [p for p in _phrases(body) if len(p.split()) >= 4]
        phrases = [p for p in phrases if answers(p) and content_words(p) & q_words]
        phrases.sort(key=lambda p: len(content_words(p) & q_words), reverse=True)
        candidates = [f"{p[:1].upper()}{p[1:]} {marks}." for p in phrases]
    for text in candidates:
        short = check(text, sources, question, about=about, max_claims=1, answers=answers)
        if short.supported and len(short.text) <= ANSWER_CHARS:
            return replace(short, removed=checked.removed)
    return checked
