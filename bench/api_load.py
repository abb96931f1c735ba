"""The HTTP API under concurrent clients, with the real model, over the bundled corpus.

- 1, 4 and 16 clients each share the same questions (`POST /v1/ask`): throughput, latency
  p50/p95, errors; the target is p95 at 16 clients within 16.5 x the single-client p50
  (requests only queue behind the one model).
- `--same`: every request asks one question, so that service times are equal and p95 at 16
  clients measures queueing alone; `burst_floor_over_single_p50` is the sum of the
  single-client service times over their median, the least a burst can take.
- Search latency idle, then while answers stream (`GET /v1/search` during streamed
  `/v1/chat/completions`).

    .venv/bin/python bench/api_load.py [--questions 16] [--out bench/results/api-load.json]
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.evaluation.metrics import percentile  # noqa: E402
from assistant.serve.api import build_api  # noqa: E402


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> float:
    start = time.perf_counter()
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as r:
        r.read()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}")
    return time.perf_counter() - start


def _get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as r:
        r.read()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=16)
    ap.add_argument("--same", action="store_true",
                    help="every request asks the first question: equal service times, so "
                         "p95 at 16 clients shows queueing alone")
    ap.add_argument("--data-dir", default=str(ROOT / ".assistant" / "bench-api"))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    import uvicorn

    assistant = Assistant(Settings.from_env(data_dir=args.data_dir))
    assistant.ensure_bundled()
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text()
            .splitlines() if line.strip()]
    questions = [r["question"] for r in rows if r.get("answers")][:args.questions]
    if args.same:
        questions = questions[:1] * len(questions)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(build_api(assistant), host="127.0.0.1", port=port,
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}/v1"
    _post(f"{base}/ask", {"question": questions[0]})  # load the models
    report: dict = {"questions": len(questions), "levels": {}}
    for clients in (1, 4, 16):
        errors: list[str] = []

        def one(q: str, errors: list[str] = errors) -> float | None:
            try:
                return _post(f"{base}/ask", {"question": q})
            except Exception as exc:  # noqa: BLE001 - counted
                errors.append(f"{type(exc).__name__}: {exc}")
                return None

        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            times = [t for t in pool.map(one, questions) if t is not None]
        wall = time.perf_counter() - start
        if clients == 1:
            # a burst of 16 cannot end before the sum of its service times
            report["burst_floor_over_single_p50"] = round(sum(times) / statistics.median(times), 2)
        report["levels"][clients] = {
            "requests": len(questions), "errors": len(errors), "error_samples": errors[:3],
            "wall_s": round(wall, 2), "throughput_per_min": round(60 * len(times) / wall, 2),
            "p50_s": round(statistics.median(times), 3) if times else None,
            "p95_s": round(percentile(times, 95), 3) if times else None}
        print(clients, report["levels"][clients], flush=True)
    single = report["levels"][1]["p50_s"]
    report["p95_16_over_single_p50"] = round(report["levels"][16]["p95_s"] / single, 2)

    search = f"{base}/search?q=speculative+decoding&k=5"
    idle = [_get(search) for _ in range(10)]
    busy: list[float] = []
    stop = threading.Event()

    def stream_answers() -> None:
        for q in questions:
            if stop.is_set():
                return
            body = {"stream": True, "messages": [{"role": "user", "content": q}]}
            _post(f"{base}/chat/completions", body)

    streamer = threading.Thread(target=stream_answers)
    streamer.start()
    time.sleep(0.5)
    while streamer.is_alive() and len(busy) < 20:
        busy.append(_get(search))
        time.sleep(0.2)
    stop.set()
    streamer.join()
    report["search_idle_p50_ms"] = round(1000 * statistics.median(idle), 1)
    report["search_while_streaming_p50_ms"] = round(1000 * statistics.median(busy), 1)
    report["search_busy_over_idle"] = round(statistics.median(busy) / statistics.median(idle), 2)
    server.should_exit = True
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
