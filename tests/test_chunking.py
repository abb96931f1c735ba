from assistant.ingest.chunking import chunk_paper, embedding_text
from assistant.ingest.corpus import read_corpus
from assistant.text.sentences import sentences, split_sentences
from assistant.types import Paper
from tests.conftest import BUNDLED


def test_sentences_respect_abbreviations_and_decimals():
    text = "We use e.g. BERT (Avg. 80.1%). Results improve by 3.5 points! Next (A) follows."
    assert sentences(text) == ["We use e.g. BERT (Avg. 80.1%).", "Results improve by 3.5 points!",
                               "Next (A) follows."]


def test_chunks_are_whole_sentences_with_spans_and_overlap():
    for paper in read_corpus(BUNDLED).papers[:20]:
        chunks = chunk_paper(paper, size=400, overlap=120)
        starts = {s for s, _ in split_sentences(paper.abstract)}
        ends = {e for _, e in split_sentences(paper.abstract)}
        for c in chunks:
            assert paper.abstract[c.start:c.end] == c.text
            assert c.start in starts and c.end in ends
            assert len(c.text) <= 400 or len(sentences(c.text)) == 1
        assert chunks[0].start == 0 and chunks[-1].end == len(paper.abstract.rstrip())
        for a, b in zip(chunks, chunks[1:], strict=False):
            # contiguous or overlapping: no sentence lost between chunks
            assert b.start <= a.end or not paper.abstract[a.end:b.start].strip()
        assert [c.number for c in chunks] == list(range(len(chunks)))


def test_no_overlap_setting():
    paper = Paper("p", "T", " ".join(f"Sentence number {i} is here." for i in range(30)))
    chunks = chunk_paper(paper, size=200, overlap=0)
    assert all(b.start > a.end for a, b in zip(chunks, chunks[1:], strict=False))


def test_title_is_embedded_with_each_chunk():
    paper = Paper("p", "My Title", "One sentence here. Another sentence there.")
    chunk = chunk_paper(paper, 700, 100)[0]
    assert embedding_text(chunk).startswith("My Title\n")
    assert chunk.chunk_id == "p::0"
