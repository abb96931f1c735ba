"""The HTTP API over the same `Assistant` as the page and the CLI: an OpenAI-compatible
`/v1/chat/completions` whose replies carry their citations, and JSON routes to ask, search and
manage the papers. `build_api()` makes a FastAPI app; `assistant serve` runs it beside the
page, `assistant serve --api-only` alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import FastAPI, File, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.errors import AssistantError, CorpusError, QuestionError
from assistant.ingest.corpus import UPLOAD_SUFFIXES
from assistant.pipeline import Assistant
from assistant.search.retrieval import Filters
from assistant.text.display import clean
from assistant.types import Answer

MODEL_ID = "assistant"
JSON_LIMIT = 1 << 20  # bytes of a JSON body
UPLOAD_LIMIT = 200 << 20  # bytes of an uploaded corpus file


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)


class Part(BaseModel):
    type: str = "text"
    text: str = Field(default="", max_length=20_000)


class Message(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[Part] | None = Field(default=None, max_length=20_000)

    def text(self) -> str:
        if isinstance(self.content, list):  # OpenAI's list form: the text parts
            return " ".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[Message] = Field(min_length=1, max_length=200)
    stream: bool = False
    max_tokens: int | None = None  # the assistant's own limits apply
    temperature: float | None = None


class FilterModel(BaseModel):
    year_min: int | None = None
    year_max: int | None = None
    authors: list[str] = Field(default_factory=list, max_length=20)
    paper_ids: list[str] = Field(default_factory=list, max_length=1000)

    def filters(self) -> Filters:
        return Filters(self.year_min, self.year_max, tuple(self.authors),
                       tuple(self.paper_ids))


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=2000)
    k: int | None = Field(default=None, ge=1, le=20)
    filters: FilterModel = Field(default_factory=FilterModel)


# Asks wait for their turn (one model) here, not in the server's shared thread pool, so a
# queue of asks never starves search, the library or a stream that holds the turn.
_ASKS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ask")


async def _off_loop(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_ASKS, fn, *args)


async def _streamed(make: Callable[[], Iterator]) -> AsyncIterator:
    """The events of a blocking generator, run to its end on an ask thread whatever the
    client does (so its turn is always given back); an AssistantError arrives as an event."""
    loop, events = asyncio.get_running_loop(), asyncio.Queue()
    done = object()

    def put(event) -> None:
        with contextlib.suppress(RuntimeError):  # the server's loop has closed: nobody reads
            loop.call_soon_threadsafe(events.put_nowait, event)

    def produce() -> None:
        try:
            for event in make():
                put(event)
        except AssistantError as exc:
            put(exc)
        except Exception as exc:  # noqa: BLE001 - reported to the client, not a traceback
            put(AssistantError(f"the answer failed: {exc}"))
        finally:
            put(done)

    _ASKS.submit(produce)
    while (event := await events.get()) is not done:
        yield event


def citations(answer: Answer) -> list[dict[str, Any]]:
    """The documented `citations` field: one entry per `[n]` marker of the text."""
    return [{"number": c.number, "paper_id": c.paper_id, "title": c.title, "quote": c.quote,
             "url": getattr(c, "url", None)} for c in answer.citations]


def _history(messages: list[dict[str, str]]) -> tuple[str, list[Answer]]:
    """The last user message, and the earlier turns as answers (for follow-ups)."""
    turns, pending = [], None
    for m in messages:
        if m["role"] == "user":
            if pending is not None:
                turns.append(Answer(question=pending, text=""))
            pending = m["content"]
        elif m["role"] == "assistant" and pending is not None:
            turns.append(Answer(question=pending, text=m["content"]))
            pending = None
    return pending or "", turns


def build_api(assistant: Assistant, *, token: str | None = None, prefix: str = "/v1"):
    """The FastAPI app, its routes under `prefix` ("" when mounted at /v1 beside the page).
    With `token`, every route (the schema too) needs `Authorization: Bearer <token>`."""
    # no /docs or /redoc: their pages load scripts from a CDN; /openapi.json is the schema
    app = FastAPI(title="Abstract assistant API", version="1", docs_url=None, redoc_url=None,
                  description="Answers with citations over your paper abstracts. "
                              "`/v1/chat/completions` follows OpenAI's chat API; its responses "
                              "add `citations`: [{number, paper_id, title, quote, url}], one "
                              "per `[n]` marker in the text.")

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return _error(401, "missing or wrong bearer token; send "
                                   "`Authorization: Bearer <ASSISTANT_API_TOKEN>`",
                              "authentication_error")
        origin = request.headers.get("origin")
        if origin and request.method not in ("GET", "HEAD", "OPTIONS") and \
                urlsplit(origin).netloc != request.headers.get("host"):
            # a web page elsewhere may not post papers or questions to this local server
            return _error(403, f"cross-site request from {origin} refused", "permission_error")
        upload = request.method == "POST" and request.url.path.rstrip("/").endswith("/papers")
        limit = UPLOAD_LIMIT if upload else JSON_LIMIT
        size = request.headers.get("content-length")
        if size is None and request.method in ("POST", "PUT", "PATCH") and \
                request.headers.get("transfer-encoding"):
            return _error(411, "send the body with a Content-Length header; chunked bodies "
                               "are refused")
        if size is not None and (not size.isdigit() or int(size) > limit):
            return _error(413, f"the request body is over {limit // (1 << 20)} MB; send less")
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(400, f"{where or 'body'}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(AssistantError)
    async def expected(request: Request, exc: AssistantError):
        return _error(400 if isinstance(exc, (QuestionError, CorpusError)) else 503, str(exc),
                      "assistant_error")

    @app.get(f"{prefix}/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model",
                                            "owned_by": "local"}]}

    @app.post(f"{prefix}/chat/completions")
    async def chat(body: ChatRequest):
        question, history = _history([{"role": m.role, "content": m.text()}
                                      for m in body.messages])
        if not question.strip():
            raise QuestionError("the last message must be a user message with a question")
        question = await _off_loop(assistant.check_question, question)  # 400 before a stream
        ident, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        if not body.stream:
            answer = await _off_loop(lambda: assistant.ask(question, history=history))
            return {"id": ident, "object": "chat.completion", "created": created,
                    "model": MODEL_ID,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": answer.text}}],
                    "usage": {"prompt_tokens": answer.prompt_tokens,
                              "completion_tokens": answer.completion_tokens,
                              "total_tokens": answer.prompt_tokens + answer.completion_tokens},
                    "citations": citations(answer), "assistant": _details(answer)}

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            data = {"id": ident, "object": "chat.completion.chunk", "created": created,
                    "model": MODEL_ID, "choices": [{"index": 0, "delta": delta,
                                                    "finish_reason": finish}], **extra}
            return f"data: {json.dumps(data)}\n\n"

        async def events() -> AsyncIterator[str]:
            yield chunk({"role": "assistant"})
            async for event in _streamed(lambda: assistant.ask_stream(question, history=history)):
                if isinstance(event, AssistantError):
                    yield f"data: {json.dumps({'error': {'message': str(event)}})}\n\n"
                elif isinstance(event, Answer):
                    # only the checked text is sent: a draft sentence the check removes never
                    # reaches the client
                    yield chunk({"content": event.text})
                    yield chunk({}, "stop", citations=citations(event), assistant=_details(event))
                else:
                    yield ": drafting\n\n"  # keeps the connection alive
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.post(f"{prefix}/ask")
    async def ask(body: AskRequest) -> dict:
        answer = await _off_loop(lambda: assistant.ask(body.question, k=body.k,
                                                        filters=body.filters.filters()))
        return answer.to_dict()

    @app.get(f"{prefix}/search")
    def search(q: str = Query(min_length=1, max_length=2000), k: int = Query(10, ge=1, le=100),
               mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
               year_min: int | None = None, year_max: int | None = None,
               author: Annotated[list[str] | None, Query()] = None) -> dict:
        hits = assistant.search(q, k, mode=mode,
                                filters=Filters(year_min, year_max, tuple(author or ())))
        return {"query": q, "results": [h.to_dict() for h in hits]}

    @app.get(f"{prefix}/papers")
    def papers(offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=500),
               year_min: int | None = None, year_max: int | None = None,
               author: Annotated[list[str] | None, Query()] = None) -> dict:
        total, page = assistant.library(offset, limit,
                                        Filters(year_min, year_max, tuple(author or ())))
        return {"total": total, "offset": offset,
                "papers": [{"paper_id": p.paper_id, "title": p.title, "authors": list(p.authors),
                            "year": p.year, "url": p.url, "venue": p.venue} for p in page]}

    @app.post(f"{prefix}/papers")
    def add(file: Annotated[UploadFile, File()]) -> dict:
        name = Path(clean(file.filename or "upload.jsonl")).name
        if not name.lower().endswith(UPLOAD_SUFFIXES):
            raise CorpusError(f"{name!r}: not a corpus file; send one of "
                              f"{', '.join(UPLOAD_SUFFIXES)}")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name  # our own folder and a bare name: no path traversal
            with open(path, "wb") as out:
                while block := file.file.read(1 << 20):
                    out.write(block)
            report = assistant.ingest(path)
        return {"added": report.added, "updated": report.updated,
                "unchanged": report.unchanged, "summary": report.summary(),
                "skipped": [{"line": s.line, "reason": s.reason} for s in report.skipped],
                "truncated": [{"line": s.line, "reason": s.reason} for s in report.truncated]}

    @app.delete(prefix + "/papers/{paper_id}")
    def remove(paper_id: str) -> dict:
        removed = assistant.delete(paper_id)
        if not removed:
            return _error(404, f"no paper {paper_id!r} in the index; "
                               "`GET /v1/papers` lists them", "not_found")
        return {"deleted": paper_id}

    return app


def _details(answer: Answer) -> dict[str, Any]:
    return {"abstained": answer.abstained, "abstention": answer.abstention,
            "hedged": answer.hedged, "verdict": answer.verdict,
            "unsupported": list(answer.unsupported)}


def serve_api(settings, *, block: bool = True):
    """`assistant serve --api-only`: the API alone on settings.host:settings.port."""
    import threading

    import uvicorn

    from assistant.runtime import offline

    offline.enforce()
    assistant = Assistant(settings)
    server = uvicorn.Server(uvicorn.Config(build_api(assistant, token=settings.api_token),
                                           host=settings.host, port=settings.port,
                                           log_level="warning"))
    print(f"API: http://{settings.host}:{settings.port}/v1 (schema at /openapi.json)", flush=True)
    if block:
        server.run()
    else:
        threading.Thread(target=server.run, daemon=True).start()
    return server
