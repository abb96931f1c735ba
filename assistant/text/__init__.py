"""Text rules every stage shares: one tokenizer, stemmer and stopword list (`rules`), one
sentence splitter (`sentences`), paper names (`names`), and text made safe to store and show
(`display`). BM25, the prompt's context and the citation check all use these, so a fix lands
everywhere at once.

May import: `assistant.errors`, `assistant.types`, and modules of this package.
"""
