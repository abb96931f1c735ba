import json

from assistant import Assistant, Settings
from assistant.evaluation.qa import Question, Result, load_questions, run, summarize
from assistant.types import Answer
from tests.conftest import FakeEmbedder, FakeGenerator, FakeScorer
from tests.test_pipeline import _papers, _write

CATS = "Domestic cats sleep for sixteen hours per day [1]."


def _evaluate(tmp_path, questions: list[dict], min_relevance: float) -> dict:
    """Run the QA evaluation over the three-paper corpus with a fake that answers about cats."""
    corpus = _write(tmp_path / "p.jsonl", _papers())
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(q) for q in questions))
    a = Assistant(Settings(data_dir=tmp_path / "i", min_relevance=min_relevance,
                           hedge_relevance=1.01, hedge_coverage=1.01),  # decline, never hedge
                  embedder=FakeEmbedder(), scorer=FakeScorer(), generator=FakeGenerator(lambda m: CATS))
    a.ingest(corpus)
    return run(a, load_questions(path))


def test_qa_evaluation_counts_accuracy_citations_and_declines(tmp_path):
    report = _evaluate(tmp_path, [
        {"id": "a", "question": "How long do cats sleep?", "gold": ["cats"],
         "answers": ["sixteen hours"]},
        {"id": "b", "question": "How do honeybees share food locations?",
         "gold": ["Honeybee navigation"], "answers": ["waggle dance"]},
        {"id": "u", "question": "quarterly revenue of shipping conglomerates", "gold": [],
         "answers": []},
    ], min_relevance=0.5)
    assert report["answerable"] == 2 and report["unanswerable"] == 1
    assert report["retrieval_hit_at_5"] == 1.0
    # the fake always answers about cats: right for "a"; for "b" the prompt holds only the
    # bees paper, so the cats sentence is unsupported and removed: a decline, not a wrong cite
    assert report["answer_accuracy_with_fallbacks"] == 0.5
    assert report["direct_answer_accuracy"] == 0.5 and report["fallbacks_quote"] == 0
    assert report["citation_precision"] == 1.0
    assert report["answers_without_citation"] == 0
    assert report["decline_rate_unanswerable"] == 1.0
    assert report["decline_rate_answerable"] == 0.5
    assert report["abstentions"] == {"not_covered": 1, "model_declined": 0, "unsupported": 1,
                                     "not_stated": 0}
    assert [d["correct"] for d in report["details"]] == [True, False, True]


def test_follow_up_questions_are_asked_in_the_conversation_of_their_first(tmp_path):
    report = _evaluate(tmp_path, [
        {"id": "a", "question": "How long do cats sleep?", "gold": ["cats"],
         "answers": ["sixteen hours"]},
        {"id": "f", "after": "a", "question": "And how long do they nap?", "gold": ["cats"],
         "answers": ["sixteen hours"]},
    ], min_relevance=0.0)
    follow = report["details"][1]
    # the cited paper has no name part: the question it follows says what "they" are
    assert follow["standalone"] == "How long do they nap? (after: How long do cats sleep?)"
    assert follow["correct"] and report["decode_tokens_per_s_median"] is not None
    assert set(report["abstentions"]) == {"not_covered", "model_declined", "unsupported",
                                          "not_stated"}


def test_claims_count_as_right_with_a_verdict_citing_the_evidence_paper(tmp_path):
    report = _evaluate(tmp_path, [
        {"id": "c", "question": "Is it true that domestic cats sleep for sixteen hours per day?",
         "gold": ["cats"], "answers": [], "kind": "claim", "label": "SUPPORT"},
        {"id": "d", "question": "Claim: Honeybees share food locations with the waggle dance.",
         "gold": ["rust"], "answers": [], "kind": "claim", "label": "SUPPORT"},
    ], min_relevance=0.0)
    assert report["claims"] == 2 and report["claims_with_verdict"] == 1.0
    assert report["claims_evidence_cited"] == 0.5 and report["claims_verdict_right"] == 1.0
    assert [d["correct"] for d in report["details"]] == [True, False]


def test_first_token_percentiles_are_nearest_rank():
    # ten answers taking 1..10 s to their first token: p50 is the 5th (the lower middle), p95
    # the 10th; a question declined before the model (no tokens) does not count
    q = Question("q", "How long?", ("cats",), ("sixteen hours",))
    results = [Result(q, True, Answer("How long?", "x", completion_tokens=3), True, s, s + 1.0)
               for s in (4.0, 9.0, 1.0, 7.0, 10.0, 2.0, 6.0, 3.0, 8.0, 5.0)]
    results.append(Result(q, True, Answer("How long?", "", abstained=True), False, 0.01, 0.01))
    report = summarize(results)
    assert report["first_token_s_p50"] == 5.0
    assert report["first_token_s_p95"] == 10.0
