"""Questions that ask for several papers ("Which papers study sparse subnetworks, such as
essential sparsity and layer pruning lottery tickets?").

A small model answering them tends to describe the first source and stop. So the papers such
a question points at are found before generation (by their names, or by the examples the
question gives, each matched to the title it describes best), kept in the prompt, and any the
model's answer leaves out is added after the check, by name, its closest sentence quoted in
its citation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.text.names import label, paper_names
from assistant.text.rules import content_words, tokenize
from assistant.types import Citation, Source

_ASKS_LIST = re.compile(
    r"^\s*(?:which|what|list|name|find|show)\b(?:\s+\w+){0,2}?\s+(?:papers|works|studies|"
    r"articles|publications|trials|benchmarks|methods|models|approaches|datasets|systems|"
    r"frameworks|techniques)\b(?!\s+(?:does|did|do|is|was|are|were|has|have|had)\b)",
    re.IGNORECASE)
_EXAMPLES = re.compile(r"\b(?:such as|like|e\.g\.,?|including|for example,?|for instance,?)\s+"
                       r"(.+?)\s*[?.!]*$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bor\b|&)\s*", re.IGNORECASE)
_MIN_SHARED = 2  # title words an example must share with the paper it describes


def asks_for_papers(question: str) -> bool:
    """"Which papers study X?", "What methods reduce Y?"; not "Which datasets does
    PoolFormer use?", which asks about one paper (an auxiliary verb follows the noun)."""
    return bool(_ASKS_LIST.search(question))


def examples(question: str) -> list[str]:
    """The examples a list question gives: "such as A and B" -> [A, B]."""
    if not asks_for_papers(question):
        return []
    found = _EXAMPLES.search(question)
    if not found:
        return []
    return [p.strip(" '\"") for p in _SPLIT.split(found.group(1)) if p.strip(" '\"")]


_LIST_HEAD = set(tokenize("which what list name find show paper work study article benchmark "
                          "method model approach dataset system framework technique propose "
                          "present introduce"))
_ON_TOPIC = 0.6  # share of the topic's idf mass a title must carry


def on_topic(question: str, title: str, idf: Callable[[str], float]) -> bool:
    """A list question without examples ("Which papers study lottery tickets?") points at the
    papers whose titles carry most of its topic: 60% of the idf mass of its words, so that
    "generalization" matters more than "deep learning"."""
    words = set(tokenize(question)) - _LIST_HEAD
    weight = {w: idf(w) for w in words}
    total = sum(weight.values())
    shared = words & set(tokenize(title))
    return total > 0 and len(shared) >= min(2, len(words)) and \
        sum(weight[w] for w in shared) >= _ON_TOPIC * total


def described(example: str, sources: Sequence[Source]) -> str | None:
    """The paper whose title an example describes best ("layer pruning lottery tickets" ->
    "When Layers Play the Lottery, all Tickets Win at Initialization"), if one clearly does."""
    words = content_words(example)
    shared = [(len(words & content_words(s.title)), s.paper_id) for s in sources]
    shared.sort(key=lambda x: -x[0])
    if not shared or shared[0][0] < min(_MIN_SHARED, len(words)):
        return None
    if len(shared) > 1 and shared[1][0] == shared[0][0]:
        return None
    return shared[0][1]


def _own_names(citation: Citation, sources: Sequence[Source]) -> set[str]:
    """The names the cited paper introduces (its title's name part, its abstract's names)."""
    source = next((s for s in sources if s.paper_id == citation.paper_id), None)
    return paper_names(citation.title, source.abstract or source.text if source else "")


def _shown(citation: Citation, sources: Sequence[Source], question: str) -> str:
    """A listed paper's name: its title's label, with the name the question calls it by
    when the abstract introduces one ("MustDrop (Multi-Stage Vision Token Dropping)")."""
    name = label(citation.title)
    called = sorted(n for n in _own_names(citation, sources)
                    if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", question) and n not in name)
    return f"{called[0]} ({name})" if called else name


def _names(citation: Citation, sources: Sequence[Source], text: str) -> bool:
    """The text names the cited paper: by its title's label or a name it introduces."""
    lowered = text.lower()
    return any(n.lower() in lowered
               for n in {label(citation.title), *_own_names(citation, sources)})


def complete(text: str, cites: tuple[Citation, ...], sources: Sequence[Source],
             wanted: Sequence[str], quote_of, limit: int,
             question: str = "") -> tuple[str, tuple[Citation, ...]]:
    """The answer to a list question: the model's text when it is short and names the papers
    it cites, then each wanted paper it does not cite, by name with its marker (the quote of
    the sentence `quote_of(source)` picks goes with the citation). Any other text (a small
    model pasting each abstract) gives way to the names of the papers it cites."""
    if len(text) > limit or not all(_names(c, sources, text) for c in cites):
        text, named = "", cites  # the list of the papers it cites instead
    else:
        named = ()
    cited = {c.paper_id for c in cites}
    extra = tuple(Citation(s.number, s.paper_id, s.title, quote_of(s)) for s in sources
                  if s.paper_id in wanted and s.paper_id not in cited)
    if not extra and text or not named + extra:
        return text, cites
    names = "; ".join(f"{_shown(c, sources, question)} [{c.number}]" for c in named + extra)
    text = f"{text} Also relevant: {names}." if text else f"Relevant papers: {names}."
    return text, tuple(sorted(cites + extra, key=lambda c: c.number))
