"""The answer model with full GPU offload against the same machine's CPU, in one run, on the
assistant's real prompts; and embedding for ingest on the GPU against the CPU.

For each device: `ask()` end to end on bundled questions (retrieval, prompt, generation,
check), then raw llama-cpp-python on the exact final prompt each question produced: time to
first token with the system message cached (as between questions in use) and decode tokens/s.
The GPU run uses `n_gpu_layers=auto` (no setting changed); the CPU run sets 0.

Run on a machine with an NVIDIA GPU and a CUDA build of llama-cpp-python
(docs/benchmarks.md has the `device` recipe):

    python3 bench/gpu.py --out gpu.json [--corpus scifact.jsonl] [--questions 12]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant, Settings  # noqa: E402
from assistant.ingest.corpus import read_corpus  # noqa: E402
from assistant.ingest.write import document  # noqa: E402
from assistant.runtime import hardware  # noqa: E402
from assistant.runtime.models import export_onnx, resolve_embedder, resolve_model  # noqa: E402
from assistant.search.embedding import OnnxEmbedder, TorchLateEmbedder, embed_documents  # noqa: E402
from assistant.settings import bundled_corpus  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from stream_bench import Recording, prime, raw_stream, timed  # noqa: E402


def questions(path: Path, n: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    answerable = [r["question"] for r in rows if r.get("answers") or r.get("gold")]
    return answerable[:n]


def answer_model(label: str, layers: int | str, data_dir: Path, qs: list[str]) -> dict:
    settings = Settings.from_env(data_dir=data_dir, n_gpu_layers=layers)
    gen = Recording(resolve_model(settings), n_ctx=settings.n_ctx,
                    n_threads=settings.n_threads, n_gpu_layers=layers)
    assistant = Assistant(settings, generator=gen)
    assistant.ensure_bundled()
    start = time.perf_counter()
    gen.llm  # noqa: B018 - load
    load_s = time.perf_counter() - start
    assistant.ask(qs[0])  # warm up: embedder, retriever, first generation
    system = gen.last_messages[:1]
    rows = []
    for q in qs:
        start = time.perf_counter()
        answer = assistant.ask(q)
        ask_s = time.perf_counter() - start
        messages = gen.last_messages
        prime(gen, system, cold=False)
        ttft, tps, pieces = timed(raw_stream(gen, messages, settings.max_tokens))
        rows.append({"question": q, "ask_s": ask_s, "ttft_s": ttft, "decode_tps": tps,
                     "pieces": pieces, "prompt_tokens": gen.count_tokens(messages),
                     "abstained": answer.abstained, "hedged": answer.hedged, "answer": answer.text[:200]})
    med = statistics.median
    decode = [r["decode_tps"] for r in rows if r["pieces"] > 2]
    return {
        "label": label, "n_gpu_layers": layers,
        "offload": f"{gen.offload.layers} ({gen.offload.reason})",
        "loaded": str(gen.loaded), "backend": gen.loaded.backend, "load_s": round(load_s, 2),
        "ask_s_p50": round(med(r["ask_s"] for r in rows), 3),
        "ttft_ms_p50": round(1000 * med(r["ttft_s"] for r in rows), 1),
        "decode_tps_p50": round(med(decode), 1) if decode else None,
        "prompt_tokens_p50": med(r["prompt_tokens"] for r in rows),
        "rows": rows,
    }


def embedding(corpus: Path, n_cpu: int, work: Path) -> dict:
    """Papers/s for the vectors ingest needs (chunks, sentences, paper), GPU against CPU."""
    settings = Settings(data_dir=work / "unused")
    docs = [document(p, settings)[1] for p in read_corpus(corpus).papers]
    _, folder = resolve_embedder(settings)
    out: dict = {"papers": len(docs)}
    import torch

    gpu = TorchLateEmbedder(folder, name="gpu", device="cuda", batch_size=1024)
    embed_documents(gpu, docs[:256], late=False)  # load, warm up
    torch.cuda.synchronize()
    start = time.perf_counter()
    embed_documents(gpu, docs, late=False)
    torch.cuda.synchronize()
    out["gpu_fp16_papers_per_s"] = round(len(docs) / (time.perf_counter() - start), 1)
    cpu = TorchLateEmbedder(folder, name="cpu", device="cpu", batch_size=8)
    start = time.perf_counter()
    embed_documents(cpu, docs[:n_cpu], late=False)
    out["cpu_fp32_papers_per_s"] = round(n_cpu / (time.perf_counter() - start), 1)
    try:  # the product's CPU path: int8 ONNX
        onnx = export_onnx(folder, work / "onnx-int8")
        cpu8 = OnnxEmbedder(onnx, name="int8", batch_size=8)
        start = time.perf_counter()
        embed_documents(cpu8, docs[:n_cpu], late=False)
        out["cpu_int8_papers_per_s"] = round(n_cpu / (time.perf_counter() - start), 1)
    except Exception as exc:  # noqa: BLE001 - report, keep the other figures
        out["cpu_int8_error"] = f"{type(exc).__name__}: {exc}"
    out["cpu_threads"] = torch.get_num_threads()
    out["gpu_over_cpu"] = round(out["gpu_fp16_papers_per_s"] /
                                out.get("cpu_int8_papers_per_s", out["cpu_fp32_papers_per_s"]), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--questions", type=int, default=12)
    parser.add_argument("--question-file", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=None, help="default: the bundled corpus")
    parser.add_argument("--cpu-papers", type=int, default=200)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-gpu"))
    parser.add_argument("--skip-embedding", action="store_true")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    qs = questions(args.question_file, args.questions)
    report: dict = {"devices": [str(d) for d in hardware.llama_devices()],
                    "gpu_build": hardware.llama_gpu_build(), "questions": len(qs)}
    runs = [answer_model("gpu (auto)", "auto", args.work / "index", qs),
            answer_model("cpu", 0, args.work / "index", qs)]
    report["answer_model"] = runs
    gpu, cpu = runs
    report["ratios_cpu_over_gpu"] = {
        k: round(cpu[k] / gpu[k], 2) for k in ("ask_s_p50", "ttft_ms_p50") if gpu[k]}
    if gpu["decode_tps_p50"] and cpu["decode_tps_p50"]:
        report["ratios_cpu_over_gpu"]["decode_gpu_over_cpu"] = round(
            gpu["decode_tps_p50"] / cpu["decode_tps_p50"], 2)
    if not args.skip_embedding:
        report["embedding"] = embedding(args.corpus or bundled_corpus(), args.cpu_papers,
                                        args.work)
    summary = {k: v for k, v in report.items() if k != "answer_model"}
    summary["answer_model"] = [{k: v for k, v in r.items() if k != "rows"} for r in runs]
    print(json.dumps(summary, indent=1))
    args.out.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
