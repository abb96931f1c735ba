"""Getting papers into the index: one reader per file format (`readers/`), the dispatch that
picks a reader and reports skipped records (`corpus`), sentence-packed chunks (`chunking`),
and embedding and writing in groups that an interruption never loses (`write`).

May import: `assistant.errors`, `assistant.types`, `assistant.settings`, `assistant.text`,
`assistant.runtime`, `assistant.search` (the store and the embedders it writes with), and
modules of this package.
"""
