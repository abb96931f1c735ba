"""Cold start of `python app.py` on a fresh data dir: seconds until the page answers HTTP,
until the bundled corpus is indexed, and until the first answer arrives over the HTTP API.

    .venv/bin/python bench/cold_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once() -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log"
        env = dict(os.environ, ASSISTANT_DATA_DIR=str(Path(tmp) / "index"))
        start = time.perf_counter()
        with open(log, "w") as out:
            proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT,
                                    env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        page = indexed = None
        try:
            while time.perf_counter() - start < 300:
                if page is None:
                    try:
                        urllib.request.urlopen(url, timeout=2)
                        page = time.perf_counter() - start
                    except OSError:
                        pass
                if indexed is None and "indexed 94/94" in log.read_text():
                    indexed = time.perf_counter() - start
                if page is not None and indexed is not None:
                    break
                time.sleep(0.1)
            from gradio_client import Client

            Client(url, verbose=False).predict("What is DotaMath?", api_name="/ask")
            first_answer = time.perf_counter() - start
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"page_s": page, "indexed_s": indexed, "first_answer_s": first_answer}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [once() for _ in range(args.runs)]
    report = {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]}
    report["runs"] = runs
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
