"""Finding the papers for a question: embedders (`embedding`), the Chroma store of chunks,
papers and sentence vectors (`store`), the BM25 postings (`bm25`) kept on disk beside Chroma
with the year, author and venue filters (`catalog`), and the retriever that fuses dense and
BM25 rankings and computes the relevance the answer gate uses (`retrieval`). `locking` keeps
one writer per index.

May import: `assistant.errors`, `assistant.types`, `assistant.settings`, `assistant.text`,
`assistant.runtime`, and modules of this package.
"""
