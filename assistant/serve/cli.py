"""The `assistant` command: ingest, search and ask over research-paper abstracts."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from assistant.errors import AssistantError
from assistant.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        data_dir=args.data_dir, model=args.model, embedder=args.embedder,
        top_k=getattr(args, "k", None), host=getattr(args, "host", None),
        port=getattr(args, "port", None), n_gpu_layers=args.n_gpu_layers,
    )


def _layers(text: str) -> int | str:
    from assistant.settings import layers_value

    value = layers_value(text)
    if value != "auto" and not isinstance(value, int):
        raise argparse.ArgumentTypeError(f"{text!r}: use auto, -1 (all), 0 or a count")
    return value


def _progress_bar(label: str):
    state = {"bar": None}

    def update(done: int, total: int) -> None:
        if total == 0:
            return
        if state["bar"] is None:
            from tqdm import tqdm

            state["bar"] = tqdm(total=total, desc=label, unit="paper", file=sys.stderr)
        bar = state["bar"]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _assistant(args: argparse.Namespace, *, bundled: bool = True):
    from assistant.pipeline import Assistant

    assistant = Assistant(_settings(args))
    if bundled and assistant.count() == 0:
        print("Indexing the bundled corpus (first run)…", file=sys.stderr)
        assistant.ensure_bundled(progress=_progress_bar("indexing"))
    return assistant


def cmd_ingest(args: argparse.Namespace) -> int:
    assistant = _assistant(args, bundled=False)
    report = assistant.ingest(*args.paths, progress=_progress_bar("embedding"),
                              notify=lambda message: print(message + "…", file=sys.stderr))
    print(report.summary())
    for skipped in report.skipped[:20]:
        print(f"  skipped {skipped}")
    if len(report.skipped) > 20:
        print(f"  … and {len(report.skipped) - 20} more skipped")
    for cut in report.truncated[:20]:
        print(f"  truncated {cut}")
    print(f"index: {assistant.count()} papers in {assistant.settings.data_dir}")
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    assistant = _assistant(args, bundled=False)
    removed = assistant.delete(*args.ids)
    missing = len(set(args.ids)) - removed
    print(f"{removed} deleted" + (f", {missing} not in the index" if missing else "")
          + f"; index: {assistant.count()} papers in {assistant.settings.data_dir}")
    return 0


def _filters(args: argparse.Namespace):
    from assistant.search.retrieval import Filters

    return Filters(year_min=args.year_min, year_max=args.year_max,
                   authors=tuple(args.author or ()), paper_ids=tuple(args.id or ()))


def cmd_search(args: argparse.Namespace) -> int:
    hits = _assistant(args).search(args.query, k=args.k or 10, mode=args.mode,
                                   filters=_filters(args), diversify=args.diversify)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
        return 0
    for rank, hit in enumerate(hits, start=1):
        print(f"{rank:2}. {hit.score:.3f}  {hit.title}  [{hit.paper_id}]")
        print(f"    {hit.text[:200]}{'…' if len(hit.text) > 200 else ''}")
    if not hits:
        print("no results")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.types import Answer

    assistant = _assistant(args)
    live = args.stream and sys.stderr.isatty()
    answer = None
    for event in assistant.ask_stream(args.question, filters=_filters(args)):
        if isinstance(event, Answer):
            answer = event
        elif live:
            print(event, end="", file=sys.stderr, flush=True)
    if live:
        print("\n", file=sys.stderr)
    assert answer is not None
    if args.json:
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
        return 0
    _print_answer(answer)
    return 0


def _print_answer(answer) -> None:
    if answer.standalone:
        print(f"(searched for: {answer.standalone})")
    print(answer.text)
    if answer.hedged:
        print("  (fallback: the model's draft failed the check; this quotes the best sentence)")
    for sentence in answer.unsupported:
        print(f"  [removed, no source supports it] {sentence}")
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.number}] {c.title}  ({c.paper_id})")
            print(f"    “{c.quote}”")


def cmd_chat(args: argparse.Namespace) -> int:
    """A conversation on the terminal: one question per line; follow-ups resolve."""
    from assistant.errors import AssistantError
    from assistant.pipeline import Conversation

    chat = Conversation(_assistant(args))
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("? ", end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            _print_answer(chat.ask(line.strip(), filters=_filters(args)))
        except AssistantError as exc:  # a bad question must not end the conversation
            print(f"error: {exc}", file=sys.stderr)
        print(flush=True)


def cmd_eval_retrieval(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from assistant.evaluation.retrieval import evaluate, load_beir
    from assistant.pipeline import Assistant

    corpus, queries, qrels = load_beir(args.folder, args.split)
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    scratch = None
    if not args.data_dir:
        scratch = tempfile.mkdtemp(prefix="assistant-eval-")
        args.data_dir = scratch
    try:
        assistant = Assistant(_settings(args))
        started = time.perf_counter()
        report = assistant.ingest(corpus, progress=_progress_bar("embedding"))
        ingest_s = round(time.perf_counter() - started, 1)
        print(f"corpus: {report.summary()} in {ingest_s} s", file=sys.stderr)
        results = {}
        for mode in args.mode:
            results[mode] = evaluate(assistant, queries, qrels, mode=mode,
                                     progress=_progress_bar(f"{mode} queries"))
            r = results[mode]
            print(f"{mode:<7} nDCG@10 {r['ndcg@10']:.4f}  Recall@10 {r['recall@10']:.4f}  "
                  f"Recall@100 {r['recall@100']:.4f}  MRR@10 {r['mrr@10']:.4f}  "
                  f"search p50 {r['search_ms_p50']} ms  p95 {r['search_ms_p95']} ms  "
                  f"({r['queries']} queries)")
        if args.json:
            with open(args.json, "w") as handle:
                json.dump({"dataset": str(args.folder), "split": args.split, "ingest_s": ingest_s,
                           "ingest": report.summary(), "results": results},
                          handle, indent=2)
            print(f"report: {args.json}")
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


def cmd_eval_qa(args: argparse.Namespace) -> int:
    from assistant.evaluation.qa import load_questions, run

    report = run(_assistant(args), load_questions(args.file),
                 progress=_progress_bar("questions"))
    summary = {k: v for k, v in report.items() if k != "details"}
    print(json.dumps(summary, indent=2))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2)
        print(f"report: {args.json}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.api_only:
        from assistant.serve.api import serve_api

        serve_api(_settings(args))
        return 0
    from assistant.serve.ui import serve

    serve(_settings(args))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from assistant.runtime import models

    settings = _settings(args)
    if args.install or args.verify:
        for path in models.install(settings):
            print(f"ok  {path} (sha256 verified)")
    for row in models.status(settings):
        print(f"{row['kind']:<22} {row['name']:<20} {row['state']:<28} {row['path']}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from assistant.pipeline import Assistant
    from assistant.serve import doctor
    from assistant.text.display import clean

    found = doctor.report(Assistant(_settings(args)), load=not args.no_load)
    if args.json:
        print(json.dumps(found, indent=2, default=str))
        return 0
    for key, value in found.items():
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            print(f"{key if i == 0 else '':<22} {clean(item)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="index folder (ASSISTANT_DATA_DIR)")
    common.add_argument("--model", help="GGUF file or packaged model name (ASSISTANT_MODEL)")
    common.add_argument("--embedder", help="sentence-transformers folder (ASSISTANT_EMBEDDER)")
    common.add_argument("--n-gpu-layers", type=_layers,
                        help="answer-model layers on the GPU: auto (default), 0, -1 for all, N")

    parser = argparse.ArgumentParser(prog="assistant", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add corpus files to the index")
    p.add_argument("paths", nargs="+", help=".txt .jsonl .json .csv .bib .ris .xml (PubMed), also .gz")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("delete", parents=[common], help="remove papers from the index by id")
    p.add_argument("ids", nargs="+", help="paper ids, as `assistant search` shows them")
    p.set_defaults(func=cmd_delete)

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--year-min", type=int, help="only papers from this year on")
    filters.add_argument("--year-max", type=int, help="only papers up to this year")
    filters.add_argument("--author", action="append", help="only papers with this author (repeat)")
    filters.add_argument("--id", action="append", help="only this paper id (repeat)")

    p = sub.add_parser("search", parents=[common, filters], help="find the papers closest to a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="number of papers (default 10)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    p.add_argument("--diversify", action="store_true", help="spread results over topics (MMR)")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common, filters], help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="papers given to the model")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--stream", action="store_true", help="show the draft as it is written")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common, filters],
                       help="a conversation: questions from stdin, follow-ups resolved")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", help="evaluate retrieval (BEIR folder) or answers (question file)")
    ev = p.add_subparsers(dest="what", required=True)
    q = ev.add_parser("retrieval", parents=[common], help="nDCG@10, recall, MRR, latency")
    q.add_argument("folder", help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv")
    q.add_argument("--split", default="test")
    q.add_argument("--mode", action="append", choices=["hybrid", "dense", "bm25"],
                   help="ranking(s) to evaluate (repeat; default hybrid)")
    q.add_argument("--limit", type=int, help="evaluate only the first N queries")
    q.add_argument("--json", help="write the full report to this file")
    q.set_defaults(func=cmd_eval_retrieval)
    q = ev.add_parser("qa", parents=[common], help="answer accuracy, citations, declines, speed")
    q.add_argument("file", help="JSONL: question, gold (titles or ids), answers")
    q.add_argument("--json", help="write the full report to this file")
    q.set_defaults(func=cmd_eval_qa)

    p = sub.add_parser("serve", parents=[common], help="start the chat page")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--api-only", action="store_true",
                   help="serve the HTTP API (/v1/...) without the chat page")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("models", parents=[common], help="list, install and verify models")
    p.add_argument("--install", action="store_true", help="assemble packaged models in models/")
    p.add_argument("--verify", action="store_true", help="check sha256 of models in models/")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("doctor", parents=[common],
                       help="what runs where: CPU or GPU, layers offloaded, memory, speed")
    p.add_argument("--no-load", action="store_true", help="do not load and time the model")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_doctor)
    return parser


class _Printable:
    """A text stream that drops escape sequences and control characters (a stored title
    or a model's reply cannot clear the terminal or retitle it)."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from assistant.text.display import printable

        return self._stream.write(printable(text))

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    if not isinstance(sys.stdout, _Printable):
        sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    args = build_parser().parse_args(argv)
    if getattr(args, "what", None) == "retrieval" and not args.mode:
        args.mode = ["hybrid"]
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
