"""CSV and TSV with a header row that names an 'abstract' or 'text' column."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import CorpusError
from assistant.ingest.readers.common import NOT_UTF8, Item, Lines, undecodable
from assistant.ingest.readers.jsonl import from_generic
from assistant.types import Skipped

# --- CSV -----------------------------------------------------------------------------------------

def read_csv(path: Path, lines: Lines, delimiter: str = ",") -> Iterator[Item]:
    reader = csv.reader(lines, delimiter=delimiter)
    fields = [name.strip().lower() for name in next(reader, [])]
    if not set(fields) & {"abstract", "text"}:
        raise CorpusError(
            f"{path}:1: the header has no 'abstract' or 'text' column "
            f"(found: {', '.join(sorted(set(fields) - {''})) or 'nothing'}); add one"
        )
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Skipped(str(path), start, f"CSV error ({exc})")
            continue
        if any(cell.strip() for cell in row):
            yield _csv_row(path, start, fields, row)


def _csv_row(path: Path, line: int, fields: list[str], row: list[str]) -> Item:
    if len(row) > len(fields):
        return Skipped(str(path), line, "more cells than header columns")
    if any(undecodable(cell) for cell in row):
        return Skipped(str(path), line, NOT_UTF8)
    return from_generic(path, line, dict(zip(fields, row, strict=False)))


def read_tsv(path: Path, lines: Lines) -> Iterator[Item]:
    return read_csv(path, lines, delimiter="\t")


