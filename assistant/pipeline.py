"""The Assistant: one object wiring the stages together, used by the API, the CLI and the UI."""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from assistant.answer import check, context, followup, form, listing, prompting, verdict
from assistant.answer.generation import Generator, LlamaCppGenerator, OpenAICompatGenerator
from assistant.errors import IndexError_, ModelError, QuestionError
from assistant.ingest.write import Progress, ingest
from assistant.runtime.hardware import auto_offload, cuda_available, llama_gpu_build
from assistant.runtime.models import (
    DEFAULT_EMBEDDER,
    DEFAULT_MODEL,
    GGUF_MODELS,
    GPU_MODEL,
    onnx_folder,
    resolve_embedder,
    resolve_model,
    resolve_onnx,
)
from assistant.runtime.scorer import OnnxScorer, Scorer, resolve_scorer
from assistant.search.embedding import Embedder, OnnxEmbedder, SentenceTransformerEmbedder, TorchLateEmbedder
from assistant.search.locking import write_lock
from assistant.search.retrieval import Filters, Retriever
from assistant.search.store import ChromaIndex
from assistant.settings import Settings, bundled_corpus
from assistant.text.names import label
from assistant.text.sentences import sentences
from assistant.types import Answer, Citation, IngestReport, Paper, Source

log = logging.getLogger("assistant")
_MAX_QUESTION_CHARS = 2000
HISTORY_TURNS = 6  # earlier answers a conversation keeps to resolve follow-ups


