"""The chat page: its HTTP API and a smoke test in headless Chromium."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT, FakeScorer

pytestmark = pytest.mark.browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py` on a fresh data dir, answering with SmolLM2."""
    data_dir = tmp_path_factory.mktemp("ui-index")
    log = tmp_path_factory.mktemp("ui-log") / "server.log"
    port = _free_port()
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data_dir), ASSISTANT_MODEL="smollm2-135m",
               ASSISTANT_MAX_TOKENS="64", ASSISTANT_N_CTX="2048")
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"app.py exited: {log.read_text()}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"app.py did not serve {url}: {log.read_text()}")
    yield url, log
    proc.terminate()
    proc.wait(timeout=30)


def test_server_binds_to_loopback_and_reports_indexing(server):
    url, log = server
    assert url.startswith("http://127.0.0.1:")
    from gradio_client import Client

    answer = Client(url, verbose=False).predict("What is DotaMath?", api_name="/ask")
    text = log.read_text()
    assert "Indexing the bundled corpus" in text and "indexed 94/94 papers" in text
    assert answer["sources"][0]["title"].startswith("DotaMath")
    numbers = {s["number"] for s in answer["sources"]}
    assert all(c["number"] in numbers for c in answer["citations"])
    assert answer["abstained"] or answer["citations"]


def test_http_api_reports_errors_as_messages(server):
    from gradio_client import Client

    with pytest.raises(Exception, match="question is empty"):
        Client(server[0], verbose=False).predict("   ", api_name="/ask")


