"""Check and repair the `[n]` markers of an answer against the sources' text.

Each answer sentence is matched to the sources by word coverage. A marker is kept when its
source supports the sentence, corrected when another source supports it clearly better, and
added when the model left it out. Sentences that no source supports are removed (and listed in
`Answer.unsupported`, which the chat page shows struck through): a small model's unsupported
sentence is far more often an invention than a finding. When none is left the answer is
replaced by the fixed "cannot answer" sentence. Every citation carries a
quote: the abstract sentence (verbatim) that best matches what was said.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from .chunking import split_sentences
from .names import TOKEN, paper_names
from .prompting import NO_ANSWER
from .types import Citation, Source

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_WORD = re.compile(r"[a-z0-9]+(?:[.\-][a-z0-9]+)*")
SUPPORT = 0.45  # share of a sentence's content words found in a source to call it supported
MARGIN = 0.2  # how much better another source must cover a sentence to replace a marker
STOPWORDS = frozenset("""
a an the and or but of to in on for with by from as at is are was were be been being it
its this that these those which who whom what when where why how than then there their
they them we our us you your he she his her i me my do does did done can could would
should may might will shall not no nor so such also into over under about after before
between through during each both all any some more most other only own same very just has
have had having if while paper papers study work approach method methods propose proposed
proposes present presents introduce introduces show shows shown based using use used new
novel source sources according
""".split())  # noqa: SIM905


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_SCALED = re.compile(r"\b(\d+(?:\.\d+)?)\s?([km])\b")


def _numbers_plain(text: str) -> str:
    """"15,000" and "15K" both read 15000; "2.4 M" reads 2400000."""
    text = _THOUSANDS.sub("", text)

    def expand(m: re.Match) -> str:
        value = float(m.group(1)) * (1000 if m.group(2) == "k" else 1_000_000)
        return str(int(value)) if value.is_integer() else m.group(0)

    return _SCALED.sub(expand, text)


def content_words(text: str) -> set[str]:
    """Lower-cased, lightly stemmed words without stop words; a hyphenated word also gives
    its parts ("GRPO-based" -> grpo-based, grpo, based); numbers lose thousands separators
    and K/M suffixes."""
    words = set()
    for token in _WORD.findall(_numbers_plain(text.lower().replace("\\", ""))):
        parts = [p for p in token.split("-") if len(p) > 1] if "-" in token else []
        for word in [token, *parts]:
            if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
                continue
            words.add(_stem(word))
    return words


_NAMEY = re.compile(r"[a-z][A-Z]|[A-Z]{2}")


def names(text: str) -> set[str]:
    """Model and method names: whole tokens with an inner capital (DySpec, cDPO) or two
    capitals in a row (GSM8K, MATH), as content words."""
    return {w for tok in TOKEN.findall(text.replace("\\", "")) if _NAMEY.search(tok)
            for w in content_words(tok)}


def _numbers(words: set[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w)}


def coverage(claim: set[str], evidence: set[str], required: set[str] = frozenset()) -> float:
    """Share of the claim's words found in the evidence; 0 when the claim states a number or a
    name that the evidence does not contain (small models garble figures and swap names)."""
    if not claim or not (_numbers(claim) | required) <= evidence:
        return 0.0
    return len(claim & evidence) / len(claim)


@dataclass(frozen=True)
class Checked:
    text: str
    citations: tuple[Citation, ...]
    supported: bool
    removed: tuple[str, ...] = ()  # answer sentences no source supports, dropped
    declined: bool = False  # the model itself said it cannot answer


def _split(text: str) -> list[str]:
    """Sentences; a model that copies the prompt's " … " between excerpts joined two."""
    return [part.strip() for s, e in split_sentences(text)
            for part in text[s:e].split(" … ") if part.strip()]


def _quote(source: Source, claims: list[set[str]], question: set[str]) -> str:
    """The abstract sentence (verbatim) that best matches what was said; sentences the model
    saw in its prompt win ties."""
    body = source.abstract or source.text
    best, best_score = "", -1.0
    for s, e in split_sentences(body):
        sentence = body[s:e]
        words = content_words(sentence)
        score = sum(len(c & words) / len(c) for c in claims if c)
        score += 0.25 * (len(question & words) / len(question) if question else 0)
        score += 0.1 if sentence in source.text else 0.0
        if score > best_score + 1e-9:
            best, best_score = sentence, score
    return best