class FifoLock:
    """A lock granted in arrival order (threading.Lock is not fair), releasable from any
    thread (a streamed answer may be resumed on another worker thread)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._held = False

    def acquire(self) -> None:
        with self._guard:
            if not self._held and not self._waiting:
                self._held = True
                return
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the releasing thread hands the lock over

    @property
    def waiting(self) -> int:
        """How many acquirers wait for their turn."""
        with self._guard:
            return len(self._waiting)

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().set()
            else:
                self._held = False


class Assistant:
    """Ingest corpora, search them and answer questions with cited sources.

    Build it from settings, or inject your own parts (any object implementing the `Embedder`
    or `Generator` protocol); heavy models load on first use.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        generator: Generator | None = None,
        index: ChromaIndex | None = None,
        scorer: Scorer | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        prompting.check_prompts()
        self._embedder = embedder
        self._generator = generator
        self._index = index
        self._scorer = scorer
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()  # one ingest at a time
        self._parts = threading.RLock()  # each part is created once, whichever thread asks
        self._gen_lock = threading.Lock()  # one generation at a time: a Llama is not thread-safe
        self._turns = FifoLock()

    # -- parts, created on first use --------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._parts:
                if self._embedder is None:
                    self._embedder = self._make_embedder()
        return self._embedder

    def _make_embedder(self) -> Embedder:
        s = self.settings
        default = not s.embedder or s.embedder == DEFAULT_EMBEDDER
        if default and s.embedder_backend == "cuda" and not cuda_available():
            raise ModelError("embedder_backend is 'cuda' but torch sees no CUDA GPU; set "
                             "ASSISTANT_EMBEDDER_BACKEND=auto to embed on the CPU")
        if default and (s.embedder_backend == "cuda" or
                        s.embedder_backend == "auto" and cuda_available()):
            self._cuda_for_llama_first()
            _, path = resolve_embedder(s)
            # the stamp names the vector space: the same weights, tokenizer and pooling as
            # the int8 export (cosine 0.99), so a GPU-built index serves a CPU laptop
            return TorchLateEmbedder(path, name=onnx_folder(s).name, batch_size=1024)
        onnx = resolve_onnx(s)
        if onnx is not None:
            return OnnxEmbedder(onnx, name=onnx.name, batch_size=s.embed_batch_size)
        name, path = resolve_embedder(s)
        return SentenceTransformerEmbedder(path, name=name, batch_size=s.embed_batch_size)

    def _cuda_for_llama_first(self) -> None:
        """Load a GPU build's answer model before torch initialises CUDA: on the H200, a
        CUDA build of llama-cpp-python crashed loading a model after torch had, and ran in
        the other order (docs/benchmarks.md, "GPU offload")."""
        if self.settings.llm_base_url or not llama_gpu_build():
            return
        try:
            gen = self.generator
            if isinstance(gen, LlamaCppGenerator) and not gen.loaded_yet:
                with self._gen_lock:
                    gen.llm  # noqa: B018 - loads it
        except ModelError as exc:  # searching and ingesting work without the answer model
            log.warning("the answer model was not loaded before the embedder: %s", exc)

    def _model_path(self) -> Path:
        """The default model, or on a GPU that takes every layer of it, the larger one when
        installed (`install.sh --cuda` installs it): on the H200 it answered more questions
        right for about 20 ms more (docs/benchmarks.md, "GPU offload")."""
        s = self.settings
        path = resolve_model(s)
        if (s.model or s.n_gpu_layers != "auto" or path.name != GGUF_MODELS[DEFAULT_MODEL].filename
                or not llama_gpu_build()):
            return path  # chosen by the user, or a GGUF of their own in models/
        try:
            larger = resolve_model(s.replace(model=GPU_MODEL))
        except ModelError:
            return path
        return larger if auto_offload(larger, s.n_ctx).layers == -1 else path

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            with self._parts:
                if self._generator is None:
                    s = self.settings
                    self._generator = (
                        OpenAICompatGenerator(s.llm_base_url, model=s.llm_model_name,
                                              n_ctx=s.n_ctx) if s.llm_base_url else
                        LlamaCppGenerator(self._model_path(), n_ctx=s.n_ctx,
                                          n_threads=s.n_threads, n_gpu_layers=s.n_gpu_layers,
                                          seed=s.seed, prompt_lookup=s.prompt_lookup))
        return self._generator

    @property
    def scorer(self) -> Scorer:
        """The evidence scorer; without it the assistant says how to install it."""
        if self._scorer is None:
            with self._parts:
                if self._scorer is None:
                    self._scorer = OnnxScorer(resolve_scorer(self.settings.models_dir),
                                              threads=self.settings.n_threads)
        return self._scorer

    def answer_probs(self, question: str, sources: Sequence[Source]) -> dict[str, list[float]]:
        """Paper id -> each abstract sentence's probability of answering the question."""
        out = {}
        for s in sources:
            body = s.abstract or s.text
            out[s.paper_id] = self.scorer.answers(question, sentences(body) or [body])
        return out

    def stances(self, claim: str, sources: Sequence[Source]) -> dict[str, list]:
        """Paper id -> (entails, contradicts, neutral) of the claim for each abstract sentence,
        for the sources close enough to the best to weigh in a verdict."""
        best = max((s.relevance for s in sources), default=0.0)
        return {s.paper_id: self.scorer.entails(claim, sentences(s.abstract or s.text))
                for s in sources if s.relevance >= best - verdict.NEAR}

    @property
    def index(self) -> ChromaIndex:
        if self._index is None:
            with self._parts:
                if self._index is None:
                    self._index = ChromaIndex(self.settings)
        return self._index

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            with self._parts:
                if self._retriever is None:
                    self._retriever = Retriever(self.index, self.embedder, self.settings)
        return self._retriever

    # -- public API -------------------------------------------------------------------------
    def count(self) -> int:
        """Number of papers in the index."""
        return self.index.count()

    def ingest(self, *paths: str | Path, progress: Progress | None = None,
               notify: Callable[[str], None] | None = None) -> IngestReport:
        """Add or update the papers of one or more corpus files; unchanged papers are skipped.
        Writers to one data dir take turns; `notify` hears when this one has to wait."""
        with self._lock, write_lock(self.settings.data_dir, notify=notify):
            report = ingest(self.index, self.embedder, self.settings, list(paths), progress)
            if report.added or report.updated:
                self.index.bump()
                self.retriever.refresh()  # keep BM25 in step with Chroma
            return report

    def delete(self, *paper_ids: str) -> int:
        """Remove papers (their chunks and BM25 entries); returns how many were stored."""
        with self._lock, write_lock(self.settings.data_dir):
            stored = set(self.index.get_papers(list(paper_ids)))
            self.index.delete(stored)
            if stored:
                self.index.bump()
                self.retriever.refresh()
            return len(stored)

    def library(self, offset: int = 0, limit: int = 50,
                filters: Filters | None = None) -> tuple[int, list[Paper]]:
        """(how many papers match, one page of them, newest first) for browsing."""
        retriever = self.retriever
        retriever.refresh()
        catalog = retriever.lexical
        f = filters or Filters()
        ids = catalog.allowed(f.year_min, f.year_max, f.authors, f.paper_ids)
        page = sorted(ids, key=lambda pid: (-int(catalog.years[catalog.position(pid)]), pid))
        page = page[offset:offset + limit]
        found = self.index.get_papers(page)
        return len(ids), [found[pid] for pid in page if pid in found]

    def ensure_bundled(self, progress: Progress | None = None) -> IngestReport | None:
        """Index the bundled corpus when the index is empty."""
        if self.count() > 0:
            return None
        return self.ingest(bundled_corpus(), progress=progress)

    def search(self, query: str, k: int = 10, *, mode: str = "hybrid",
               filters: Filters | None = None, diversify: bool = False) -> list[Source]:
        """Up to `k` distinct papers, best first, each with its best passage and the cosine
        similarity of that passage. `mode`: "hybrid" (default), "dense" or "bm25"."""
        self.index.check_embedder(self.embedder.name)
        return self.retriever.search(query, k, mode=mode, filters=filters, diversify=diversify)

    def ask(self, question: str, *, k: int | None = None, filters: Filters | None = None,
            history: Sequence[Answer] = ()) -> Answer:
        """Answer `question` from the index, citing sources with `[n]` markers. `history`:
        the conversation's earlier answers, to resolve follow-ups ("and its GSM8K score?")."""
        answer = None
        for event in self.ask_stream(question, k=k, filters=filters, history=history):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def ask_stream(self, question: str, *, k: int | None = None, filters: Filters | None = None,
                   history: Sequence[Answer] = ()) -> Iterator[str | Answer]:
        """Yield text pieces as the model writes them, then the checked `Answer`. The turn
        lock is held until the generator finishes or is closed: consume it promptly."""
        question = self.check_question(question)
        self._turns.acquire()  # asks take turns in arrival order, retrieval included
        try:
            yield from self._turn(question, k, filters, history)
        finally:
            self._turns.release()

    def check_question(self, question: object) -> str:
        """The question with its whitespace collapsed, or QuestionError / IndexError_ saying
        what to fix (checked before an answer starts)."""
        if question is not None and not isinstance(question, str):
            raise QuestionError(f"the question must be text, not {type(question).__name__}; "
                                "send a string")
        question = " ".join((question or "").split())
        if not question:
            raise QuestionError("the question is empty; type a question about the papers")
        if len(question) > _MAX_QUESTION_CHARS:
            raise QuestionError(f"the question has {len(question)} characters, more than "
                                f"{_MAX_QUESTION_CHARS}; shorten it")
        if self.count() == 0:
            raise IndexError_(f"the index in {self.settings.data_dir} is empty; run "
                              "`assistant ingest FILE` or `Assistant.ingest(path)` first")
        return question

    def _turn(self, question: str, k: int | None, filters: Filters | None,
              history: Sequence[Answer]) -> Iterator[str | Answer]:
        standalone = followup.rewrite(question, history)
        asked = question
        question = standalone
        claim = verdict.proposition(question)  # a claim is searched without its wrapper
        sources, named = self._sources(claim or question, k or self.settings.top_k, filters)
        if not sources or sources[0].relevance < self.settings.min_relevance and not named:
            yield Answer(asked, prompting.NO_ANSWER, (), tuple(sources), abstained=True,
                         abstention="not_covered", standalone=_changed(standalone, asked))
            return
        if claim:  # a yes/no question or a claim: the verdict is read from the sentences
            numbered = [dataclasses.replace(s, number=i) for i, s in enumerate(sources, 1)]
            decided = verdict.decide(claim, numbered, self.stances(claim, numbered),
                                     echo=verdict.stated(question),
                                     named=verdict.exists(question))
            yield decided.text
            yield Answer(asked, decided.text, decided.citations, tuple(numbered),
                         verdict=decided.kind, standalone=_changed(standalone, asked))
            return
        gen = self.generator
        probs = self.answer_probs(question, sources)
        pieces: list[str] = []
        with self._gen_lock:
            excerpts = context.compress(question, sources, budget=self.settings.context_tokens,
                                        count=gen.count_text, probs=probs, keep=named)
            prompt = prompting.build(question, excerpts, count_tokens=gen.count_tokens,
                                     n_ctx=gen.context_size, max_tokens=self.settings.max_tokens,
                                     hint=form.answer_kind(question))
            grammar = prompting.load_grammar() if self.settings.grammar else None
            for piece in gen.stream(prompt.messages, max_tokens=self.settings.max_tokens,
                                    temperature=self.settings.temperature, grammar=grammar):
                pieces.append(piece)
                yield piece
        listed = listing.asks_for_papers(question)
        checked = check.check("".join(pieces), prompt.sources, question, about=named,
                              max_claims=None if listed else 2,
                              answers=partial(form.gives_answer_type, question))
        if listed:
            checked = self._list(checked, prompt.sources, named, question, probs)
        reason = "" if checked.supported else \
            "model_declined" if checked.declined else "unsupported"
        if not reason and not listed and not form.gives_answer_type(question, checked.text):
            # grounded, but not an answer ("how many" without the count): a failed draft
            reason = "unsupported"
            checked = check.Checked(prompting.NO_ANSWER, (), False,
                                    checked.removed + (checked.text,))
        if reason and not listed:
            retried = self._refocus(question, prompt, probs, named, grammar)
            if retried is not None:
                checked = dataclasses.replace(retried, removed=checked.removed + retried.removed)
                reason = ""
        if not reason and not listed:
            checked = check.shorten(checked, prompt.sources, question, about=named,
                                    answers=partial(form.gives_answer_type, question))
        if reason:
            best = prompt.sources[0]
            closest = context.closest_sentence(question, best, probs.get(best.paper_id))
            if self._on_topic(question, best, named, closest):
                yield self._fallback(asked, standalone, prompt, question, checked, probs,
                                     closest, len(pieces))
                return
        yield Answer(
            question=asked, text=checked.text, citations=checked.citations,
            sources=tuple(prompt.sources), abstained=not checked.supported,
            prompt_tokens=prompt.tokens, completion_tokens=len(pieces), abstention=reason,
            unsupported=checked.removed, standalone=_changed(standalone, asked),
        )

    def _sources(self, question: str, k: int,
                 filters: Filters | None) -> tuple[list[Source], list[str]]:
        """The papers to answer from, and those of them the question points at: by name ("What
        does SNIP stand for?") or, in a question asking for papers, by the examples it gives
        ("such as essential sparsity and ..."). Those stay in the prompt and count as covering
        the question, whatever their relevance score."""
        listed = listing.asks_for_papers(question)
        found = self.search(question, 2 * k if listed else k, filters=filters)
        sources = found[:k]
        wanted = self.retriever.named(question)
        examples = listing.examples(question)
        for example in examples:
            hits = self.retriever.named(example) or [
                listing.described(example, self.search(example, 3, filters=filters))]
            wanted += [pid for pid in hits[:1] if pid and pid not in wanted]
        if listed and not examples:
            wanted += [s.paper_id for s in found if s.paper_id not in wanted
                       and listing.on_topic(question, s.title, self.retriever.lexical.idf)]
        have = {s.paper_id for s in sources}
        for pid in wanted[:k]:
            if pid not in have:
                known = [s for s in found if s.paper_id == pid]
                sources += known or ([] if filters else self.retriever.search(
                    question, 1, filters=Filters(paper_ids=(pid,))))
        wanted = [pid for pid in wanted if any(s.paper_id == pid for s in sources)][:k]
        # retrieval order, but the papers pointed at displace the lowest-ranked others
        room, kept = k - len(wanted), []
        for s in sources:
            if s.paper_id in wanted or room > 0:
                room -= s.paper_id not in wanted
                kept.append(s)
        return kept, wanted

    def _refocus(self, question: str, prompt: prompting.Prompt, probs, named: list[str],
                 grammar: str | None) -> check.Checked | None:
        """A second draft when the first failed: the model sees only the shown sentence the
        scorer ranks first for the question (a small model that restated the question over
        five abstracts often answers from one sentence). Checked like the first; None if it
        fails."""
        candidates = [s for s in prompt.sources if not named or s.paper_id in named]
        if not candidates:
            return None
        score, sentence, source = max(
            ((*context.best_sentence(question, s, probs.get(s.paper_id)), s) for s in candidates),
            key=lambda found: found[0])
        if score == float("-inf"):
            return None
        gen, n = self.generator, source.number
        focused = dataclasses.replace(source, text=sentence)
        with self._gen_lock:
            short = prompting.build(question, [focused], count_tokens=gen.count_tokens,
                                    n_ctx=gen.context_size, max_tokens=self.settings.max_tokens,
                                    hint=form.answer_kind(question))
            draft = "".join(gen.stream(short.messages, max_tokens=self.settings.max_tokens,
                                       temperature=self.settings.temperature, grammar=grammar))
        # checked against every source, as the first draft was: its [1] is source n
        checked = check.check(check.MARKER.sub(f" [{n}]", draft), prompt.sources,
                              question, about=named, max_claims=2,
                              answers=partial(form.gives_answer_type, question))
        if not checked.supported or not form.gives_answer_type(question, checked.text):
            return None
        return checked

    @staticmethod
    def _list(checked: check.Checked, sources: Sequence[Source], wanted: list[str],
              question: str, probs) -> check.Checked:
        """A question asking for papers: add those it points at that the answer left out."""
        text, cites = listing.complete(
            checked.text if checked.supported else "", checked.citations, sources, wanted,
            lambda s: context.closest_sentence(question, s, probs.get(s.paper_id)),
            check.ANSWER_CHARS, question)
        if not cites:
            return checked
        return dataclasses.replace(checked, text=text, citations=cites, supported=True,
                                   declined=False)

    def _on_topic(self, question: str, source: Source, named: list[str], quote: str) -> bool:
        """Clearly about the best paper: a high relevance, a name it introduces, or its
        closest sentence (`quote`) holding most of the question's words beyond its title."""
        if source.relevance >= self.settings.hedge_relevance or source.paper_id in named:
            return True
        words = check.content_words(question) - check.content_words(source.title)
        shared = len(words & check.content_words(quote)) / len(words) if words else 0.0
        return shared >= self.settings.hedge_coverage

    def _fallback(self, asked: str, standalone: str, prompt, question: str, checked,
                  probs, closest: str, completion_tokens: int) -> Answer:
        """The draft failed the check (or the model declined) but the best paper is clearly
        the one asked about: quote the sentence the model saw that best answers the question,
        saying that it is a quote; when none holds the kind of answer asked for, say that the
        best paper's abstract does not give it, citing the paper with its `closest` sentence."""
        common = dict(question=asked, sources=tuple(prompt.sources),
                      prompt_tokens=prompt.tokens, completion_tokens=completion_tokens,
                      unsupported=checked.removed, standalone=_changed(standalone, asked))
        for source in prompt.sources:
            quote = context.closest_sentence(question, source, probs.get(source.paper_id),
                                             answering=True)
            if quote:
                return Answer(text=f'The closest statement in the abstracts is: "{quote}" '
                                   f'[{source.number}]',
                              citations=(Citation(source.number, source.paper_id,
                                                  source.title, quote),),
                              hedged=True, **common)
        source = prompt.sources[0]
        name = label(source.title)
        name = name if len(name) <= 80 else name[:77].rstrip() + "…"
        asked_what = standalone.rstrip(" ?.!")
        asked_what = asked_what[:1].lower() + asked_what[1:] \
            if not any(ch.isupper() for ch in asked_what.split(" ", 1)[0][1:]) else asked_what
        what = asked_what if len(asked_what.split()) <= 12 else "what was asked"
        return Answer(text=f'The abstract of "{name}" does not say {what} [1].',
                      citations=(Citation(1, source.paper_id, source.title, closest),),
                      abstained=True, abstention="not_stated", **common)


