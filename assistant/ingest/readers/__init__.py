"""One module per file format. A reader takes a path and its lines (or byte stream) and
yields `Record(line, paper)` for each usable paper and `Skipped` for each bad record, so one bad
record never loses the rest of a file. `common` holds what every reader shares. To add a
format, add a module here and name it in `assistant.ingest.corpus._READERS`.

May import: `assistant.errors`, `assistant.types`, `assistant.text`, and modules of this package.
"""
