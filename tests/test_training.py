"""The training data builder (issue 21): human labels, mined negatives and perturbed claims,
never a paper or claim of the evaluation sets."""

from __future__ import annotations

import gzip
import json
import random

from training.build import build
from training.pairs import read
from training.perturb import contradictions, negate, reverse, swap_figure

ABSTRACTS = {
    "p1": "Statins lowered LDL cholesterol by 30% in older adults. Muscle pain was rare. "
          "The trial enrolled 400 patients.",
    "p2": "Vitamin D did not reduce fractures in the cohort. Falls were recorded for two years.",
    "p3": "Coffee intake increases alertness in shift workers. Sleep was shorter on work days.",
    "p9": "Aspirin reduced stroke risk by 12% in the held-out trial. Bleeding rose slightly.",
}


def _shared(tmp_path):
    sf, nf = tmp_path / "shared" / "scifact", tmp_path / "shared" / "nfcorpus"
    (nf / "qrels").mkdir(parents=True)
    sf.mkdir(parents=True, exist_ok=True)
    (sf / "corpus.jsonl").write_text("\n".join(json.dumps({"_id": p, "title": f"Study {p}",
                                                           "text": t}) for p, t in ABSTRACTS.items()))
    claims = [
        {"id": "1", "claim": "Statins lower LDL cholesterol by 30% in older adults.",
         "label": "SUPPORT", "cited": ["p1"],
         "evidence": {"p1": ["Statins lowered LDL cholesterol by 30% in older adults."]}},
        {"id": "2", "claim": "Vitamin D reduces fractures.", "label": "CONTRADICT", "cited": ["p2"],
         "evidence": {"p2": ["Vitamin D did not reduce fractures in the cohort."]}},
        {"id": "3", "claim": "Coffee shortens reaction times.", "label": "NOINFO", "cited": ["p3"],
         "evidence": {}},
        {"id": "9", "claim": "Aspirin reduces stroke risk by 12%.", "label": "SUPPORT",
         "cited": ["p9"], "evidence": {"p9": ["Aspirin reduced stroke risk by 12% in the trial."]}},
    ]
    (sf / "claims_train.jsonl").write_text("\n".join(json.dumps(c) for c in claims))
    with gzip.open(nf / "corpus.jsonl.gz", "wt") as f:
        f.write("\n".join(json.dumps({"_id": p, "title": f"Study {p}", "text": t})
                          for p, t in ABSTRACTS.items()))
    with gzip.open(nf / "queries.jsonl.gz", "wt") as f:
        f.write(json.dumps({"_id": "q1", "text": "statins and cholesterol"}))
    with gzip.open(nf / "qrels" / "train.tsv.gz", "wt") as f:
        f.write("query-id\tcorpus-id\tscore\nq1\tp1\t1\nq1\tp9\t1\n")
    evals = tmp_path / "eval"
    evals.mkdir()
    (evals / "set.jsonl").write_text(json.dumps({"id": "c9-0", "question": "Is it true that ...?",
                                                 "gold": ["p9"], "kind": "claim"}))
    return tmp_path / "shared", evals


def test_pairs_come_from_the_labels_and_never_from_an_evaluation_paper(tmp_path):
    shared, evals = _shared(tmp_path)
    card = build(tmp_path / "out", seed=0, shared=shared, eval_dir=evals)
    pairs = read(tmp_path / "out" / "pairs-human.jsonl.gz")
    assert card["pairs"] == len(pairs) and card["excluded"]["papers_of_eval_sets"] == 1
    assert not any("Aspirin" in p.a or "Aspirin" in p.b for p in pairs)  # p9 and claim 9 unused
    by = {(p.source, p.label, p.a, p.b) for p in pairs}
    assert ("scifact-rationale", "entails", "Statins lower LDL cholesterol by 30% in older adults.",
            "Statins lowered LDL cholesterol by 30% in older adults.") in by
    assert ("scifact-rationale", "contradicts", "Vitamin D reduces fractures.",
            "Vitamin D did not reduce fractures in the cohort.") in by
    same = [p for p in pairs if p.source == "same-abstract"]
    assert same and all(p.label == "neutral" and "LDL" not in p.b for p in same if "Statins" in p.a)
    assert any(p.source.startswith("perturbed-") and p.label == "contradicts" for p in pairs)
    relevance = [p for p in pairs if p.task == "relevance"]
    assert {p.label for p in relevance if p.source == "nfcorpus-qrels"} == {"1"}
    assert all("p9" not in p.b for p in relevance)
    assert json.loads((tmp_path / "out" / "data-card-human.json").read_text())["seed"] == 0


def test_the_same_seed_builds_the_same_data(tmp_path):
    shared, evals = _shared(tmp_path)
    build(tmp_path / "a", seed=3, shared=shared, eval_dir=evals)
    build(tmp_path / "b", seed=3, shared=shared, eval_dir=evals)
    assert read(tmp_path / "a" / "pairs-human.jsonl.gz") == read(tmp_path / "b" / "pairs-human.jsonl.gz")


