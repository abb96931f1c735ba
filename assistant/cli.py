"""The `assistant` command: ingest, search and ask over research-paper abstracts."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import AssistantError
from .settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        data_dir=args.data_dir, model=args.model, embedder=args.embedder,
        top_k=getattr(args, "k", None), host=getattr(args, "host", None),
        port=getattr(args, "port", None), n_gpu_layers=args.n_gpu_layers,
    )


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
    from .pipeline import Assistant

    assistant = Assistant(_settings(args))
    if bundled and assistant.count() == 0:
        print("Indexing the bundled corpus (first run)…", file=sys.stderr)
        assistant.ensure_bundled(progress=_progress_bar("indexing"))
    return assistant


def cmd_ingest(args: argparse.Namespace) -> int:
    assistant = _assistant(args, bundled=False)
    report = assistant.ingest(*args.paths, progress=_progress_bar("embedding"))
    print(report.summary())
    for skipped in report.skipped[:20]:
        print(f"  skipped {skipped}")
    if len(report.skipped) > 20:
        print(f"  … and {len(report.skipped) - 20} more skipped")
    print(f"index: {assistant.count()} papers in {assistant.settings.data_dir}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    hits = _assistant(args).search(args.query, k=args.k or 10)
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
    from .types import Answer

    assistant = _assistant(args)
    live = args.stream and sys.stderr.isatty()
    answer = None
    for event in assistant.ask_stream(args.question):
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
    print(answer.text)
    if answer.citations:
        print("\nSources:")
        for c in answer.citations:
            print(f"[{c.number}] {c.title}  ({c.paper_id})")
            print(f"    “{c.quote}”")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .ui import serve

    serve(_settings(args))
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from . import models

    settings = _settings(args)
    if args.install or args.verify:
        for path in models.install(settings):
            print(f"ok  {path} (sha256 verified)")
    for row in models.status(settings):
        print(f"{row['kind']:<22} {row['name']:<20} {row['state']:<28} {row['path']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="index folder (ASSISTANT_DATA_DIR)")
    common.add_argument("--model", help="GGUF file or packaged model name (ASSISTANT_MODEL)")
    common.add_argument("--embedder", help="sentence-transformers folder (ASSISTANT_EMBEDDER)")
    common.add_argument("--n-gpu-layers", type=int, help="layers on the GPU; -1 for all")

    parser = argparse.ArgumentParser(prog="assistant", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add corpus files to the index")
    p.add_argument("paths", nargs="+", help=".txt, .jsonl (BEIR corpus.jsonl too) or .csv")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("search", parents=[common], help="find the papers closest to a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=None, help="number of papers (default 10)")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[common], help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("-k", type=int, default=None, help="papers given to the model")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--stream", action="store_true", help="show the draft as it is written")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", parents=[common], help="start the chat page")
    p.add_argument("--host", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("models", parents=[common], help="list, install and verify models")
    p.add_argument("--install", action="store_true", help="assemble packaged models in models/")
    p.add_argument("--verify", action="store_true", help="check sha256 of models in models/")
    p.set_defaults(func=cmd_models)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
