"""The chat page: a thin Gradio layer over `Assistant` (gradio is imported lazily)."""

from __future__ import annotations

import html
import re
import secrets
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assistant.answer.check import MARKER
from assistant.errors import AssistantError
from assistant.ingest.corpus import UPLOAD_SUFFIXES
from assistant.pipeline import HISTORY_TURNS, Assistant
from assistant.runtime import offline
from assistant.search.retrieval import Filters
from assistant.settings import Settings
from assistant.types import ABSTENTIONS, Answer

_SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial",
                 "sans-serif"]
# a followed [n] marker highlights its reference
_CSS = ".ref:target { background: #fde047; color: #000; border-radius: 3px; padding: 0 3px; }"
_MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]


class Indexer:
    """Indexes the bundled corpus in the background at start-up, reporting progress."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.ready = threading.Event()
        self.done = 0
        self.total = 0
        self.error: str | None = None

    def start(self) -> None:
        threading.Thread(target=self._run, name="indexer", daemon=True).start()

    def _run(self) -> None:
        try:
            if self.assistant.count() == 0:
                print("Indexing the bundled corpus (first start)…", file=sys.stderr, flush=True)
                self.assistant.ensure_bundled(progress=self._progress)
            self.assistant.search("warm-up", k=1)  # load the embedder and BM25 before a question
        except AssistantError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - shown on the page instead of a traceback
            self.error = f"indexing failed: {exc}"
        finally:
            self.ready.set()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        print(f"  indexed {done}/{total} papers", file=sys.stderr, flush=True)

    def status(self) -> str:
        if self.error:
            return f"**Error:** {self.error}"
        if not self.ready.is_set():
            if self.total:
                return f"Indexing the bundled corpus: {self.done} / {self.total} papers…"
            return "Preparing the index…"
        return f"Ready: {self.assistant.count()} papers indexed. Ask a question."


def sources_html(answer: Answer) -> str:
    """The cited papers with their quotes, then the other sources that were retrieved, the
    sentences removed as unsupported, and the rewritten question of a follow-up."""
    parts = []
    if answer.standalone:
        parts.append(f"<p class='standalone'>Searched for: <em>{html.escape(answer.standalone)}"
                     "</em></p>")
    if answer.unsupported:
        parts.append("<div class='unsupported'><h4>Removed: no source supports these</h4><ul>")
        parts += [f"<li><del>{html.escape(t)}</del></li>" for t in answer.unsupported]
        parts.append("</ul></div>")
    if answer.hedged:
        parts.append("<p class='hedged'><em>Fallback: the model's draft was not supported by "
                     "the sources, so the answer quotes the sentence that best answers the "
                     "question.</em></p>")
    if answer.abstention == "not_stated":
        parts.append("<p class='not-stated'><em>The paper asked about is cited, but its "
                     "abstract does not give this.</em></p>")
    if answer.verdict:
        parts.append(f"<p class='verdict'>Verdict: <strong>{html.escape(answer.verdict)}"
                     "</strong>, read from the cited sentence.</p>")
    if answer.abstained and not answer.citations:
        why = ABSTENTIONS.get(answer.abstention, "no source supports an answer")
        return "".join(parts) + f"<p class='abstained'><em>Declined: {html.escape(why)}.</em></p>"
    parts.append("<div class='cited-sources'><h4>Cited papers</h4><ol>")
    for c in answer.citations:
        parts.append(
            f"<li value='{c.number}' class='citation'><strong>{html.escape(c.title)}</strong>"
            f" <code>{html.escape(c.paper_id)}</code>"
            f"<blockquote>{html.escape(c.quote)}</blockquote></li>"
        )
    parts.append("</ol></div>")
    cited = {c.number for c in answer.citations}
    others = [s for s in answer.sources if s.number not in cited]
    if others:
        parts.append("<details><summary>Other retrieved papers</summary><ul>")
        parts += [f"<li>[{s.number}] {html.escape(s.title)} (score {s.score:.2f})</li>"
                  for s in others]
        parts.append("</ul></details>")
    return "".join(parts)


def answer_markdown(answer: Answer, *, links: bool = True) -> str:
    """One chat message: the answer, what kind of answer it is, and its own numbered sources
    with their quotes (so every answer keeps its sources, and copying it copies them)."""
    tag = uuid.uuid4().hex[:8]  # anchors unique to this message
    lines = [MARKER.sub(lambda m: _links(m, tag), html.escape(answer.text, quote=False))
             if links else answer.text]
    if answer.hedged:
        lines.append("\n*Fallback: the model's draft was not supported, so this quotes the "
                     "sentence that best answers the question.*")
    if answer.abstention == "not_stated":
        lines.append("\n*The paper asked about is cited, but its abstract does not give this.*")
    if answer.unsupported:
        lines.append("\n*Removed, no source supports it:* " +
                     " / ".join(f"~~{t}~~" for t in answer.unsupported))
    if answer.citations:
        by_number = {s.number: s for s in answer.sources}
        lines.append("\n**References**\n")
        for c in answer.citations:
            source = by_number.get(c.number)
            who = ", ".join(source.authors[:3]) + (" et al." if len(source.authors) > 3 else "") \
                if source and source.authors else ""
            meta = "; ".join(x for x in (who, str(source.year) if source and source.year else "")
                             if x)
            number = (f'<span id="ref-{tag}-{c.number}" class="ref">[{c.number}]</span>'
                      if links else f"[{c.number}]")
            lines.append(f"{number} **{c.title}**" + (f" ({meta})" if meta else "") +
                         f" `{c.paper_id}`  \n> {c.quote}\n")
    return "\n".join(lines)


def _links(match, tag: str) -> str:
    """`[1, 2]` as links to the references of the same message (highlighted when followed)."""
    numbers = re.findall(r"\d+", match.group(1))
    inner = ", ".join(f'<a href="#ref-{tag}-{n}" class="marker">{n}</a>' for n in numbers)
    return f"{match.group(0)[:len(match.group(0)) - len(match.group(0).lstrip())]}[{inner}]"


def _filters(year_min: float | None, year_max: float | None, authors: str | None) -> Filters:
    """The page's filter fields: years as numbers (empty: none), authors comma-separated."""
    return Filters(int(year_min) if year_min else None, int(year_max) if year_max else None,
                   tuple(a.strip() for a in (authors or "").split(",") if a.strip()))