def _changed(standalone: str, asked: str) -> str:
    return standalone if standalone != " ".join(asked.split()) else ""


class Conversation:
    """A chat: each question sees the earlier answers, so follow-ups resolve.

        chat = Conversation(assistant)
        chat.ask("What score does DotaMath reach on MATH?")
        chat.ask("And what about its GSM8K score?")
    """

    def __init__(self, assistant: Assistant, *, keep: int = HISTORY_TURNS) -> None:
        self.assistant = assistant
        self.keep = keep
        self.history: list[Answer] = []

    def ask_stream(self, question: str, **options) -> Iterator[str | Answer]:
        for event in self.assistant.ask_stream(question, history=self.history, **options):
            if isinstance(event, Answer):
                self.history = [*self.history, event][-self.keep:]
            yield event

    def ask(self, question: str, **options) -> Answer:
        answer = None
        for event in self.ask_stream(question, **options):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The shared assistant over the bundled corpus (indexed on first use)."""
    global _default
    with _default_lock:
        if _default is None:
            assistant = Assistant(Settings.from_env())
            assistant.ensure_bundled()
            _default = assistant
        return _default


def ask(question: str, *, k: int | None = None) -> Answer:
    """Answer a question from the default assistant over the bundled corpus."""
    return default_assistant().ask(question, k=k)
