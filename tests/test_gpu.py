"""GPU offload: the `auto` decision with fake devices, llama.cpp's load log, the setting, and
`assistant doctor` on this machine's real (CPU) build with a real GGUF."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from assistant import Settings
from assistant.answer.generation import LlamaCppGenerator
from assistant.errors import ConfigError
from assistant.runtime import hardware
from assistant.runtime.hardware import CPU_ONLY_BUILD, Device, auto_offload, parse_load_log
from tests.conftest import ROOT, real_model

GIB = 1 << 30
H200 = Device("CUDA0", "NVIDIA H200", "GPU", free=140 * GIB, total=141 * GIB)
SMALL_GPU = Device("CUDA0", "a 1 GiB card", "GPU", free=GIB // 2, total=GIB)
CPU = Device("CPU", "AMD EPYC", "CPU", free=24 * GIB, total=24 * GIB)


@pytest.fixture
def gguf(tmp_path):
    path = tmp_path / "model.gguf"
    path.write_bytes(b"\0" * 4096)
    return path


def test_auto_offloads_every_layer_to_a_gpu_with_room(gguf):
    offload = auto_offload(gguf, 4096, devices=[CPU, H200], gpu_build=True)
    assert offload.layers == -1 and "CUDA0" in offload.reason


def test_auto_stays_on_the_cpu_when_the_gpu_lacks_room(tmp_path):
    big = tmp_path / "big.gguf"
    with open(big, "wb") as handle:
        handle.truncate(2 * GIB)  # sparse: size without the disk
    offload = auto_offload(big, 4096, devices=[CPU, SMALL_GPU], gpu_build=True)
    assert offload.layers == 0 and "needs about" in offload.reason


def test_auto_stays_on_the_cpu_without_a_gpu(gguf, monkeypatch):
    monkeypatch.setattr(hardware, "nvidia_driver", lambda: False)
    assert auto_offload(gguf, 4096, devices=[CPU], gpu_build=False).layers == 0
    assert auto_offload(gguf, 4096, devices=[CPU], gpu_build=True).layers == 0


def test_a_gpu_with_a_cpu_only_build_says_how_to_rebuild(gguf, monkeypatch):
    monkeypatch.setattr(hardware, "nvidia_driver", lambda: True)
    offload = auto_offload(gguf, 4096, devices=[CPU], gpu_build=False)
    assert offload.layers == 0 and offload.reason == CPU_ONLY_BUILD
    assert "install.sh --cuda" in offload.reason


def test_the_generator_warns_and_loads_on_the_cpu_when_the_build_cannot_offload(
        monkeypatch, caplog):
    import llama_cpp

    seen = {}

    class FakeLlama:  # records what the generator asks llama.cpp for
        def __init__(self, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    monkeypatch.setattr(hardware, "nvidia_driver", lambda: True)
    monkeypatch.setattr(hardware, "llama_gpu_build", lambda: False)
    gen = LlamaCppGenerator(real_model("smollm2-135m"), n_ctx=512)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        gen.llm  # noqa: B018
    assert seen["n_gpu_layers"] == 0 and gen.offload.layers == 0
    assert CPU_ONLY_BUILD in caplog.text


def test_the_generator_offloads_everything_when_auto_finds_room(monkeypatch):
    import llama_cpp

    seen = {}

    class FakeLlama:
        def __init__(self, **kwargs):
            seen.update(kwargs)

    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    monkeypatch.setattr(hardware, "llama_gpu_build", lambda: True)
    monkeypatch.setattr(hardware, "llama_devices", lambda: [CPU, H200])
    gen = LlamaCppGenerator(real_model("smollm2-135m"), n_ctx=512)
    gen.llm  # noqa: B018
    assert seen["n_gpu_layers"] == -1
    explicit = LlamaCppGenerator(real_model("smollm2-135m"), n_ctx=512, n_gpu_layers=7)
    explicit.llm  # noqa: B018
    assert seen["n_gpu_layers"] == 7 and explicit.offload.reason == "set by n_gpu_layers"


CUDA_LOG = """\
load_tensors: loading model tensors, this can take a while... (mmap = true)
load_tensors: offloading 24 repeating layers to GPU
load_tensors: offloading output layer to GPU
load_tensors: offloaded 25/25 layers to GPU
load_tensors:        CUDA0 model buffer size =   373.71 MiB
load_tensors:   CPU_Mapped model buffer size =   137.94 MiB
"""


def test_the_load_log_of_a_cuda_build_is_read():
    report = parse_load_log(CUDA_LOG)
    assert (report.layers_offloaded, report.layers_total) == (25, 25)
    assert report.backend == "CUDA" and report.buffers["CUDA0"] == pytest.approx(373.71)


def test_the_load_log_of_a_cpu_build_is_read():
    text = "".join(f"load_tensors: layer {i:3d} assigned to device CPU, is_swa = 0\n"
                   for i in range(25)) + "load_tensors:   CPU_Mapped model buffer size = 463.0 MiB\n"
    report = parse_load_log(text)
    assert (report.layers_offloaded, report.layers_total) == (0, 25)
    assert report.backend == "CPU"


@pytest.mark.parametrize("raw,value", [("auto", "auto"), ("AUTO", "auto"), ("-1", -1),
                                       ("0", 0), ("12", 12), (" 3 ", 3)])
def test_n_gpu_layers_reads_auto_or_a_count(raw, value):
    assert Settings.from_env({"ASSISTANT_N_GPU_LAYERS": raw}).n_gpu_layers == value


def test_n_gpu_layers_defaults_to_auto_and_refuses_other_words():
    assert Settings().n_gpu_layers == "auto"
    for raw in ("many", "--1", "²", "1.5"):
        with pytest.raises(ConfigError, match="n_gpu_layers"):
            Settings.from_env({"ASSISTANT_N_GPU_LAYERS": raw})
    with pytest.raises(ConfigError, match="n_gpu_layers"):
        Settings(n_gpu_layers=True)


def test_the_cli_reads_n_gpu_layers_as_the_environment_does():
    from assistant.serve.cli import build_parser

    parse = build_parser().parse_args
    assert parse(["search", "x", "--n-gpu-layers", "auto"]).n_gpu_layers == "auto"
    assert parse(["search", "x", "--n-gpu-layers", "-1"]).n_gpu_layers == -1
    with pytest.raises(SystemExit):
        parse(["search", "x", "--n-gpu-layers", "many"])


def test_the_real_build_reports_its_devices():
    devices = hardware.llama_devices()
    assert any(d.kind == "CPU" and d.total > 0 for d in devices)


def test_doctor_reports_the_backend_read_from_llama_cpp(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env |= {"ASSISTANT_DATA_DIR": str(tmp_path / "index"),
           "ASSISTANT_MODEL": str(real_model("smollm2-135m"))}
    out = subprocess.run([sys.executable, "-m", "assistant", "doctor", "--json"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout)
    expected = "GPU offload" if hardware.llama_gpu_build() else "CPU only"
    assert found["llama.cpp build"] == expected
    assert found["n_gpu_layers"] == "auto"
    assert "layers offloaded" in found["loaded by llama.cpp"]
    assert found["first_token_ms"] > 0 and found["decode_tokens_per_s"] > 0
    if expected == "CPU only":
        assert found["backend in use"] == "CPU" and found["offload"].startswith("0 ")


DEFAULT_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def _choice(monkeypatch, tmp_path, *, gpu_build=True, layers=-1, larger=True, own=False,
            **settings):
    from assistant import Assistant, pipeline
    from assistant.errors import ModelError
    from assistant.runtime.hardware import Offload

    def resolve(s):
        if s.model == "qwen2.5-coder-1.5b":
            if not larger:
                raise ModelError("not installed")
            return tmp_path / "large.gguf"
        return tmp_path / ("mine.gguf" if own else DEFAULT_FILE)

    monkeypatch.setattr(pipeline, "resolve_model", resolve)
    monkeypatch.setattr(pipeline, "llama_gpu_build", lambda: gpu_build)
    monkeypatch.setattr(pipeline, "auto_offload", lambda path, n_ctx: Offload(layers, "fake"))
    return Assistant(Settings(data_dir=tmp_path / "idx", **settings))._model_path().name


def test_a_gpu_that_holds_the_larger_model_answers_with_it(monkeypatch, tmp_path):
    assert _choice(monkeypatch, tmp_path) == "large.gguf"


@pytest.mark.parametrize("case", [{"gpu_build": False}, {"layers": 0}, {"larger": False},
                                  {"model": "qwen2.5-coder-0.5b"}, {"n_gpu_layers": 0}])
def test_otherwise_the_default_model_stays(monkeypatch, tmp_path, case):
    assert _choice(monkeypatch, tmp_path, **case) == DEFAULT_FILE


def test_a_gguf_of_the_users_own_in_models_is_kept_on_a_gpu(monkeypatch, tmp_path):
    assert _choice(monkeypatch, tmp_path, own=True) == "mine.gguf"


def test_a_load_without_extra_buffers_turns_them_off_and_back_on():
    """On AMX CPUs llama.cpp loads without its extra CPU buffer types (its AMX kernel crashed);
    the switch holds for the load alone."""
    from llama_cpp import llama_cpp as lib

    from assistant.runtime.hardware import extra_buffers

    assert lib.llama_model_default_params().use_extra_bufts
    with extra_buffers(False):
        assert not lib.llama_model_default_params().use_extra_bufts
    assert lib.llama_model_default_params().use_extra_bufts
    with extra_buffers(True):
        assert lib.llama_model_default_params().use_extra_bufts


def test_the_real_load_on_this_cpu_decodes(tmp_path):
    """A whole answer from the tiny model: on an AMX CPU this crashed before the switch."""
    gen = LlamaCppGenerator(real_model("smollm2-135m"), n_ctx=512)
    out = "".join(gen.stream([{"role": "user", "content": "Say hello."}], max_tokens=24,
                             temperature=0.0))
    assert out.strip()
    assert gen.loaded is not None and gen.loaded.backend
