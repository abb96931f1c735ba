"""The importers: BibTeX, RIS, arXiv snapshot, PubMed XML, OpenAlex, Semantic Scholar; streaming."""

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest.corpus import iter_corpus, read_corpus, stable_id
from assistant.ingest.readers import bibtex, jsonl
from assistant.types import Paper, Skipped

DATA = Path(__file__).parent / "data" / "formats"
ABSTRACT = ("We study a problem in depth. Our method improves accuracy by 12 points on three "
            "benchmarks. Code is released for everyone to use.")


def by_id(path) -> dict[str, Paper]:
    return {p.paper_id: p for p in read_corpus(path).papers}


def skips(path) -> list[tuple[int, str]]:
    return [(s.line, s.reason) for s in read_corpus(path).skipped]


def write_lines(path: Path, records: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


# --- BibTeX ---------------------------------------------------------------------------------------

def test_bibtex_fields_with_latex_decoded():
    paper = by_id(DATA / "zotero.bib")["10.1038/s41586-023-06789-1"]
    assert paper.title == "Über die Bedeutung von Schlaf für das Gedächtnis bei Drosophila"
    assert paper.abstract.startswith("Sleep supports memory, but the cellular route is unclear. "
                                     "We deprived flies of sleep for 12 h and")
    assert "fell by 41% (p < 0.01), and naïve controls" in paper.abstract
    assert "calcium — in École-style assays — rescued it." in paper.abstract
    assert paper.authors == ("Anna K. Müller", "Chidi Okafor", "José García", "Fly Sleep Consortium")
    assert (paper.year, paper.venue, paper.doi) == (2023, "Nature", "10.1038/s41586-023-06789-1")
    assert paper.url == "https://www.nature.com/articles/s41586-023-06789-1"
    assert paper.arxiv_id is None


def test_bibtex_key_as_id_string_macro_arxiv_eprint_and_name_parts():
    papers = by_id(DATA / "zotero.bib")
    lee = papers["lee2021retrieval"]
    assert lee.venue == "Advances in Neural Information Processing Systems"  # from @string
    assert lee.arxiv_id == "2101.00001" and lee.url == "https://arxiv.org/abs/2101.00001"
    assert lee.authors == ("Kenton Lee", "Pieter van der Berg", "John Smith Jr.")
    assert lee.abstract.startswith("We retrieve passages") and "  " not in lee.abstract
    assert lee.year == 2021 and lee.doi is None
    vaswani = papers["10.48550/arXiv.1706.03762"]
    assert vaswani.arxiv_id == "1706.03762" and vaswani.title == "Attention Is All You Need"
    assert vaswani.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar")


def test_bibtex_skips_name_the_entry_and_its_line_and_reading_goes_on():
    assert skips(DATA / "zotero.bib")[:1] == [(47, "entry 'knuth1984': no abstract")]
    line, reason = skips(DATA / "zotero.bib")[1]
    assert line == 54 and reason.startswith("entry 'broken2022': malformed (")
    assert "smith_gout_1997" in by_id(DATA / "zotero.bib")  # the entry after the broken one


def test_bibtex_batches_give_the_same_result_and_lines(monkeypatch):
    whole = list(iter_corpus(DATA / "zotero.bib"))
    monkeypatch.setattr(bibtex, "_BIB_BATCH_LINES", 3)
    assert list(iter_corpus(DATA / "zotero.bib")) == whole


def test_bibtex_duplicate_key_and_bad_bytes(tmp_path):
    entry = "@article{{{key},\n  title = {{{title}}},\n  abstract = {{{abstract}}},\n}}\n\n"
    path = tmp_path / "lib.bib"
    path.write_bytes((entry.format(key="a1", title="One", abstract=ABSTRACT)
                      + entry.format(key="a1", title="Again", abstract=ABSTRACT)).encode()
                     + entry.format(key="b2", title="Bad \xff", abstract=ABSTRACT).encode("latin-1")
                     + entry.format(key="c3", title="Three", abstract=ABSTRACT).encode())
    assert list(by_id(path)) == ["a1", "c3"]
    assert skips(path) == [(6, "entry 'a1': duplicate key; kept the first"),
                           (11, "entry 'b2': not valid UTF-8; save the file as UTF-8")]


# --- RIS ------------------------------------------------------------------------------------------

def test_ris_fields():
    papers = by_id(DATA / "sample.ris")
    nature = papers["10.1038/s41586-023-06789-1"]
    assert nature.title == "Sleep deprivation alters memory consolidation via glial signalling"
    assert nature.abstract.endswith("We deprived flies of sleep for 12 h and measured avoidance memory in "
                                    "240 animals.")  # AB continued on a second line
    assert nature.authors == ("Anna K. Müller", "Chidi Okafor")
    assert (nature.year, nature.venue) == (2023, "Nature")
    assert nature.url == "https://www.nature.com/articles/s41586-023-06789-1"
    conf = papers[stable_id("Retrieval for open-domain question answering")]  # T1, N2, A1, Y1, T2
    assert conf.abstract.startswith("We retrieve passages") and conf.authors == ("Kenton Lee",)
    assert (conf.year, conf.venue, conf.doi) == (2021, "Proceedings of ACL", None)
    assert conf.arxiv_id == "2101.00001"  # from the arxiv.org link in UR
    report = papers[stable_id("Global report on hypertension")]
    assert report.authors == ("World Health Organization",) and report.year == 2023


def test_ris_skips():
    assert skips(DATA / "sample.ris") == [
        (27, "DOI 10.1016/S0140-6736(97)00001-1: no abstract"),
        (35, "record has no 'ER  -' line before the next 'TY  -'"),
    ]


def test_ris_cut_short_and_bad_bytes(tmp_path):
    path = tmp_path / "c.ris"
    path.write_bytes(b"TY  - JOUR\nTI  - Caf\xe9\nAB  - " + ABSTRACT.encode() + b"\nER  - \n"
                     b"TY  - JOUR\nTI  - Good\nAB  - " + ABSTRACT.encode() + b"\nER  - \n"
                     b"TY  - JOUR\nTI  - Cut\n")
    assert [p.title for p in read_corpus(path).papers] == ["Good"]
    assert skips(path) == [(1, "not valid UTF-8; save the file as UTF-8"),
                           (9, "the last record has no 'ER  -' line; the file may be cut short")]


# --- arXiv metadata snapshot ----------------------------------------------------------------------

def test_arxiv_snapshot_fields():
    papers = by_id(DATA / "arxiv-snapshot.json")
    paper = papers["arXiv:0704.0001"]
    assert paper.title == ("Calculation of prompt diphoton production cross sections at Tevatron and "
                           "LHC energies")
    assert paper.abstract.startswith("A fully differential calculation in perturbative quantum "
                                     "chromodynamics is presented for")
    assert "\n" not in paper.abstract and "  " not in paper.abstract
    assert paper.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert (paper.year, paper.arxiv_id, paper.doi) == (2007, "0704.0001", "10.1103/PhysRevD.76.013009")
    assert paper.venue == "Phys.Rev.D76:013009,2007" and paper.url == "https://arxiv.org/abs/0704.0001"
    attention = papers["arXiv:1706.03762"]  # empty authors_parsed: the authors string
    assert attention.authors == ("Ashish Vaswani", "Noam Shazeer", "Niki Parmar", "Jakob Uszkoreit")
    assert (attention.venue, attention.year) == ("cs.CL", 2017)
    old = papers["arXiv:math/0211159"]
    assert (old.arxiv_id, old.year, old.venue) == ("math/0211159", 2002, "math.DG")


def test_arxiv_snapshot_skips_a_broken_line_and_goes_on():
    assert skips(DATA / "arxiv-snapshot.json") == [
        (3, "invalid JSON (Unterminated string starting at)"),
        (4, "arXiv hep-th/9901001: no abstract"),
    ]


def test_arxiv_year_falls_back_to_update_date(tmp_path):
    rec = {"id": "1", "title": "T", "abstract": ABSTRACT, "categories": "cs.AI", "versions": [],
           "update_date": "2019-05-02"}
    assert read_corpus(write_lines(tmp_path / "a.jsonl", [rec])).papers[0].year == 2019


# --- PubMed XML -----------------------------------------------------------------------------------

def test_pubmed_fields_structured_abstract_and_inline_markup():
    paper = by_id(DATA / "pubmed.xml")["PMID:38012345"]
    assert paper.title == "Sleep deprivation alters Drosophila memory consolidation via glial signalling."
    assert paper.abstract == (
        "BACKGROUND: Sleep supports memory, but the cellular route is unclear. METHODS: We deprived flies "
        "of sleep for 12 h and measured CO2 avoidance memory in 240 animals. RESULTS: Deprivation reduced "
        "long-term memory by 41% (p < 0.01); restoring glial calcium rescued it. CONCLUSIONS: Glia link "
        "sleep to memory consolidation.")
    assert paper.authors == ("Anna K Müller", "Chidi Okafor", "Fly Sleep Consortium")
    assert (paper.year, paper.venue, paper.doi) == (2023, "Nature", "10.1038/s41586-023-06789-1")
    assert paper.url == "https://pubmed.ncbi.nlm.nih.gov/38012345/"


def test_pubmed_medline_date_and_skip_line():
    old = by_id(DATA / "pubmed.xml")["PMID:10234567"]
    assert (old.year, old.venue, old.authors, old.doi) == (1998, "Journal of clinical epidemiology",
                                                           ("H Tanaka",), None)
    assert skips(DATA / "pubmed.xml") == [(116, "PMID 9876543: no abstract")]


def test_pubmed_gz_and_a_bad_record_does_not_stop_the_file(tmp_path):
    source = (DATA / "pubmed.xml").read_bytes()
    path = tmp_path / "pubmed25n0001.xml.gz"
    path.write_bytes(gzip.compress(source.replace(b"We followed", b"We fol\xff\xfelowed")))
    result = read_corpus(path)
    assert [p.paper_id for p in result.papers] == ["PMID:38012345"]
    assert (result.skipped[0].line, result.skipped[0].reason) == (
        84, "PMID 10234567: XML error at line 100 (Invalid bytes in character encoding)")
    assert result.skipped[1].line == 116


def test_pubmed_broken_tag_and_cut_file(tmp_path):
    source = (DATA / "pubmed.xml").read_bytes()
    path = tmp_path / "tag.xml"
    path.write_bytes(source.replace(b"<Title>Nature</Title>", b"<Title>Nature</Titel>"))
    assert skips(path)[0] == (4, "PMID 38012345: XML error at line 23 (Opening and ending tag mismatch: "
                                 "Title line 23 and Titel)")
    assert list(by_id(path)) == ["PMID:10234567"]
    path = tmp_path / "cut.xml"
    path.write_bytes(source[:source.index(b"<ArticleTitle>Letter")])
    assert list(by_id(path)) == ["PMID:38012345", "PMID:10234567"]
    assert skips(path)[0][0] == 116 and "Premature end of data" in skips(path)[0][1]


def test_xml_that_is_not_pubmed_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel><item/></channel></rss>")
    with pytest.raises(CorpusError, match="no PubmedArticle record.*efetch"):
        list(iter_corpus(path))


# --- OpenAlex and Semantic Scholar ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["openalex-page.json", "openalex-works.jsonl"])
def test_openalex_fields_and_inverted_abstract(name):
    papers = by_id(DATA / name)
    paper = papers["W2741809807"]
    assert paper.title.startswith("The state of OA: a large-scale analysis")
    assert paper.abstract == (
        "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need for "
        "large-scale, up-to-date, and reproducible studies assessing the prevalence and characteristics "
        "of OA. We address this need using three samples.")
    assert paper.authors == ("Heather Piwowar", "Jason Priem", "Stefanie Haustein")
    assert (paper.year, paper.venue, paper.doi) == (2018, "PeerJ", "10.7717/peerj.4375")
    assert paper.url == "https://doi.org/10.7717/peerj.4375"
    preprint = papers["W3177828909"]  # no title: display_name
    assert preprint.title == "Retrieval for open-domain question answering"
    assert (preprint.arxiv_id, preprint.venue) == ("2101.00001", "arXiv (Cornell University)")


def test_openalex_skips():
    assert skips(DATA / "openalex-works.jsonl") == [(2, "OpenAlex W1000000003: no abstract")]
    # positions inside one JSON document are not tracked: the record is named by its index
    assert skips(DATA / "openalex-page.json") == [(0, "results[2]: OpenAlex W1000000003: no abstract")]


def test_semantic_scholar_page():
    papers = by_id(DATA / "s2-page.json")
    paper = papers["204e3073870fae3d05bcbc2f6a8e263d9b72e776"]
    assert paper.title == "Attention is All you Need" and paper.abstract.startswith("The dominant")
    assert paper.authors == ("Ashish Vaswani", "Noam M. Shazeer")
    assert (paper.year, paper.venue, paper.arxiv_id, paper.doi) == (
        2017, "Neural Information Processing Systems", "1706.03762", None)
    assert paper.url == "https://www.semanticscholar.org/paper/204e3073870fae3d05bcbc2f6a8e263d9b72e776"
    nature = papers["a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"]  # venue from journal, year from date
    assert (nature.venue, nature.year, nature.doi) == ("Nature", 2023, "10.1038/s41586-023-06789-1")
    assert nature.url.endswith("/paper/a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")
    assert skips(DATA / "s2-page.json") == [
        (0, "data[2]: Semantic Scholar ffffffffffffffffffffffffffffffffffffffff: no abstract")]


def test_json_dispatch_by_keys_and_one_line_pages(tmp_path):
    assert jsonl.json_kind({"abstract_inverted_index": None, "paperId": "x"}) == "openalex"
    assert jsonl.json_kind({"paperId": "x"}) == "s2"
    assert jsonl.json_kind({"id": "1", "categories": "cs.AI"}) == "arxiv"
    assert jsonl.json_kind({"_id": "1", "text": "x"}) == "generic"
    page = json.loads((DATA / "s2-page.json").read_text())
    path = write_lines(tmp_path / "pages.jsonl", [page, [{"id": "g1", "title": "G", "abstract": ABSTRACT}]])
    assert len(read_corpus(path).papers) == 3
    assert skips(path) == [(1, "data[2]: Semantic Scholar ffffffffffffffffffffffffffffffffffffffff: "
                               "no abstract")]


def test_broken_json_document_is_refused_with_its_line(tmp_path):
    path = tmp_path / "page.json"
    path.write_text('{\n  "results": [\n    {"id": "W1",}\n  ]\n}\n')
    with pytest.raises(CorpusError, match=r"page.json:3: invalid JSON"):
        list(iter_corpus(path))


# --- cleaning, bad bytes, duplicates ---------------------------------------------------------------

def test_control_characters_are_stripped_everywhere(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({
        "id": "c1", "title": "\u0000Red\x1b[31m alert\x1b[0m\u009b title\x07",
        "abstract": ABSTRACT.replace(" ", "\t", 1) + "\u0000 \x1b]0;window title\x07End\u0085here.",
        "authors": ["Ann\u0000 Lee\x1b[1m", "\u0000"], "venue": "Venue\x0c"}) + "\n")
    paper = read_corpus(path).papers[0]
    assert paper.title == "Red alert title"
    assert paper.abstract == ABSTRACT + " End here."
    assert paper.authors == ("Ann Lee",) and paper.venue == "Venue"


def test_control_characters_in_bibtex_ris_and_text(tmp_path):
    bib = tmp_path / "c.bib"
    bib.write_text("@article{k, title = {Bell\x07 and \x1b[2Jclear}, abstract = {" + ABSTRACT + "\x01}}\n")
    assert read_corpus(bib).papers[0].title == "Bell and clear"
    ris = tmp_path / "c.ris"
    ris.write_text("TY  - JOUR\nTI  - Bell\x07 and \x1b[2Jclear\nAB  - " + ABSTRACT + "\x01\nER  - \n")
    assert read_corpus(ris).papers[0].title == "Bell and clear"
    text = tmp_path / "c.txt"
    text.write_text("Bell\x07 and \x1b[2Jclear\n\n" + ABSTRACT + "\x01\n")
    paper = read_corpus(text).papers[0]
    assert (paper.title, paper.abstract) == ("Bell and clear", ABSTRACT)


def test_whitespace_only_title_is_no_title(tmp_path):
    path = write_lines(tmp_path / "c.jsonl", [{"title": " \t ", "abstract": ABSTRACT},
                                              {"title": "\u0000", "abstract": ABSTRACT, "id": "x"}])
    result = read_corpus(path)
    assert [(s.line, s.reason) for s in result.skipped] == [(1, "no title and no id")]
    assert result.papers[0].title == "x"


def test_invalid_utf8_skips_only_its_record(tmp_path):
    good = json.dumps({"title": "Good", "abstract": ABSTRACT}).encode()
    jsonl = tmp_path / "c.jsonl"
    bad = b'{"title": "Caf\xe9", "abstract": "x"}\n'
    jsonl.write_bytes(good + b"\n" + bad + good.replace(b"Good", b"Fine"))
    assert [p.title for p in read_corpus(jsonl).papers] == ["Good", "Fine"]
    assert skips(jsonl) == [(2, "not valid UTF-8; save the file as UTF-8")]
    csv_path = tmp_path / "c.csv"
    csv_path.write_bytes(b'title,abstract\nGood,"' + ABSTRACT.encode() + b'"\nCaf\xe9,"'
                         + ABSTRACT.encode() + b'"\n')
    assert skips(csv_path) == [(3, "not valid UTF-8; save the file as UTF-8")]


def test_duplicate_ids_are_reported_at_their_line(tmp_path):
    path = write_lines(tmp_path / "c.jsonl", [
        {"id": "p1", "title": "One", "abstract": ABSTRACT},
        {"id": "p2", "title": "Two", "abstract": ABSTRACT},
        {"id": "p1", "title": "One again", "abstract": ABSTRACT}])
    result = read_corpus(path)
    assert [p.title for p in result.papers] == ["One", "Two"]
    assert skips(path) == [(3, "duplicate id 'p1'; kept the first")]


def test_csv_record_over_several_lines_is_reported_at_its_first_line(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f'\ufeffid,title,abstract,year\na,"Multi\nline",\"{ABSTRACT}\",2020\nb,B,,2021\n')
    result = read_corpus(path)
    assert result.papers[0].title == "Multi line" and result.papers[0].year == 2020
    assert skips(path) == [(4, "no abstract (expected an 'abstract' or 'text' field)")]


# --- streaming and up-front checks ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["big.jsonl", "big.jsonl.gz"])
def test_iter_corpus_is_lazy(tmp_path, name):
    record = {"title": "Paper {}", "abstract": ABSTRACT * 2, "authors": ["Ann Lee", "Bo Chen"], "year": 2020}
    lines = "".join(json.dumps(record).replace("{}", str(i)) + "\n" for i in range(50_000)).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(lines) if name.endswith(".gz") else lines)
    assert len(lines) > 15_000_000
    tracemalloc.start()
    try:
        items = iter_corpus(path)
        first = next(items)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(first, Paper) and first.title == "Paper 0"
    assert peak < 1_000_000  # a bounded buffer, not the 15 MB file
    assert next(items).title == "Paper 1"
    items.close()