_LIST = re.compile(r"[A-Za-z0-9][\w.\-]*(?:\s*(?:,|\band\b|\bor\b|&)\s*(?:and\s+)?"
                   r"[A-Za-z0-9][\w.\-]*)+")


def _lists(sentence: str) -> list[set[str]]:
    """The names of each coordinated list in the sentence ("MathVista and DynaMath")."""
    return [names(m.group(0)) for m in _LIST.finditer(sentence)]


def _joint(claim: set[str], required: set[str], evidence: list[set[str]],
           cited: list[int], titles: list[set[str]], coordinated: list[set[str]]) -> list[int]:
    """Sources (numbers) that support the claim together: the cited ones if they do, else
    up to three picked greedily by the claim words they add; [] when none do. A claim the
    model pinned on one paper is only completed by the papers whose titles carry the names
    that paper lacks, listed side by side ("MathVista and DynaMath evaluate ... [1]");
    otherwise ("DySpec is the method of the Critical Tokens paper") it is a swapped name."""

    def supports(group: list[int]) -> bool:
        joint = set().union(*(evidence[n - 1] for n in group))
        return len(group) >= 2 and coverage(claim, joint, required) >= SUPPORT and \
            all(claim & evidence[n - 1] for n in group)

    if supports(cited):
        return cited
    if len(cited) == 1:
        missing = required - evidence[cited[0] - 1]
        named = [n for n in range(1, len(titles) + 1) if titles[n - 1] & missing]
        group = sorted({*cited, *named})
        listed = any(missing & c and len(c) > 1 for c in coordinated)
        return group if missing and named and listed and supports(group) else []
    group = []
    covered: set[str] = set()
    while len(group) < 3:
        gains = {n: len(claim & evidence[n - 1] - covered) for n in range(1, len(evidence) + 1)
                 if n not in group}
        if not gains or max(gains.values()) == 0:
            break
        best = max(gains, key=lambda n: (gains[n], -n))
        group.append(best)
        covered |= evidence[best - 1]
        if supports(sorted(group)):
            return sorted(group)
    return []


_STANDALONE_FIGURE = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?(?![\w\-]|\.\d)")


def _named_systems(text: str) -> set[str]:
    """The names of a text as whole tokens ("ResNet-20", "gpt-3"), not their parts."""
    return {_stem(tok.lower()) for tok in TOKEN.findall(text.replace("\\", ""))
            if _NAMEY.search(tok)}


def _proper(sentence: str) -> set[str]:
    """Names and capitalised words of an abstract sentence ("Codex"), but its first word."""
    return {_stem(tok.lower()) for tok in TOKEN.findall(sentence.replace("\\", ""))[1:]
            if _NAMEY.search(tok) or tok[:1].isupper()}


def _bound(sentence: str, sentences: list[tuple[set[str], set[str]]], own: set[str]) -> bool:
    """A figure the sentence gives beside a name other than the paper's own (a baseline, a
    benchmark) is not one the abstract gives only for other names: small models move figures
    between the systems an abstract compares ("GPT-3 solves 81%" where Codex does).
    `sentences`: each abstract sentence's content words and proper words."""
    others = _named_systems(sentence) - own
    if not others:
        return True
    for figure in set(_STANDALONE_FIGURE.findall(_numbers_plain(sentence.lower()))):
        holding = [found for words, found in sentences if figure in words]
        if holding and not any(found & others or not found - own for found in holding):
            return False
    return True


def _mentions(words: set[str], title: set[str]) -> bool:
    """`words` hold most (80%) of the words of a title's name part."""
    return bool(title) and len(words & title) >= 0.8 * len(title)


def _named(text: str, titles: list[set[str]], title_words: list[set[str]]) -> set[int]:
    """Numbers of the sources that `text` names: by a name in the title ("Time-MoE") or by
    most of the words of the title's name part ("Clover", "the Critical Tokens Matter
    paper")."""
    words, found = content_words(text), names(text)
    return {j + 1 for j in range(len(titles))
            if titles[j] & found
            or _mentions(words, title_words[j])}


