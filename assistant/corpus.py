"""Read corpora: the bundled text format, JSONL (incl. BEIR corpus.jsonl) and CSV.

Each reader yields valid `Paper`s and collects `Skipped` records for the bad ones, so one
malformed line never loses the rest of a file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CorpusError
from .types import Paper, Skipped

_MIN_ABSTRACT_CHARS = 80
_MAX_TITLE_CHARS = 400


@dataclass
class ReadResult:
    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def stable_id(title: str) -> str:
    """An id derived from the normalised title, stable across runs and machines."""
    norm = " ".join(title.lower().split())
    return "t-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:12]


def read_corpus(path: str | Path) -> ReadResult:
    """Read one corpus file, choosing the format by extension (.jsonl/.json, .csv, else text)."""
    path = Path(path)
    text = _read_text(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        result = _read_jsonl(path, text)
    elif suffix in (".csv", ".tsv"):
        result = _read_csv(path, text, delimiter="\t" if suffix == ".tsv" else ",")
    else:
        result = _read_blocks(path, text)
    if not result.papers:
        reasons = "; ".join(str(s) for s in result.skipped[:3])
        raise CorpusError(
            f"{path}: no valid paper found"
            + (f" ({len(result.skipped)} records skipped, e.g. {reasons})" if reasons else "")
            + "; expected a title line then an abstract paragraph, or JSONL/CSV with "
            "title and abstract (or text) fields"
        )
    return _dedupe(path, result)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise CorpusError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise CorpusError(f"{path}: is a folder; pass the corpus files inside it")
    data = path.read_bytes()
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty; add papers to it or pass another file")
    if b"\x00" in data[:8192]:
        raise CorpusError(f"{path}: looks like a binary file; pass a .txt, .jsonl or .csv corpus")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CorpusError(
            f"{path}:{line}: not valid UTF-8 text; save the file as UTF-8"
        ) from None


def _paper(
    path: Path, line: int, rec: dict, skipped: list[Skipped]
) -> Paper | None:
    title = " ".join(str(rec.get("title") or "").split())
    abstract = " ".join(str(rec.get("abstract") or rec.get("text") or "").split())
    if not abstract:
        skipped.append(Skipped(str(path), line, "no abstract (expected an 'abstract' or 'text' field)"))
        return None
    # a record without a title is still usable when it has an id
    if not title and rec.get("_id") is None and rec.get("id") is None:
        skipped.append(Skipped(str(path), line, "no title and no id"))
        return None
    raw_id = rec.get("id", rec.get("_id"))
    paper_id = str(raw_id).strip() if raw_id not in (None, "") else stable_id(title)
    authors = rec.get("authors") or ()
    if isinstance(authors, str):
        authors = [a.strip() for a in re.split(r";|,(?![^()]*\))| and ", authors) if a.strip()]
    year = rec.get("year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        skipped.append(Skipped(str(path), line, f"year {year!r} is not a number"))
        return None
    url = rec.get("url") or None
    return Paper(paper_id, title or paper_id, abstract, tuple(str(a) for a in authors), year,
                 str(url) if url else None)


def _read_jsonl(path: Path, text: str) -> ReadResult:
    result = ReadResult()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            result.skipped.append(Skipped(str(path), number, f"invalid JSON ({exc.msg})"))
            continue
        if not isinstance(rec, dict):
            result.skipped.append(Skipped(str(path), number, "not a JSON object"))
            continue
        paper = _paper(path, number, rec, result.skipped)
        if paper:
            result.papers.append(paper)
    return result


def _read_csv(path: Path, text: str, delimiter: str) -> ReadResult:
    result = ReadResult()
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    fields = {f.strip().lower() for f in (reader.fieldnames or [])}
    if not fields & {"abstract", "text"}:
        raise CorpusError(
            f"{path}:1: the header has no 'abstract' or 'text' column "
            f"(found: {', '.join(sorted(fields)) or 'nothing'}); add one"
        )
    for row in reader:
        number = reader.line_num
        if None in row:  # more cells than header columns
            result.skipped.append(Skipped(str(path), number, "more cells than header columns"))
            continue
        rec = {(k or "").strip().lower(): v for k, v in row.items()}
        paper = _paper(path, number, rec, result.skipped)
        if paper:
            result.papers.append(paper)
    return result


def _read_blocks(path: Path, text: str) -> ReadResult:
    """Title line, blank line, abstract paragraph. Short blocks before the first paper are a header."""
    result = ReadResult()
    blocks: list[tuple[int, str, int]] = []  # (first line, text, line count)
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
        elif current:
            blocks.append((start, " ".join(current), len(current)))
            current = []
    if current:
        blocks.append((start, " ".join(current), len(current)))

    def is_abstract(block: str) -> bool:
        return len(block) >= _MIN_ABSTRACT_CHARS and len(block.split()) >= 12

    seen_paper = False
    i = 0
    while i < len(blocks):
        line, block, n_lines = blocks[i]
        nxt = blocks[i + 1][1] if i + 1 < len(blocks) else None
        if n_lines == 1 and len(block) <= _MAX_TITLE_CHARS and nxt is not None \
                and is_abstract(nxt) and len(nxt) > len(block):
            result.papers.append(Paper(stable_id(block), block, nxt))
            seen_paper = True
            i += 2
            continue
        if seen_paper:  # header lines before the first paper are skipped silently
            reason = ("abstract without a title line" if is_abstract(block)
                      else "title without an abstract paragraph")
            result.skipped.append(Skipped(str(path), line, reason))
        i += 1
    return result


def _dedupe(path: Path, result: ReadResult) -> ReadResult:
    seen: dict[str, int] = {}
    papers: list[Paper] = []
    for paper in result.papers:
        if paper.paper_id in seen:
            result.skipped.append(
                Skipped(str(path), 0, f"duplicate id {paper.paper_id!r}; kept the first")
            )
            continue
        seen[paper.paper_id] = 1
        papers.append(paper)
    result.papers = papers
    return result
