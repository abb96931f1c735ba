import json

import pytest

from assistant.errors import CorpusError
from assistant.ingest.corpus import read_corpus, stable_id
from tests.conftest import BUNDLED

ABSTRACT = ("We study a problem in depth. Our method improves accuracy by 12 points on three "
            "benchmarks. Code is released for everyone to use.")


def test_bundled_corpus_has_94_papers_and_no_header_noise():
    result = read_corpus(BUNDLED)
    assert len(result.papers) == 94
    assert result.skipped == []
    assert result.papers[0].title.startswith("Critical Tokens Matter")
    assert all(len(p.abstract) > 200 for p in result.papers)


def test_text_format_reports_title_without_abstract(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text(f"Header\n\nPaper One\n\n{ABSTRACT}\n\nOrphan title\n\nPaper Two\n\n{ABSTRACT}\n")
    result = read_corpus(path)
    assert [p.title for p in result.papers] == ["Paper One", "Paper Two"]
    assert len(result.skipped) == 1 and result.skipped[0].line == 7
    assert "title without an abstract" in result.skipped[0].reason


def test_jsonl_keeps_ids_and_skips_bad_lines(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": "p1", "title": "One", "abstract": ABSTRACT, "authors": ["A", "B"],
                    "year": 2024, "url": "http://x"}),
        "{not json",
        json.dumps({"_id": "p2", "title": "Two", "text": ABSTRACT}),
        json.dumps({"title": "No abstract"}),
        json.dumps({"title": "Three", "abstract": ABSTRACT}),
    ]
    path.write_text("\n".join(lines))
    result = read_corpus(path)
    assert [p.paper_id for p in result.papers] == ["p1", "p2", stable_id("Three")]
    assert result.papers[0].authors == ("A", "B") and result.papers[0].year == 2024
    assert {(s.line, s.reason.split(" (")[0]) for s in result.skipped} == {
        (2, "invalid JSON"), (4, "no abstract")}


def test_csv_with_authors_and_bad_row(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "id,title,abstract,authors,year\n"
        f'a1,First,"{ABSTRACT}","Ann; Bob",2023\n'
        f'a2,Second,"{ABSTRACT}",Cid,not-a-year\n'
    )
    result = read_corpus(path)
    assert [p.paper_id for p in result.papers] == ["a1"]
    assert result.papers[0].authors == ("Ann", "Bob")
    assert result.skipped[0].line == 3 and "year" in result.skipped[0].reason


def test_stable_id_ignores_case_and_spacing():
    assert stable_id("A  Title") == stable_id("a title")


@pytest.mark.parametrize("content,message", [
    (b"", "empty"), (b"\x00\x01binary\x00", "binary"), (b"\xff\xfe\xfa bad", "UTF-8"),
])
def test_unreadable_files_name_the_problem(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=message) as info:
        read_corpus(path)
    assert str(path) in str(info.value)


def test_missing_file_and_no_valid_record(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        read_corpus(tmp_path / "nope.jsonl")
    path = tmp_path / "c.jsonl"
    path.write_text("{bad\n")
    with pytest.raises(CorpusError, match="no valid paper"):
        read_corpus(path)


def test_csv_without_abstract_column(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id,title\n1,x\n")
    with pytest.raises(CorpusError, match="abstract"):
        read_corpus(path)


def test_duplicate_id_is_reported_at_its_own_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text("\n".join(json.dumps({"id": pid, "title": title, "abstract": ABSTRACT})
                              for pid, title in [("p1", "One"), ("p2", "Two"), ("p1", "Copy")]))
    result = read_corpus(path)
    assert [p.title for p in result.papers] == ["One", "Two"]
    assert [(s.line, s.reason) for s in result.skipped] == [(3, "duplicate id 'p1'; kept the first")]


def test_a_stray_nul_byte_skips_its_line_not_the_file(tmp_path):
    from assistant.ingest.corpus import read_corpus

    path = tmp_path / "nul.jsonl"
    path.write_bytes(b'{"id": "a", "title": "Raw", "abstract": "Raw \x00 byte."}\n'
                     b'{"id": "b", "title": "Fine", "abstract": "Fine abstract."}\n')
    result = read_corpus(path)
    assert [p.paper_id for p in result.papers] == ["b"]
    assert result.skipped[0].line == 1


def test_a_blank_title_is_a_missing_title_in_every_format(tmp_path):
    # with an id, the id stands in as the title; without one the record is skipped, named
    abstract = "Owls hunt at night and sleep by day."
    files = {
        "c.jsonl": "\n".join(json.dumps(r) for r in [
            {"id": "o1", "title": " \t ", "abstract": abstract},
            {"id": "o2", "abstract": abstract},
            {"title": "   ", "abstract": abstract}]),
        "c.csv": f"id,title,abstract\no1,  ,{abstract}\no2,,{abstract}\n,   ,{abstract}\n",
        "c.tsv": f"id\ttitle\tabstract\no1\t  \t{abstract}\no2\t\t{abstract}\n\t \t{abstract}\n",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text)
        result = read_corpus(path)
        assert [(p.paper_id, p.title) for p in result.papers] == [("o1", "o1"), ("o2", "o2")], name
        assert [(s.line, s.reason.split(": ")[-1]) for s in result.skipped] == \
            [(4 if name != "c.jsonl" else 3, "no title and no id")], name