def check(answer: str, sources: Sequence[Source], question: str = "",
          about: Collection[str] = ()) -> Checked:
    """Repair markers, drop unsupported sentences, attach verbatim quotes. `about`: ids of
    papers the question points at beyond those its words name (the examples of a list
    question); answers about them are on topic."""
    text = answer.strip()
    if not text or not sources or NO_ANSWER.lower().rstrip(".") in text.lower():
        return Checked(NO_ANSWER, (), False, declined=bool(text))
    evidence = [content_words(f"{s.title} {s.abstract or s.text}") for s in sources]
    by_sentence = [[(content_words(t), _proper(t)) for t in _split(s.abstract or s.text)]
                   for s in sources]
    own = [_named_systems(f"{s.title} {' '.join(paper_names(s.title, s.abstract or s.text))}")
           for s in sources]
    titles = [names(s.title.split(":")[0]) for s in sources]
    title_words = [content_words(s.title.split(":")[0]) for s in sources]
    asked_about = _named(question, titles, title_words)
    if not names(question) <= set().union(set(), *(titles[n - 1] for n in asked_about)):
        asked_about = set()  # the question names something no title does: keep out of it
    if asked_about:
        asked_about |= {n for n, s in enumerate(sources, start=1) if s.paper_id in about}
    q_words = content_words(question)
    kept: list[tuple[str, list[int]]] = []
    removed: list[str] = []
    claims_by_number: dict[int, list[set[str]]] = {}
    for sentence in _split(text):
        cited = {int(n) for group in MARKER.findall(sentence)
                 for n in re.split(r"[,;]", group) if n.strip()}
        clean = MARKER.sub("", sentence).strip()
        claim = content_words(clean)
        required = names(clean)
        if not clean:
            continue
        if not claim:  # "Yes." and the like: nothing to check, nothing to cite
            kept.append((clean, []))
            continue
        scores = [coverage(claim, ev, required) if _bound(clean, sents, mine) else 0.0
                  for ev, sents, mine in zip(evidence, by_sentence, own, strict=True)]
        best = max(range(len(sources)), key=lambda i: scores[i]) + 1
        in_range = sorted(n for n in cited if 1 <= n <= len(sources))
        valid = [n for n in in_range if scores[n - 1] >= SUPPORT]
        named = _named(clean, titles, title_words)
        listed = in_range or sorted(named)
        if len(listed) >= 2 and set(listed) <= named and \
                _joint(claim, required, evidence, listed, titles, []) == listed:
            numbers = listed  # "DySpec and Clover propose ... [1][2]": each paper named
        elif valid and scores[best - 1] - max(scores[n - 1] for n in valid) < MARGIN:
            numbers = valid
        elif scores[best - 1] >= SUPPORT:
            numbers = [best]
        else:
            # a sentence comparing papers is supported by its sources together
            numbers = _joint(claim, required, evidence, in_range, titles, _lists(clean))
        # a sentence about a paper named by its title must be supported by that paper
        about = [j + 1 for j, words in enumerate(title_words)
                 if len(words) >= 2 and _mentions(claim, words)]
        if about and not any(n in numbers or scores[n - 1] >= SUPPORT for n in about):
            numbers = []
        # a question about named papers is answered from those papers, not from a neighbour
        if asked_about and not asked_about & set(numbers):
            numbers = []
        # a sentence that only restates the question, or only echoes the cited paper's title,
        # answers nothing (one citing several papers does: it says which papers)
        if len(numbers) == 1:
            title = title_words[numbers[0] - 1]
            if not claim - q_words - (title if _mentions(claim, title) else set()):
                numbers = []
        if not numbers:
            removed.append(clean)
            continue  # unsupported: dropped
        kept.append((clean, numbers))
        for n in numbers:
            claims_by_number.setdefault(n, []).append(claim)
    if not claims_by_number:
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
        Citation(n, sources[n - 1].paper_id, sources[n - 1].title,
                 _quote(sources[n - 1], claims_by_number[n], q_words))
        for n in sorted(claims_by_number)
    )
    return Checked(" ".join(pieces), citations, True, tuple(removed))