def test_chat_page_in_headless_chromium(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url = server[0]
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(url)
        page.get_by_text("94 papers indexed").wait_for(timeout=180_000)
        page.locator("#question textarea").fill("What is DotaMath?")
        page.locator("#ask").click()
        done = ("() => /Cited papers|Declined/.test("
                "document.querySelector('#sources').innerText)")
        page.wait_for_function(done, timeout=180_000)
        sources = page.locator("#sources").inner_text()
        # a follow-up in the same conversation is rewritten with the first question's subject
        page.locator("#question textarea").fill("What about its GSM8K score?")
        page.locator("#ask").click()
        page.get_by_text("Searched for:").wait_for(timeout=180_000)
        page.wait_for_function(done, timeout=180_000)
        follow = page.locator("#sources").inner_text()
        chat = page.locator("#chat").inner_text()
        page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
        # a new conversation forgets the subject
        page.locator("#new").click()
        page.wait_for_function("() => !document.querySelector('#chat').innerText"
                               ".includes('GSM8K')", timeout=30_000)
        browser.close()
    assert "What is DotaMath?" in chat and "What about its GSM8K score?" in chat
    assert "Cited papers" in sources or "Declined" in sources
    assert "Searched for: What about DotaMath's GSM8K score?" in follow
    outside = [u for u in requested if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert outside == [], f"the page fetched from outside: {outside[:5]}"


def test_the_http_api_is_served_beside_the_page(server):
    import json
    import urllib.request

    base = server[0].rstrip("/")
    with urllib.request.urlopen(f"{base}/v1/models", timeout=30) as r:
        assert json.load(r)["data"][0]["id"] == "assistant"
    with urllib.request.urlopen(f"{base}/v1/search?q=DotaMath&k=1", timeout=120) as r:
        assert "DotaMath" in json.load(r)["results"][0]["title"]


@pytest.mark.parametrize("path", ["/gradio_api/file=/etc/passwd", "/file=/etc/passwd",
                                  "/gradio_api/file=../../../../etc/passwd",
                                  "/v1/papers/..%2F..%2Fetc%2Fpasswd", "/static/../../etc/passwd",
                                  "/gradio_api/file=" + str(ROOT / "pyproject.toml")])
def test_file_routes_do_not_serve_files_outside_the_app(server, path):
    import urllib.error

    try:
        with urllib.request.urlopen(server[0].rstrip("/") + path, timeout=30) as r:
            body = r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        assert exc.code in (400, 403, 404, 405), (path, exc.code)
        return
    assert "root:x:0:0" not in body and "[project]" not in body, path


def test_page_flows_library_upload_delete_filters_phone_and_dark(server, tmp_path):
    """Each flow of the page in Chromium, with a screenshot of each (saved under tmp_path)."""
    from playwright.sync_api import sync_playwright

    corpus = tmp_path / "owls.jsonl"
    corpus.write_text('{"id": "owl-1", "title": "Barn owls hunt by sound", "year": 2031, '
                      '"authors": ["Ada Strix"], "abstract": "Barn owls locate prey in the '
                      'dark by sound alone."}\n{"id": "bad", "title": "No abstract"}\n')
    requested: list[str] = []
    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("request", lambda r: requested.append(r.url))
        page.goto(server[0])
        page.get_by_text("papers indexed").wait_for(timeout=180_000)
        status = page.locator("#status").inner_text()
        page.screenshot(path=str(shots / "status.png"))

        # library: list, upload with its report, find the new paper, delete it
        page.get_by_role("tab", name="Library").click()
        page.locator("#lib-show").click()
        page.get_by_text("papers match").wait_for(timeout=60_000)
        listed = page.locator("#lib-count").inner_text()
        page.locator("#upload input[type=file]").set_input_files(str(corpus))
        page.locator("#add").click()
        page.get_by_text("1 added").wait_for(timeout=120_000)
        report = page.locator("#report").inner_text()
        page.screenshot(path=str(shots / "upload.png"), full_page=True)
        page.locator("#lib-query textarea, #lib-query input").first.fill("barn owls prey")
        page.locator("#lib-show").click()
        page.locator("#library").get_by_text("owl-1").wait_for(timeout=60_000)
        page.locator("#delete-id textarea, #delete-id input").first.fill("owl-1")
        page.locator("#delete").click()
        page.get_by_text("Deleted `owl-1`").or_(page.get_by_text("Deleted owl-1")).wait_for(
            timeout=60_000)
        page.screenshot(path=str(shots / "library.png"), full_page=True)

        # filters apply to the next question: nothing is from 2040 on, so it declines
        page.get_by_role("tab", name="Ask").click()
        page.locator("#filters").get_by_text("Filters for the next question").click()
        page.locator("#year-min input").fill("2040")
        page.locator("#question textarea").fill("What is DotaMath?")
        page.locator("#ask").click()
        page.wait_for_function("() => /Declined|Cited papers/.test("
                               "document.querySelector('#sources').innerText)", timeout=180_000)
        filtered = page.locator("#sources").inner_text()
        page.screenshot(path=str(shots / "filters.png"), full_page=True)

        # phone width: nothing wider than the screen; dark mode follows the system
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        page.get_by_text("papers indexed").wait_for(timeout=60_000)
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(shots / "phone.png"), full_page=True)
        page.emulate_media(color_scheme="dark")
        page.reload()
        page.get_by_text("papers indexed").wait_for(timeout=60_000)
        dark = page.evaluate("document.body.classList.contains('dark') || "
                             "document.documentElement.classList.contains('dark')")
        page.screenshot(path=str(shots / "dark.png"), full_page=True)
        browser.close()
    assert "Model: smollm2" in status.replace("`", "") and "index:" in status
    assert "94 papers match" in listed
    assert "1 added" in report and "skipped line 2" in report and "no abstract" in report
    assert "Declined" in filtered
    assert width <= 400
    assert dark
    assert all((shots / f"{n}.png").stat().st_size > 1000
               for n in ("status", "upload", "library", "filters", "phone", "dark"))
    outside = [u for u in requested if not u.startswith(("http://127.0.0.1", "data:", "blob:"))]
    assert outside == [], f"the page fetched from outside: {outside[:5]}"


def test_each_answer_message_carries_its_own_references():
    from assistant.serve.ui import answer_markdown
    from assistant.types import Answer, Citation, Source

    source = Source("p1", "Cats sleep", "Cats sleep 16 h.", 0.9, number=1, year=2020,
                    authors=("A. One", "B. Two", "C. Three", "D. Four"))
    answer = Answer("How long do cats sleep?", "Cats sleep 16 hours a day [1].",
                    (Citation(1, "p1", "Cats sleep", "Cats sleep 16 h."),), (source,),
                    hedged=True, unsupported=("Dogs sleep more.",))
    text = answer_markdown(answer)
    tag = re.search(r'href="#ref-(\w+)-1"', text).group(1)
    assert text.startswith(f'Cats sleep 16 hours a day [<a href="#ref-{tag}-1" class="marker">1'
                           '</a>].')
    assert (f'<span id="ref-{tag}-1" class="ref">[1]</span> **Cats sleep** (A. One, B. Two, '
            "C. Three et al.; 2020) `p1`") in text
    assert "> Cats sleep 16 h." in text
    assert "Fallback" in text and "~~Dogs sleep more.~~" in text


def test_a_marker_leads_to_its_highlighted_reference(tmp_path):
    """In Chromium, on a page over fakes (so the answer is known): following [1] in an answer
    highlights that answer's own reference and quote."""
    from playwright.sync_api import sync_playwright

    from assistant import Assistant, Settings
    from assistant.serve.ui import _CSS, Indexer, build_app
    from tests.conftest import FakeEmbedder, FakeGenerator

    corpus = tmp_path / "cats.jsonl"
    corpus.write_text('{"id": "cats", "title": "Sleep in domestic cats", "abstract": "Domestic '
                      'cats sleep for sixteen hours per day. Kittens sleep longer."}\n')
    settings = Settings(data_dir=tmp_path / "index", min_relevance=0.0, hedge_relevance=1.01)
    assistant = Assistant(settings, embedder=FakeEmbedder(), scorer=FakeScorer(), generator=FakeGenerator(
        lambda m: "Domestic cats sleep for sixteen hours per day [1]."))
    assistant.ingest(corpus)
    indexer = Indexer(assistant)
    indexer.start()
    app = build_app(assistant, indexer)
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
               css=_CSS)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("papers indexed").wait_for(timeout=60_000)
            page.locator("#question textarea").fill("How long do cats sleep?")
            page.locator("#ask").click()
            marker = page.locator("#chat a.marker").first
            marker.wait_for(timeout=60_000)
            marker.click()
            target = page.evaluate("(document.querySelector(':target') || {}).className")
            colour = page.evaluate("getComputedStyle(document.querySelector(':target'))"
                                   ".backgroundColor")
            page.screenshot(path=str(tmp_path / "marker.png"), full_page=True)
            copied = page.locator("#markdown textarea").input_value()
            browser.close()
    finally:
        app.close()
    assert target == "ref"
    assert colour == "rgb(253, 224, 71)"
    assert copied.startswith("**Q:** How long do cats sleep?")
    assert "sixteen hours per day [1]." in copied and "[1] **Sleep in domestic cats**" in copied
    assert "<a " not in copied and "<span" not in copied


def test_a_token_guards_the_page_and_its_api_too(bundled_index):
    import urllib.error

    from assistant import Settings
    from assistant.serve.ui import serve

    port = _free_port()
    app = serve(Settings(data_dir=bundled_index, api_token="s3cret", port=port,
                         model=str(ROOT / "models" / "smollm2-135m-instruct-q4_1.gguf")),
                block=False)
    base = f"http://127.0.0.1:{port}"
    try:
        for path in ("/config", "/gradio_api/info", "/v1/models"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + path, timeout=30)
            assert refused.value.code == 401, path
        request = urllib.request.Request(base + "/v1/models",
                                         headers={"Authorization": "Bearer s3cret"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200
    finally:
        app.close()
