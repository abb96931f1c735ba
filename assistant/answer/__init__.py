"""Writing an answer from the retrieved sources, and checking it.

- `prompting`: the prompt files rendered with the sources; `generation`: the `Generator`
  protocol, llama.cpp in process and OpenAI-compatible servers.
- `context`: which sentences of each abstract the prompt shows; `form`: what kind of answer
  a question asks for and whether a sentence gives it.
- `check`: the citation check. Each claim keeps a `[n]` marker only where the cited sentence
  states it, figures bound to what they measure; `shorten` keeps answers short.
- `verdict`: yes / no / not stated for a claim put as a question; `listing`: "which papers"
  questions; `followup`: a follow-up question rewritten to stand alone.

May import: `assistant.errors`, `assistant.types`, `assistant.settings`, `assistant.text`,
`assistant.runtime`, and modules of this package. Never `search` or `ingest`: the pipeline
hands the answer stage its sources.
"""
