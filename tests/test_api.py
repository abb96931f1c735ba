"""The HTTP API: OpenAI-compatible chat with citations, ask, search, papers, with the fake
embedder and generator over a real Chroma, and one run through the `openai` client against a
served API. The token, the limits and hostile input are in test_security.py."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from assistant.serve.api import build_api
from tests.conftest import wait_until


def test_chat_completions_answers_with_its_citations(client):
    r = client.post("/v1/chat/completions", json={
        "model": "assistant", "messages": [{"role": "user", "content": "How long do cats sleep?"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    text = body["choices"][0]["message"]["content"]
    assert "sixteen hours" in text and "[1]" in text
    [cite] = body["citations"]
    assert cite["paper_id"] == "cats" and cite["number"] == 1
    assert "sixteen hours" in cite["quote"] and cite["title"] == "Sleep in domestic cats"


def test_chat_completions_streams_server_sent_events(client):
    with client.stream("POST", "/v1/chat/completions", json={
            "stream": True, "messages": [{"role": "user", "content": "How long do cats sleep?"}]}
                       ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        data = [line[6:] for line in r.iter_lines() if line.startswith("data: ")]
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "sixteen hours" in text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"][0]["paper_id"] == "cats"


def test_ask_search_and_the_library(client):
    r = client.post("/v1/ask", json={"question": "How long do cats sleep?"})
    assert r.status_code == 200 and r.json()["citations"][0]["paper_id"] == "cats"
    r = client.get("/v1/search", params={"q": "dogs walks", "k": 2})
    assert r.json()["results"][0]["paper_id"] == "dogs"
    r = client.get("/v1/papers")
    assert r.json()["total"] == 2 and [p["paper_id"] for p in r.json()["papers"]] == ["cats", "dogs"]
    r = client.get("/v1/papers", params={"year_min": 2018})
    assert [p["paper_id"] for p in r.json()["papers"]] == ["cats"]
    r = client.get("/v1/papers", params={"author": "jones"})
    assert [p["paper_id"] for p in r.json()["papers"]] == ["dogs"]


def test_papers_are_added_by_upload_and_deleted(client, assistant):
    new = '{"id": "owls", "title": "Owls at night", "abstract": "Owls hunt at night."}\n'
    r = client.post("/v1/papers", files={"file": ("more.jsonl", new.encode())})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and assistant.count() == 3
    assert client.delete("/v1/papers/owls").json() == {"deleted": "owls"}
    assert assistant.count() == 2
    r = client.delete("/v1/papers/owls")
    assert r.status_code == 404 and "GET /v1/papers" in r.json()["error"]["message"]


@pytest.mark.parametrize("name", ["more.tsv", "more.ndjson", "more.bibtex"])
def test_every_format_ingest_reads_can_be_uploaded(client, assistant, name):
    body = {"more.tsv": "id\ttitle\tabstract\nowls\tOwls at night\tOwls hunt at night.\n",
            "more.ndjson": '{"id": "owls", "title": "Owls at night", "abstract": "Owls hunt."}\n',
            "more.bibtex": "@article{owls, title={Owls at night}, abstract={Owls hunt at "
                           "night.}, year={2020}}\n"}[name]
    r = client.post("/v1/papers", files={"file": (name, body.encode())})
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and assistant.count() == 3


@pytest.mark.parametrize("body", [
    {"messages": "How long do cats sleep?"},
    {"messages": [{"role": "user", "content": 42}]},
    {"messages": []},
    {"messages": [{"role": "wizard", "content": "hi"}]},
    {"messages": [{"role": "assistant", "content": "I answer."}]},
])
def test_wrong_types_get_400_with_a_message(client, assistant, body):
    before = assistant.count()
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["message"]
    assert assistant.count() == before


def test_wrong_query_types_get_400(client):
    assert client.get("/v1/search", params={"q": "x", "k": "many"}).status_code == 400
    assert client.post("/v1/ask", json={"question": 7}).status_code == 400


def test_the_schema_is_served_without_external_pages(client):
    schema = client.get("/openapi.json").json()
    assert "/v1/chat/completions" in schema["paths"] and "/v1/papers" in schema["paths"]
    assert client.get("/docs").status_code == 404  # Swagger's page would load a CDN


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_openai_client_talks_to_a_served_api(assistant):
    import openai
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(build_api(assistant, token="t0ken"),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "the API server started")
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="t0ken")
        reply = client.chat.completions.create(
            model="assistant", messages=[{"role": "user", "content": "How long do cats sleep?"}])
        assert "sixteen hours" in reply.choices[0].message.content
        assert reply.model_extra["citations"][0]["paper_id"] == "cats"
        pieces = list(client.chat.completions.create(
            model="assistant", stream=True,
            messages=[{"role": "user", "content": "How long do cats sleep?"}]))
        assert "sixteen hours" in "".join(p.choices[0].delta.content or "" for p in pieces)
        assert pieces[-1].model_extra["citations"][0]["title"] == "Sleep in domestic cats"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong").models.list()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_an_abandoned_stream_gives_its_turn_back(client):
    with client.stream("POST", "/v1/chat/completions", json={
            "stream": True, "messages": [{"role": "user", "content": "How long do cats sleep?"}]}
                       ) as r:
        next(r.iter_lines())  # read one line, then drop the connection
    r = client.post("/v1/ask", json={"question": "How long do cats sleep?"})
    assert r.status_code == 200 and r.json()["citations"]


def test_errors_known_up_front_are_not_streamed(client):
    r = client.post("/v1/chat/completions", json={
        "stream": True, "messages": [{"role": "user", "content": "x" * 2500}]})
    assert r.status_code == 400 and "characters" in r.json()["error"]["message"]


def test_openai_list_content_is_read(client):
    r = client.post("/v1/chat/completions", json={"messages": [
        {"role": "user", "content": [{"type": "text", "text": "How long do cats sleep?"}]}]})
    assert r.status_code == 200 and "sixteen" in r.json()["choices"][0]["message"]["content"]
