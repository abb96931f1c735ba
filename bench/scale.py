"""Cost at 1k, 10k and 100k abstracts: write speed, time to open, search p50/p95, peak RSS
while serving, adding one paper, re-ingesting an unchanged file.

Real SciFact abstracts for the first size; for the larger ones, synthetic abstracts built
from SciFact's sentences (each a random draw of sentences, in a random paper's shape). The
synthetic papers reuse the stored vectors of those sentences (chunk vectors are their means)
instead of embedding 100k abstracts on 2 cores, so their write speed excludes embedding; the
ingest speed with embedding is measured on the real 1k corpus. Quality is not measured here.

    .venv/bin/python bench/scale.py --source .assistant/scifact2 --sizes 1000 10000 100000 \
        --out bench/results/scale.json --plot docs/scale.png
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.ingest.chunking import chunk_paper  # noqa: E402
from assistant.ingest.write import content_hash  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.search.store import ChromaIndex, Written  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text.sentences import split_sentences  # noqa: E402
from assistant.types import Paper  # noqa: E402

SCIFACT = Path("../shared/data/scifact")


def sentence_pool(source: Path) -> tuple[list[tuple[str, np.ndarray]], list[int], list[str]]:
    """(sentence, vector) of every stored SciFact sentence, sentences per paper, titles."""
    index = ChromaIndex(Settings(data_dir=source))
    ids = sorted(index.ids())
    pool, shapes, titles = [], [], []
    for start in range(0, len(ids), 500):
        for rec in index.records(ids[start:start + 500]).values():
            spans = split_sentences(rec.paper.abstract)
            if len(spans) != len(rec.sentence_vectors):
                continue
            pool += [(rec.paper.abstract[s:e], v) for (s, e), v in
                     zip(spans, rec.sentence_vectors, strict=True)]
            shapes.append(len(spans))
            titles.append(rec.paper.title)
    return pool, shapes, titles


def synthetic(n: int, pool, shapes, titles, settings: Settings, name: str, seed: int = 0):
    """n synthetic papers with their vectors, as `Written` records, in groups of 64."""
    rng = random.Random(seed)
    group = []
    for i in range(n):
        picks = [pool[rng.randrange(len(pool))] for _ in range(rng.choice(shapes))]
        abstract = " ".join(text for text, _ in picks)
        paper = Paper(f"syn-{i}", f"{rng.choice(titles)} ({i})", abstract,
                      (f"Author {rng.randrange(5000)}",), 1990 + rng.randrange(35))
        spans = split_sentences(abstract)
        vectors = np.stack([v for _, v in picks])
        if len(spans) != len(vectors):  # a sentence that splits differently when joined
            vectors = np.resize(vectors, (len(spans), vectors.shape[1]))
        chunks = chunk_paper(paper, settings.chunk_size, settings.chunk_overlap)
        chunk_vectors = np.stack([_unit(vectors[[j for j, (s, e) in enumerate(spans)
                                                 if s >= c.start and e <= c.end] or [0]]
                                        .mean(axis=0)) for c in chunks])
        group.append(Written(paper, content_hash(paper, settings, name), chunks, chunk_vectors,
                             vectors))
        if len(group) == 64:
            yield group
            group = []
    if group:
        yield group


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


def run_child(code: str) -> dict:
    """Run a measurement in a fresh process (open time and peak RSS are per process)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


SERVE = """
import json, resource, statistics, sys, time
from assistant.evaluation.metrics import percentile
from assistant.pipeline import Assistant
from assistant.settings import Settings
queries = [json.loads(l)["text"] for l in open("{queries}")][:{n_queries}]
a = Assistant(Settings(data_dir="{data_dir}"))
a.embedder.embed(["warm up"])
t = time.perf_counter()
a.search(queries[0], k=10)
opened = time.perf_counter() - t
times = []
for q in queries[1:]:
    t = time.perf_counter(); a.search(q, k=10); times.append(time.perf_counter() - t)
print(json.dumps({{"open_s": opened, "search_p50_ms": 1000 * statistics.median(times),
                  "search_p95_ms": 1000 * percentile(times, 95),
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}}))
"""

ADD_ONE = """
import json, time
from assistant.pipeline import Assistant
from assistant.settings import Settings
a = Assistant(Settings(data_dir="{data_dir}"))
a.search("warm up", k=1)
t = time.perf_counter()
report = a.ingest("{one}")
added = time.perf_counter() - t
t = time.perf_counter()
again = a.ingest("{file}")
print(json.dumps({{"add_one_s": added, "reingest_unchanged_s": time.perf_counter() - t,
                  "unchanged": again.unchanged, "added_one": report.added}}))
"""


INGEST = """
import json, resource, time
from assistant.pipeline import Assistant
from assistant.settings import Settings
a = Assistant(Settings(data_dir="{data_dir}"))
a.embedder.embed(["warm up"])
t = time.perf_counter()
report = a.ingest("{file}")
print(json.dumps({{"papers": report.added, "ingest_papers_per_s": report.added / (time.perf_counter() - t),
                  "ingest_peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}}))
"""


