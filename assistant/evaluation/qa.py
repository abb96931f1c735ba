"""QA evaluation over a question file (JSONL: question, gold titles or ids, accepted answers)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.answer import followup, verdict
from assistant.errors import CorpusError
from assistant.evaluation.metrics import percentile
from assistant.pipeline import Assistant
from assistant.types import ABSTENTIONS, VERDICTS, Answer


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    gold: tuple[str, ...]  # paper ids or title prefixes; empty: not answerable from the corpus
    answers: tuple[str, ...]
    multi: bool = False
    after: str = ""  # id of the question this one follows up (asked in the same conversation)
    kind: str = ""  # "claim": right = a verdict citing a gold paper; "near_miss": unanswerable
    label: str = ""  # a claim's gold label: SUPPORT, CONTRADICT or NOINFO


def load_questions(path: str | Path) -> list[Question]:
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: no such question file")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out.append(Question(str(rec.get("id", number)), rec["question"],
                                tuple(rec.get("gold", ())), tuple(rec.get("answers", ())),
                                bool(rec.get("multi", len(rec.get("gold", ())) > 1)),
                                str(rec.get("after", "")), str(rec.get("kind", "")),
                                str(rec.get("label", ""))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}:{number}: bad question record ({exc}); each line needs "
                              "'question', 'gold' and 'answers'") from None
    return out


def _is_gold(q: Question, paper_id: str, title: str) -> bool:
    return any(paper_id == g or title.lower().startswith(g.lower()) for g in q.gold)


@dataclass
class Result:
    question: Question
    hit_at_5: bool
    answer: Answer
    correct: bool
    first_token_s: float
    total_s: float
    good_citations: int = 0
    citations: int = 0
    gold_cited: int = 0
    notes: list[str] = field(default_factory=list)


def run(assistant: Assistant, questions: list[Question],
        progress: Callable[[int, int], None] | None = None) -> dict:
    results: list[Result] = []
    by_id: dict[str, Answer] = {}
    for i, q in enumerate(questions, start=1):
        history = [by_id[q.after]] if q.after in by_id else []
        standalone = followup.rewrite(q.question, history)
        hits = assistant.search(verdict.proposition(standalone) or standalone, k=5)
        hit = any(_is_gold(q, h.paper_id, h.title) for h in hits) if q.gold else False
        started = time.perf_counter()
        first = None
        answer = None
        for event in assistant.ask_stream(q.question, history=history):
            if isinstance(event, Answer):
                answer = event
            elif first is None:
                first = time.perf_counter() - started
        total = time.perf_counter() - started
        assert answer is not None
        by_id[q.id] = answer
        text = answer.text.lower()
        if q.kind == "claim":
            correct = bool(answer.verdict) and any(
                _is_gold(q, c.paper_id, c.title) for c in answer.citations)
        elif q.gold:
            correct = not answer.abstained and all(a.lower() in text for a in q.answers) \
                if q.multi else not answer.abstained and any(a.lower() in text for a in q.answers)
        else:
            correct = answer.abstained
        good = sum(_is_gold(q, c.paper_id, c.title) for c in answer.citations)
        gold_cited = len({g for g in q.gold for c in answer.citations
                          if c.paper_id == g or c.title.lower().startswith(g.lower())})
        results.append(Result(q, hit, answer, correct, first or total, total, good,
                              len(answer.citations), gold_cited))
        if progress:
            progress(i, len(questions))
    return summarize(results)


def summarize(results: list[Result]) -> dict:
    answerable = [r for r in results if r.question.gold and r.question.kind != "claim"]
    claims = [r for r in results if r.question.kind == "claim"]
    unanswerable = [r for r in results if not r.question.gold]
    multi = [r for r in answerable if r.question.multi]
    cited = sum(r.citations for r in answerable + claims)
    generated = [r for r in results if r.answer.completion_tokens]
    first = [r.first_token_s for r in generated]

    def share(items, pred):
        return round(sum(1 for r in items if pred(r)) / len(items), 3) if items else None

    return {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "retrieval_hit_at_5": share(answerable, lambda r: r.hit_at_5),
        # direct answers: right, not a quote fallback, at most 300 characters
        "direct_answer_accuracy": share(answerable, lambda r: r.correct and not r.answer.hedged
                                        and len(r.answer.text) <= 300),
        "answer_accuracy_with_fallbacks": share(answerable, lambda r: r.correct),
        "gold_cited": share(answerable, lambda r: r.gold_cited > 0),
        "citation_precision": round(sum(r.good_citations for r in answerable + claims) / cited, 3)
        if cited else None,
        "claims": len(claims),
        "claims_with_verdict": share(claims, lambda r: bool(r.answer.verdict)),
        "claims_evidence_cited": share(claims, lambda r: r.gold_cited > 0),
        "claims_verdict_right": share(claims, lambda r: _verdict_right(r)),
        "verdicts": {v: sum(1 for r in claims if r.answer.verdict == v) for v in VERDICTS},
        "answers_without_citation": sum(1 for r in answerable
                                        if not r.answer.abstained and not r.citations),
        "multi_paper_gold_recall": round(sum(r.gold_cited for r in multi)
                                         / sum(len(r.question.gold) for r in multi), 3)
        if multi else None,
        "decline_rate_unanswerable": share(unanswerable, lambda r: r.answer.abstained),
        "declined_or_not_stated_unanswerable": sum(1 for r in unanswerable
                                                   if r.answer.abstained),
        "decline_rate_answerable": share(answerable, lambda r: r.answer.abstained),
        "first_token_s_p50": round(percentile(first, 50), 3) if first else None,
        "first_token_s_p95": round(percentile(first, 95), 3) if first else None,
        "total_s_median": round(statistics.median(r.total_s for r in results), 3),
        "decode_tokens_per_s_median": round(statistics.median(
            (r.answer.completion_tokens - 1) / (r.total_s - r.first_token_s) for r in generated
            if r.answer.completion_tokens > 1 and r.total_s > r.first_token_s), 2)
        if generated else None,
        "fallbacks_quote": sum(1 for r in results if r.answer.hedged),
        "fallbacks_quote_right": sum(1 for r in results if r.answer.hedged and r.correct),
        "abstentions": {reason: sum(1 for r in results if r.answer.abstention == reason)
                        for reason in ABSTENTIONS},
        "prompt_tokens_median": statistics.median(r.answer.prompt_tokens for r in generated)
        if generated else None,
        "details": [
            {"id": r.question.id, "question": r.question.question, "correct": r.correct,
             "hit_at_5": r.hit_at_5, "abstained": r.answer.abstention or False,
             "text": r.answer.text, "unsupported": list(r.answer.unsupported),
             "standalone": r.answer.standalone, "hedged": r.answer.hedged,
             "verdict": r.answer.verdict, "label": r.question.label,
             "cited": [c.title for c in r.answer.citations],
             "first_token_s": round(r.first_token_s, 3)}
            for r in results
        ],
    }


def _verdict_right(r: Result) -> bool:
    """SUPPORT -> yes, CONTRADICT -> no, NOINFO -> not_stated (a report, not a target)."""
    want = {"SUPPORT": "yes", "CONTRADICT": "no", "NOINFO": "not_stated"}.get(r.question.label)
    return want is not None and r.answer.verdict == want