def test_perturbations_change_what_the_claim_says():
    rng = random.Random(0)
    assert swap_figure("LDL fell by 30% in 400 adults.", rng) != "LDL fell by 30% in 400 adults."
    assert negate("Statins are effective in older adults.") == \
        "Statins are not effective in older adults."
    assert negate("Vitamin D does not reduce fractures.") == "Vitamin D does reduce fractures."
    assert reverse("Coffee increases alertness.") == "Coffee decreases alertness."
    assert reverse("Coffee is tasty.") is None
    made = contradictions("IL-6 levels increase by 20% after surgery.", ["TNF"], rng)
    assert {how for _, how in made} == {"perturbed-figure", "perturbed-comparison",
                                        "perturbed-entity"}


def test_a_generated_question_is_kept_only_when_it_does_not_restate_its_sentence():
    from training.generate import accept

    sentence = "Statins lowered LDL cholesterol by 30% in 400 older adults over two years."
    assert accept("What effect did statins have on LDL in older adults?", sentence) == \
        "What effect did statins have on LDL in older adults?"
    assert accept("Q: How much did LDL fall?\nA: by 30%", sentence) == "How much did LDL fall?"
    assert accept("What did statins do?", sentence) is None  # under five words
    restated = "Did statins lower LDL cholesterol by 30% in 400 older adults over two years?"
    assert accept(restated, sentence) is None
    assert accept("Statins lowered LDL.", sentence) is None  # no question


def test_a_question_must_point_back_at_its_own_sentence():
    from training.generate import Item, round_trip

    item = Item("x", "p", "T", "Statins lowered LDL cholesterol in older adults.",
                ("Muscle pain was rare among the adults.", "The trial enrolled 400 patients."))
    assert round_trip("How did statins change LDL cholesterol?", item)
    assert not round_trip("How rare was muscle pain among adults?", item)
    assert not round_trip("What is quantum gravity?", item)


def test_balancing_draws_every_label_of_a_task_as_often(tmp_path):
    from collections import Counter

    from training.pairs import Pair, write
    from training.train import examples

    rows = ([Pair("entail", "c", "s", "entails", "x", "y")] * 2 +
            [Pair("entail", "c", "s", "neutral", "x", "y")] * 6 +
            [Pair("relevance", "q", "p", "1", "x", "y")] * 3)
    write(rows, tmp_path / "pairs-x.jsonl.gz")
    out = examples(tmp_path, random.Random(0), balance=True)
    assert Counter((task, y) for task, _, _, y in out) == {
        ("entail", 0): 6, ("entail", 2): 6, ("relevance", 1): 3}
    assert all(a.startswith(("claim: ", "query: ")) for _, a, _, _ in out)


def test_a_generated_claim_is_kept_only_when_its_sentence_states_all_of_it():
    from training.generate import accept_claim

    sentence = "Statins lowered LDL cholesterol by 30% in 400 older adults."
    assert accept_claim('The claim is: "Statins lowered LDL cholesterol by 30%."', sentence) == \
        "Statins lowered LDL cholesterol by 30%."
    assert accept_claim("Statins lowered LDL cholesterol by 45% in adults.", sentence) is None
    assert accept_claim("Statins cure heart disease and prevent dementia in adults.", sentence) \
        is None
    assert accept_claim("Did statins lower cholesterol in adults?", sentence) is None


def test_a_kept_claim_gives_entailment_contradictions_and_neutral_pairs():
    from training.generate import Item, claim_pairs

    item = Item("scifact", "p1", "Study p1", "Statins lowered LDL cholesterol by 30% in adults.",
                ("Muscle pain was rare in the trial.", "The trial enrolled 400 patients."))
    out = list(claim_pairs(item, "Statins lowered LDL cholesterol by 30%.", ["IL-6"],
                           random.Random(0)))
    labels = {(p.label, p.b == item.sentence) for p in out}
    assert ("entails", True) in labels and ("contradicts", True) in labels
    assert ("neutral", False) in labels
    assert all(p.task == "entail" for p in out)


def test_a_question_also_makes_its_own_paper_relevant_and_a_strangers_not():
    from collections import Counter

    from training.generate import Item, pairs

    items = [Item("nfcorpus", f"p{i}", f"Study {i}", f"Coffee dose {i} raised alertness in "
                  f"{i + 10} shift workers.", (f"Workers slept {i} hours.", "Tea was not tested."),
                  f"Coffee dose {i} raised alertness. Workers slept {i} hours.") for i in range(4)]
    replies = ["How many shift workers were studied?"] * 4
    out = list(pairs(items, replies, random.Random(0), Counter()))
    relevance = [p for p in out if p.task == "relevance"]
    own = {f"{i.title}\n{i.abstract}" for i in items}
    assert any(p.label == "1" for p in relevance) and any(p.label == "0" for p in relevance)
    for p in relevance:
        assert (p.label, p.source) in (("1", "qwen-question"), ("0", "random-paper"))
        assert p.b in own
