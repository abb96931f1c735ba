"""Context compression: what of each retrieved abstract goes into the prompt.

Every abstract sentence is scored against the question: the share of the question's content
words it contains, plus (when the index stores sentence vectors) its cosine to the question.
Each source first gets its best sentence, in rank order; the remaining budget goes to the
best-scoring sentences of any source. Sentences stay verbatim and in abstract order, so quotes
taken from them are verbatim too. The budget counts the sources' titles and sentences in the
answer model's own tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from .chunking import split_sentences
from .citations import content_words
from .prompting import short_title
from .types import Source

_COSINE_WEIGHT = 1.0  # a cosine of 0.5 counts like half the question's words
_RANK_PENALTY = 0.05  # later sources give way to earlier ones at equal score
_GAP = " … "


def sentence_scores(question: str, sentences: Sequence[str],
                    cosines: Sequence[float] | None = None) -> list[float]:
    q_words = content_words(question)
    out = []
    for i, sentence in enumerate(sentences):
        words = content_words(sentence)
        score = len(q_words & words) / len(q_words) if q_words else 0.0
        if cosines is not None and i < len(cosines):
            score += _COSINE_WEIGHT * float(cosines[i])
        out.append(score)
    return out


def compress(
    question: str,
    sources: Sequence[Source],
    *,
    budget: int,
    count: Callable[[str], int],
    cosines: Mapping[str, Sequence[float]] | None = None,
) -> list[Source]:
    """Sources whose `text` holds their chosen sentences, within `budget` tokens (titles, as
    the prompt shows them, included); a source with no room left is dropped, except the first."""
    cosines = cosines or {}
    spans, scores, costs = [], [], []
    used = 0
    for rank, source in enumerate(sources):
        abstract = source.abstract or source.text
        s = split_sentences(abstract) or [(0, len(abstract))]
        texts = [abstract[a:b] for a, b in s]
        spans.append(s)
        scores.append([v - _RANK_PENALTY * rank for v in
                       sentence_scores(question, texts, cosines.get(source.paper_id))])
        costs.append([count(t) + 1 for t in texts])
        used += count(short_title(source.title)) + 4  # "[n] title\n" and the blank line
    chosen: list[set[int]] = [set() for _ in sources]
    for i in range(len(sources)):  # every source's best sentence, in rank order
        best = max(range(len(spans[i])), key=scores[i].__getitem__)
        if used + costs[i][best] <= budget or i == 0:
            chosen[i].add(best)
            used += costs[i][best]
    rest = sorted(((scores[i][j], i, j) for i in range(len(sources)) for j in range(len(spans[i]))
                   if chosen[i] and j not in chosen[i]), reverse=True)
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
            pieces.append(abstract[spans[i][j][0]:spans[i][j][1]])
            last = j
        out.append(replace(source, text=" ".join(pieces)))
    return out