def _status(assistant: Assistant, indexer: Indexer) -> str:
    text = indexer.status()
    if indexer.ready.is_set() and not indexer.error:
        s = assistant.settings
        try:
            path = getattr(assistant.generator, "path", None)
            model = s.llm_model_name if s.llm_base_url or path is None else Path(path).name
        except Exception as exc:  # noqa: BLE001 - shown in the status, not raised every second
            model = f"not available ({exc})"
        text += f"  \nModel: `{model}` · index: `{s.data_dir}`"
    return text


def build_app(assistant: Assistant, indexer: Indexer | None = None):
    offline.enforce()
    import gradio as gr

    indexer = indexer or Indexer(assistant)

    def respond(message: str, history: list[dict[str, Any]], answers: list[Answer] | None,
                year_min: float | None = None, year_max: float | None = None,
                author: str = "") -> Iterator[tuple]:
        """Stream one turn; `answers` (the conversation so far) resolves follow-ups."""
        answers = list(answers or [])
        history = list(history or [])
        history.append({"role": "user", "content": message})
        history.append({"role": "assistant", "content": "…"})
        yield history, "", "", answers, ""
        if not indexer.ready.is_set():
            history[-1]["content"] = "Waiting for indexing to finish…"
            yield history, "", "", answers, ""
            indexer.ready.wait()
        if indexer.error:
            history[-1]["content"] = f"**Error:** {indexer.error}"
            yield history, "", "", answers, ""
            return
        draft = ""
        filters = _filters(year_min, year_max, author)
        try:
            for event in assistant.ask_stream(message, history=answers[-HISTORY_TURNS:],
                                              filters=filters or None):
                if isinstance(event, Answer):
                    history[-1]["content"] = answer_markdown(event)
                    yield (history, "", sources_html(event), [*answers, event],
                           f"**Q:** {event.question}\n\n" + answer_markdown(event, links=False))
                else:
                    draft += event
                    history[-1]["content"] = draft
                    yield history, "", "", answers, ""
        except AssistantError as exc:
            history[-1]["content"] = f"**Error:** {exc}"
            yield history, "", "", answers, ""

    def api_ask(question: str) -> dict:
        """Answer a question; returns the Answer as a dict (text, citations, sources)."""
        indexer.ready.wait()
        if indexer.error:
            raise gr.Error(indexer.error)
        try:
            return assistant.ask(question).to_dict()
        except AssistantError as exc:
            raise gr.Error(str(exc)) from None

    with gr.Blocks(title="Abstract assistant", analytics_enabled=False) as app:
        gr.Markdown("## Abstract assistant\nAnswers cite the papers they come from, "
                    "with a quote from each abstract.")
        status = gr.Markdown(indexer.status(), elem_id="status")
        with gr.Tab("Ask", elem_id="tab-ask"):
            chat = gr.Chatbot(label="Conversation", elem_id="chat", height=420,
                              feedback_options=None, buttons=["copy"])
            with gr.Row():
                box = gr.Textbox(placeholder="Ask about the papers…", show_label=False, scale=8,
                                 elem_id="question", autofocus=True)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                new = gr.Button("New conversation", scale=1, elem_id="new")
            with gr.Accordion("Filters for the next question", open=False, elem_id="filters"), \
                    gr.Row():
                year_min = gr.Number(label="From year", precision=0, elem_id="year-min")
                year_max = gr.Number(label="To year", precision=0, elem_id="year-max")
                author = gr.Textbox(label="Author (comma-separated)", elem_id="author")
            sources = gr.HTML(elem_id="sources")
            as_markdown = gr.Textbox(label="The last answer as Markdown, with its references",
                                     lines=4, buttons=["copy"], elem_id="markdown",
                                     interactive=False)
        with gr.Tab("Library", elem_id="tab-library"):
            with gr.Row():
                lib_query = gr.Textbox(label="Search the library", elem_id="lib-query", scale=4)
                lib_year = gr.Number(label="From year", precision=0, scale=1)
                lib_author = gr.Textbox(label="Author", scale=2)
                lib_go = gr.Button("Show", elem_id="lib-show", scale=1)
            lib_count = gr.Markdown(elem_id="lib-count")
            table = gr.Dataframe(headers=["id", "title", "year", "authors"], interactive=False,
                                 elem_id="library", wrap=True)
            with gr.Row():
                delete_id = gr.Textbox(label="Paper id to delete", elem_id="delete-id", scale=4)
                delete = gr.Button("Delete", variant="stop", elem_id="delete", scale=1)
            gr.Markdown("### Add papers\nBibTeX, RIS, PubMed XML, arXiv or OpenAlex/Semantic "
                        "Scholar JSON, JSONL, CSV or text; also `.gz`.")
            upload = gr.File(label="Corpus file", file_count="single", elem_id="upload",
                             file_types=list(UPLOAD_SUFFIXES))
            add = gr.Button("Add to the index", variant="primary", elem_id="add")
            report = gr.Markdown(elem_id="report")
        answers = gr.State([])
        timer = gr.Timer(1.0)

        def poll():
            return _status(assistant, indexer), gr.Timer(active=not indexer.ready.is_set())

        def show(query: str, year: float | None, who: str):
            filters = _filters(year, None, who)
            try:
                if (query or "").strip():
                    hits = assistant.search(query, k=50, filters=filters or None)
                    found = assistant.index.get_papers([h.paper_id for h in hits])
                    papers = [found[h.paper_id] for h in hits if h.paper_id in found]
                    total = len(papers)
                else:
                    total, papers = assistant.library(0, 200, filters)
            except AssistantError as exc:
                return f"**Error:** {exc}", []
            rows = [[p.paper_id, p.title, p.year or "", "; ".join(p.authors[:4])]
                    for p in papers]
            return f"{total} papers match; {len(rows)} shown.", rows

        def remove(paper_id: str):
            paper_id = (paper_id or "").strip()
            if not paper_id:
                return "Type the id of a paper (first column) to delete it."
            try:
                gone = assistant.delete(paper_id)
            except AssistantError as exc:
                return f"**Error:** {exc}"
            return f"Deleted `{paper_id}`." if gone else f"No paper `{paper_id}` in the index."

        def add_file(path: str | None, progress=gr.Progress()):  # noqa: B008 - Gradio's way
            if not path:
                return "Choose a file first."

            def step(done: int, total: int) -> None:
                if total:
                    progress(done / total, desc=f"embedding {done}/{total} papers")

            try:
                result = assistant.ingest(path, progress=step)
            except AssistantError as exc:
                return f"**Error:** {exc}"
            lines = [f"**{result.summary()}**"]
            lines += [f"- skipped line {k.line}: {k.reason}" for k in result.skipped[:50]]
            lines += [f"- truncated line {k.line}: {k.reason}" for k in result.truncated[:20]]
            return "\n".join(lines)

        timer.tick(poll, outputs=[status, timer], api_visibility="private")
        for trigger in (box.submit, send.click):
            # answers take turns behind the one model; the library and search stay free
            trigger(respond, inputs=[box, chat, answers, year_min, year_max, author],
                    outputs=[chat, box, sources, answers, as_markdown], api_visibility="private",
                    concurrency_limit=2, concurrency_id="answers")
        for trigger in (lib_go.click, lib_query.submit):
            trigger(show, inputs=[lib_query, lib_year, lib_author], outputs=[lib_count, table],
                    api_visibility="private")
        delete.click(remove, inputs=[delete_id], outputs=[report], api_visibility="private")
        add.click(add_file, inputs=[upload], outputs=[report], api_visibility="private")
        new.click(lambda: ([], "", "", [], ""), outputs=[chat, box, sources, answers, as_markdown],
                  api_visibility="private")
        gr.api(api_ask, api_name="ask")
    app.indexer = indexer
    return app