def test_checks_raise_before_iteration(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        iter_corpus(tmp_path / "missing.bib")  # no next() needed
    with pytest.raises(CorpusError, match="is a folder"):
        iter_corpus(tmp_path)
    (tmp_path / "blank.ris").write_text("  \n\n")
    with pytest.raises(CorpusError, match="empty"):
        iter_corpus(tmp_path / "blank.ris")
    (tmp_path / "u16.txt").write_text("Title\n\n" + ABSTRACT, encoding="utf-16")
    with pytest.raises(CorpusError, match="UTF-16.*save the file as UTF-8"):
        iter_corpus(tmp_path / "u16.txt")
    (tmp_path / "fake.jsonl.gz").write_text("not gzip")
    with pytest.raises(CorpusError, match="not a readable gzip file"):
        iter_corpus(tmp_path / "fake.jsonl.gz")


def test_cut_gzip_keeps_what_came_before(tmp_path):
    lines = "".join(json.dumps({"title": f"P{i}", "abstract": ABSTRACT + str(i)}) + "\n" for i in range(2000))
    data = gzip.compress(lines.encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(iter_corpus(path))
    assert sum(isinstance(i, Paper) for i in items) > 100
    last = items[-1]
    assert isinstance(last, Skipped) and "cut short or damaged" in last.reason