def real_ingest(n: int, work: Path) -> dict:
    """Ingest the first n SciFact abstracts with the product's embedder, in a fresh process."""
    import shutil

    corpus = work / f"scifact-{n}.jsonl"
    with (SCIFACT / "corpus.jsonl").open() as src, corpus.open("w") as out:
        for _, line in zip(range(n), src, strict=False):
            out.write(line)
    data_dir = work / f"real{n}"
    shutil.rmtree(data_dir, ignore_errors=True)
    return run_child(INGEST.format(data_dir=data_dir, file=corpus))


def measure(size: int, data_dir: Path, pool, shapes, titles, work: Path,
            reuse: bool = False) -> dict:
    settings = Settings(data_dir=data_dir)
    corpus = work / f"synthetic-{size}.jsonl"
    if reuse and corpus.exists() and data_dir.exists():  # measure an index written earlier
        import shutil

        shutil.rmtree(data_dir / "catalog", ignore_errors=True)
        return {"papers": size, "write_papers_per_s": None, **_serve(data_dir, corpus, work)}
    index = ChromaIndex(settings)
    name = Assistant(settings).embedder.name  # the stamp: the product's embedder
    index.check_embedder(name, writing=True)
    start = time.perf_counter()
    with corpus.open("w") as out:
        for group in synthetic(size, pool, shapes, titles, settings, name):
            index.upsert(group, {})
            for w in group:
                p = w.paper
                out.write(json.dumps({"id": p.paper_id, "title": p.title, "abstract": p.abstract,
                                      "authors": list(p.authors), "year": p.year}) + "\n")
    index.bump()
    write_s = time.perf_counter() - start
    return {"papers": size, "write_papers_per_s": size / write_s, **_serve(data_dir, corpus, work)}


def _serve(data_dir: Path, corpus: Path, work: Path) -> dict:
    """Build the catalog in a fresh process, then open, search, add one paper, re-ingest."""
    start = time.perf_counter()
    run_child(f"from assistant.pipeline import Assistant; from assistant.settings import Settings;"
              f"a = Assistant(Settings(data_dir='{data_dir}')); a.retriever.refresh();"
              f"print('{{}}')")
    sync_s = time.perf_counter() - start
    serve = run_child(SERVE.format(queries=SCIFACT / "queries.jsonl", n_queries=101,
                                   data_dir=data_dir))
    one = work / "one.jsonl"
    one.write_text(json.dumps({"id": f"new-{time.time_ns()}",
                               "title": "A new paper on zebrafish fin regrowth",
                               "abstract": "Zebrafish regrow amputated fins from a blastema. "
                               "We show that macrophages guide the blastema's cells."}) + "\n")
    add = run_child(ADD_ONE.format(data_dir=data_dir, one=one, file=corpus))
    return {"catalog_build_s": sync_s, **serve, **add}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, default=Path(".assistant/scifact2"),
                        help="a SciFact index to draw sentences and vectors from")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--work", type=Path, default=Path(".assistant/scale"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/scale.json"))
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--reuse", action="store_true",
                        help="measure indexes already written in --work instead of rewriting")
    parser.add_argument("--ingest", type=int, default=0,
                        help="also time a real ingest of the first N SciFact abstracts")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.ingest:
        print(json.dumps(real_ingest(args.ingest, args.work)), flush=True)
    pool, shapes, titles = sentence_pool(args.source)
    print(f"{len(pool)} sentences from {len(shapes)} papers", flush=True)
    results = []
    for size in args.sizes:
        data_dir = args.work / f"n{size}"
        if data_dir.exists() and not args.reuse:
            import shutil

            shutil.rmtree(data_dir)
        args.work.mkdir(parents=True, exist_ok=True)
        row = measure(size, data_dir, pool, shapes, titles, args.work, args.reuse)
        print(json.dumps(row), flush=True)
        results.append(row)
        args.out.write_text(json.dumps(results, indent=1))  # after each size
    print(f"bench process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB")
    if args.plot:
        plot(results, args.plot)


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["papers"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    axes[0].plot(sizes, [r["search_p50_ms"] for r in results], "o-", label="p50")
    axes[0].plot(sizes, [r["search_p95_ms"] for r in results], "o-", label="p95")
    axes[0].set_title("hybrid search (ms)")
    axes[1].plot(sizes, [r["open_s"] for r in results], "o-", label="open + first search")
    axes[1].plot(sizes, [r["add_one_s"] for r in results], "o-", label="add one paper")
    axes[1].set_title("seconds")
    axes[2].plot(sizes, [r["peak_rss_gb"] for r in results], "o-")
    axes[2].set_title("peak RSS serving (GB)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("abstracts")
        ax.grid(alpha=0.3)
    axes[0].legend()
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