def serve(settings: Settings | None = None, *, block: bool = True):
    """Start indexing in the background and serve the page on settings.host:settings.port."""
    offline.enforce()
    import gradio as gr

    settings = settings or Settings.from_env()
    assistant = Assistant(settings)
    indexer = Indexer(assistant)
    indexer.start()
    app = build_app(assistant, indexer)
    theme = gr.themes.Default(font=_SYSTEM_FONTS, font_mono=_MONO_FONTS)
    app.queue(default_concurrency_limit=4)
    token = settings.api_token
    print(f"Chat page: http://{settings.host}:{settings.port}", flush=True)
    app.launch(server_name=settings.host, server_port=settings.port, share=False,
               inbrowser=False, theme=theme, prevent_thread_lock=True, quiet=True,
               footer_links=["api"], show_error=True, max_file_size="200mb", css=_CSS,
               # with a token set, the page asks for it too (any user name)
               auth=(lambda _user, password: secrets.compare_digest(password, token))
               if token else None)
    from assistant.serve.api import build_api

    # the HTTP API beside the page, on the same Assistant (one model, one index)
    app.app.mount("/v1", build_api(assistant, token=settings.api_token, prefix=""))
    print(f"HTTP API: http://{settings.host}:{settings.port}/v1", flush=True)
    if block:
        app.block_thread()
    return app
