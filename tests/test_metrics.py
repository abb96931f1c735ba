import math

import pytest

from assistant.evaluation.metrics import mrr_at, ndcg_at, percentile, recall_at


def test_ndcg_by_hand():
    # relevant d1 (gain 1) at rank 2, d2 (gain 2) at rank 4; ideal: d2 then d1
    ranking = ["x", "d1", "y", "d2"]
    rel = {"d1": 1, "d2": 2}
    dcg = 1 / math.log2(3) + 2 / math.log2(5)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(ranking, rel, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(ranking, rel, 1) == 0.0
    assert ndcg_at(["d2", "d1"], rel, 10) == pytest.approx(1.0)


def test_recall_and_mrr_by_hand():
    ranking = ["a", "b", "c", "d"]
    rel = {"b": 1, "d": 1, "z": 1}
    assert recall_at(ranking, rel, 2) == pytest.approx(1 / 3)
    assert recall_at(ranking, rel, 10) == pytest.approx(2 / 3)
    assert mrr_at(ranking, rel, 10) == pytest.approx(0.5)
    assert mrr_at(ranking, rel, 1) == 0.0


def test_zero_gain_judgements_do_not_count():
    assert recall_at(["a"], {"a": 0}, 10) == 0.0
    assert ndcg_at(["a"], {"a": 0}, 10) == 0.0


def test_percentile_nearest_rank():
    values = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == 5.0
    assert percentile(values, 0) == 1.0


def test_percentile_is_nearest_rank_not_interpolated():
    # the ceil(q/100 * n)-th smallest value: never between two values, and no other rule
    # bench/ used before agrees on all of these
    ten = [7.0, 3.0, 10.0, 1.0, 5.0, 9.0, 2.0, 8.0, 4.0, 6.0]
    assert percentile(ten, 50) == 5.0  # the lower middle: the median is 5.5, floor(q*n) took 6
    assert percentile(ten, 95) == 10.0  # rank ceil(9.5) = 10: linear interpolation gives 9.55
    assert percentile(ten, 90) == 9.0  # rank exactly 9
    assert percentile(ten, 100) == 10.0
    sixteen = [float(i) for i in range(1, 17)]
    assert percentile(sixteen, 95) == 16.0  # fewer than 20 values: p95 is the largest
    twenty = [float(i) for i in range(1, 21)]
    assert percentile(twenty, 95) == 19.0  # q*n = 19 exactly: the 19th, not the 20th
    assert math.isnan(percentile([], 50))
