"""The catalog: BM25 in segments with corpus-wide statistics, following an index by its
sequence numbers. A fake index implements the three calls the catalog makes."""

import math
import uuid

import numpy as np
import pytest

from assistant.search.bm25 import Postings, Segment
from assistant.search.catalog import Catalog
from assistant.text.rules import tokenize
from assistant.types import Paper

TEXTS = {
    "ants": ("Ant colonies", "Ants follow pheromone trails laid by foragers to food sources."),
    "bees": ("Honey bee dances", "Bees perform a waggle dance to tell nest mates where food is."),
    "zeb": ("Zebrafish fin regrowth", "Zebrafish regrow fins from a blastema of dividing cells."),
    "moth": ("Moth navigation", "Moths steer by the moon and are trapped by artificial lights."),
    "wasp": ("Wasp nests", "Paper wasps chew wood fibre into nests and defend them from ants."),
}


class FakeIndex:
    """The index as the catalog sees it: counters, ids, and papers by sequence number."""

    def __init__(self) -> None:
        self.papers: dict[str, tuple[Paper, int]] = {}
        self.seq = self.deleted = 0
        self.generation = ""
        self.fetched = 0

    def write(self, *pids: str, suffix: str = "") -> None:
        self.seq += 1
        for pid in pids:
            title, abstract = TEXTS[pid]
            self.papers[pid] = (Paper(pid, title, abstract + suffix, year=2000 + len(pid)),
                                self.seq)
        self.generation = uuid.uuid4().hex

    def remove(self, *pids: str) -> None:
        self.seq += 1
        self.deleted = self.seq
        for pid in pids:
            self.papers.pop(pid)
        self.generation = uuid.uuid4().hex

    def state(self) -> dict:
        return {"generation": self.generation, "seq": self.seq, "deleted": self.deleted,
                "source": "fake"}

    def ids(self) -> set[str]:
        return set(self.papers)

    def changed_since(self, seq: int, page: int = 2):
        new = [p for p, s in self.papers.values() if s > seq]
        self.fetched += len(new)
        for start in range(0, len(new), page):
            yield new[start:start + page]


def reference_bm25(texts: list[str], query: str, k1=1.2, b=0.75) -> np.ndarray:
    docs = [tokenize(t) for t in texts]
    avgdl = sum(map(len, docs)) / len(docs)
    out = np.zeros(len(docs))
    for term in tokenize(query):
        df = sum(term in d for d in docs)
        if not df:
            continue
        idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(term)
            out[i] += idf * tf / (tf + k1 * (1 - b + b * len(d) / avgdl))
    return out


def live_scores(catalog: Catalog, query: str) -> dict[str, float]:
    scores = catalog.scores(query)
    return {pid: float(scores[catalog.position(pid)]) for pid in catalog._position}


def test_segments_score_like_one_index_and_merge_keeps_scores():
    texts = [f"{t}\n{a}" for t, a in TEXTS.values()]
    query = "ants food nests pheromone"
    segments = [Segment.build([tokenize(t) for t in texts[:2]]),
                Segment.build([tokenize(t) for t in texts[2:] + texts[:1]])]
    segments[0].live[0] = False  # "ants" was rewritten into the second segment
    scores = Postings(segments, 1.2, 0.75).scores(tokenize(query))
    expected = reference_bm25(texts, query)
    assert scores[0] == 0
    np.testing.assert_allclose(scores[[5, 1, 2, 3, 4]], expected, rtol=1e-5)
    merged, kept = Segment.merge(segments)
    assert merged.size == 5 and [list(k) for k in kept] == [[1], [0, 1, 2, 3]]
    np.testing.assert_allclose(np.sort(Postings([merged], 1.2, 0.75).scores(tokenize(query))),
                               np.sort(expected), rtol=1e-5)


def test_sync_follows_writes_updates_and_deletes(tmp_path):
    index = FakeIndex()
    catalog = Catalog(tmp_path / "catalog")
    index.write("ants", "bees")
    assert catalog.sync(index) and len(catalog) == 2
    assert not catalog.sync(index)  # nothing changed: no work
    index.write("zeb", "moth", "wasp")
    catalog.sync(index)
    assert index.fetched == 5  # only what changed was read
    texts = [f"{t}\n{a}" for t, a in TEXTS.values()]
    expected = dict(zip(TEXTS, reference_bm25(texts, "ants nests"), strict=True))
    got = live_scores(catalog, "ants nests")
    assert got == pytest.approx(expected, rel=1e-5)

    index.write("zeb", suffix=" Macrophages guide the blastema.")
    catalog.sync(index)
    assert len(catalog) == 5 and catalog.scores("macrophages")[catalog.position("zeb")] > 0
    index.remove("bees")
    catalog.sync(index)
    assert catalog.position("bees") is None and len(catalog) == 4
    assert catalog.scores("waggle dance").max() == 0
    assert catalog.allowed(2004, None, (), ()) == {"ants", "moth", "wasp"}  # year = 2000 + len
    assert catalog.allowed(None, None, (), ("zeb", "bees")) == {"zeb"}


def test_a_second_process_and_a_second_client_agree(tmp_path):
    index = FakeIndex()
    index.write("ants", "bees", "zeb")
    first = Catalog(tmp_path / "one")
    first.sync(index)
    reopened = Catalog(tmp_path / "one")  # another process on the same data dir
    fetched = index.fetched
    reopened.sync(index)
    assert index.fetched == fetched  # read from disk, not from the index
    other_client = Catalog(tmp_path / "two")  # another machine's client of one server
    index.write("wasp")
    index.remove("bees")
    for catalog in (first, reopened, other_client):
        catalog.sync(index)
    assert live_scores(first, "ants food") == live_scores(other_client, "ants food") \
        == live_scores(reopened, "ants food")


def test_many_small_writes_are_merged(tmp_path):
    index = FakeIndex()
    catalog = Catalog(tmp_path / "catalog")
    for pid in TEXTS:
        index.write(pid)
        catalog.sync(index)
    for _ in range(3):
        index.write("ants", suffix=" Again.")
        catalog.sync(index)
    assert len(catalog._segments) <= 2  # small segments were folded in
    assert len(list((tmp_path / "catalog").glob("seg*"))) == len(catalog._segments)
    texts = [f"{t}\n{a}" for t, a in TEXTS.values()]
    texts[0] += " Again."
    expected = dict(zip(TEXTS, reference_bm25(texts, "ants again"), strict=True))
    assert live_scores(catalog, "ants again") == pytest.approx(expected, rel=1e-5)


def test_names_come_from_the_catalog(tmp_path):
    index = FakeIndex()
    TEXTS["glow"] = ("GlowNet: lights for moths", "We introduce GlowNet, a lamp moths ignore.")
    try:
        index.write("glow", "moth")
        catalog = Catalog(tmp_path / "catalog")
        catalog.sync(index)
        assert catalog.names.named_in("How bright is GlowNet?") == ["glow"]
    finally:
        TEXTS.pop("glow")
