"""Context compression: what of each retrieved abstract goes into the prompt.

Every abstract sentence is scored against the question by the evidence scorer (the probability
that it answers the question; runtime/scorer.py). The first source gets its best sentence; every
other source whose best sentence scores close to that one gets it too, in rank order; the
remaining budget goes to the best-scoring sentences of the sources taken. Sentences stay
verbatim and in abstract order, so quotes taken from them are verbatim too. The budget counts
the sources' titles and sentences in the answer model's own tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

from assistant.answer.form import holds_answer
from assistant.text.names import title_name
from assistant.text.rules import addresses_reader, content_words, strip_heading
from assistant.text.sentences import split_sentences
from assistant.types import Source

RANK_PENALTY = 0.1  # later sources give way to earlier ones at equal score
ANSWERS = 0.5  # a sentence answers the question when the scorer finds that more likely than not
_KEEP = 0.75  # another source joins when its best sentence scores this share of the first's
_GAP = " … "


def sentence_scores(question: str, sentences: Sequence[str],
                    probs: Sequence[float] | None = None, title: str = "") -> list[float]:
    """Each sentence's probability of answering the question (`probs`, from the evidence
    scorer); text addressing the reader is data, never evidence (-inf). Without `probs` (a
    caller that has no scorer, as in unit tests of the layout), the share of the question's
    words beyond the title's that the sentence holds."""
    if probs is not None and len(probs) == len(sentences):
        return [float("-inf") if addresses_reader(s) else float(p)
                for s, p in zip(sentences, probs, strict=True)]
    q_words = content_words(question)
    q_words = (q_words - content_words(title)) or q_words
    return [float("-inf") if addresses_reader(s) else
            len(q_words & content_words(s)) / len(q_words) if q_words else 0.0
            for s in sentences]


def compress(
    question: str,
    sources: Sequence[Source],
    *,
    budget: int,
    count: Callable[[str], int],
    probs: Mapping[str, Sequence[float]] | None = None,
    keep: Collection[str] = (),
) -> list[Source]:
    """Sources whose `text` holds their chosen sentences, within `budget` tokens (titles, as
    the prompt shows them, included); the first source, and those whose ids are in `keep`
    (the papers a question names), always get their best sentence."""
    probs = probs or {}
    spans, scores, costs = [], [], []
    used = 0
    for rank, source in enumerate(sources):
        abstract = source.abstract or source.text
        s = split_sentences(abstract) or [(0, len(abstract))]
        texts = [abstract[a:b] for a, b in s]
        spans.append(s)
        scores.append([v - RANK_PENALTY * rank for v in
                       sentence_scores(question, texts, probs.get(source.paper_id),
                                       source.title)])
        costs.append([count(t) + 1 for t in texts])
        used += count(title_name(source.title)) + 4  # "[n] title\n" and the blank line
    chosen: list[set[int]] = [set() for _ in sources]
    top = max(scores[0]) if sources else 0.0
    for i in range(len(sources)):  # the best sentence of each source close to the first
        best = max(range(len(spans[i])), key=scores[i].__getitem__)
        if scores[i][best] == float("-inf"):
            continue
        if i == 0 or sources[i].paper_id in keep or \
                (scores[i][best] >= _KEEP * top and used + costs[i][best] <= budget):
            chosen[i].add(best)
            used += costs[i][best]
    rest = sorted(((scores[i][j], i, j) for i in range(len(sources)) for j in range(len(spans[i]))
                   if chosen[i] and j not in chosen[i] and scores[i][j] > float("-inf")),
                  reverse=True)
    for _, i, j in rest:
        if used + costs[i][j] <= budget:
            chosen[i].add(j)
            used += costs[i][j]
    out = []
    for i, source in enumerate(sources):
        if not chosen[i]:
            continue
        abstract = source.abstract or source.text
        pieces, last = [], None
        for j in sorted(chosen[i]):
            if last is not None and j != last + 1:
                pieces.append(_GAP.strip())
            pieces.append(strip_heading(abstract[spans[i][j][0]:spans[i][j][1]]))
            last = j
        out.append(replace(source, text=" ".join(pieces)))
    return out


def best_sentence(question: str, source: Source,
                  probs: Sequence[float] | None = None) -> tuple[float, str]:
    """(score, sentence) of the abstract sentence, among those the model saw (`source.text`),
    that best answers the question."""
    abstract = source.abstract or source.text
    sentences = [abstract[a:b] for a, b in split_sentences(abstract)] or [abstract]
    scores = sentence_scores(question, sentences, probs, source.title)
    shown = [i for i, t in enumerate(sentences) if strip_heading(t) in source.text] \
        or list(range(len(sentences)))
    best = max(shown, key=scores.__getitem__)
    return scores[best], strip_heading(sentences[best])


def closest_sentence(question: str, source: Source,
                     probs: Sequence[float] | None = None, *, answering: bool = False) -> str:
    """The abstract sentence, among those the model saw (`source.text`), that best answers
    the question; with `answering`, only one the scorer says answers it (`ANSWERS`) that also
    holds the kind of answer asked for (`form.holds_answer`), or "" when it does not."""
    score, sentence = best_sentence(question, source, probs)
    if answering and (score < ANSWERS or not holds_answer(question, sentence, source.title)):
        return ""  # the scorer alone quotes on-topic sentences that lack the fact (issue 21)
    return sentence
