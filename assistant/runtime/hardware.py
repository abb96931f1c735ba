"""What the machine offers the models, read from the libraries themselves: a CUDA GPU for
torch (the embedder), and llama.cpp's own devices and build (the answer model)."""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

_NVIDIA_FILES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version")
_DEVICE_KINDS = {0: "CPU", 1: "GPU", 2: "IGPU", 3: "ACCEL"}  # enum ggml_backend_dev_type
_GIB = 1 << 30


def nvidia_driver() -> bool:
    """Whether an NVIDIA driver is present (cheap: no library is loaded)."""
    return any(Path(p).exists() for p in _NVIDIA_FILES)


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU; asked only where an NVIDIA driver is present, since
    importing torch takes seconds."""
    if not nvidia_driver():
        return False
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - no torch, or a broken CUDA set-up: the CPU it is
        return False


def import_llama():
    """llama_cpp, imported after the embedder's native runtimes. With a CUDA build on the
    H200, importing onnxruntime or torch *after* llama_cpp aborted the process (free():
    invalid pointer), while the other order works (docs/benchmarks.md, "GPU offload")."""
    if "llama_cpp" not in sys.modules:
        for name in ("onnxruntime", "torch") if nvidia_driver() else ("onnxruntime",):
            with contextlib.suppress(Exception):  # not installed or broken: nothing to order
                importlib.import_module(name)
    import llama_cpp

    return llama_cpp


@dataclass(frozen=True)
class Device:
    """One device llama.cpp can run on, as its ggml backend reports it."""

    name: str
    description: str
    kind: str  # CPU, GPU, IGPU (integrated) or ACCEL
    free: int  # bytes
    total: int

    @property
    def offloads(self) -> bool:
        return self.kind in ("GPU", "IGPU")

    def __str__(self) -> str:
        memory = (f", {self.free / _GIB:.1f} of {self.total / _GIB:.1f} GiB free"
                  if self.total else "")
        return f"{self.name} ({self.kind}: {self.description}{memory})"


def _ggml(name: str) -> ctypes.CDLL:
    folder = Path(import_llama().__file__).parent / "lib"
    for candidate in sorted(folder.glob(f"lib{name}.*")) or sorted(folder.glob(f"{name}.*")):
        return ctypes.CDLL(str(candidate))
    raise OSError(f"{name} not found in {folder}")


def llama_devices() -> list[Device]:
    """The devices of this llama-cpp-python build (ggml's backend registry)."""
    try:
        return _read_devices(_ggml("ggml"), _ggml("ggml-base"))  # loads llama_cpp, backends
    except Exception:  # noqa: BLE001 - no build, a library that does not load, a missing symbol
        return []


def _read_devices(ggml: ctypes.CDLL, base: ctypes.CDLL) -> list[Device]:
    ggml.ggml_backend_dev_count.restype = ctypes.c_size_t
    ggml.ggml_backend_dev_get.restype = ctypes.c_void_p
    ggml.ggml_backend_dev_get.argtypes = [ctypes.c_size_t]
    for fn in (base.ggml_backend_dev_name, base.ggml_backend_dev_description):
        fn.restype, fn.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
    base.ggml_backend_dev_type.restype = ctypes.c_int
    base.ggml_backend_dev_type.argtypes = [ctypes.c_void_p]
    base.ggml_backend_dev_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_size_t),
                                             ctypes.POINTER(ctypes.c_size_t)]
    devices = []
    for i in range(ggml.ggml_backend_dev_count()):
        dev = ggml.ggml_backend_dev_get(i)
        free, total = ctypes.c_size_t(0), ctypes.c_size_t(0)
        base.ggml_backend_dev_memory(dev, ctypes.byref(free), ctypes.byref(total))
        devices.append(Device(
            name=(base.ggml_backend_dev_name(dev) or b"").decode(errors="replace"),
            description=(base.ggml_backend_dev_description(dev) or b"").decode(errors="replace"),
            kind=_DEVICE_KINDS.get(base.ggml_backend_dev_type(dev), "other"),
            free=free.value, total=total.value))
    return devices


def llama_gpu_build() -> bool:
    """Whether this llama-cpp-python build can offload layers at all (CUDA, Metal, Vulkan…)."""
    try:
        return bool(import_llama().llama_supports_gpu_offload())
    except Exception:  # noqa: BLE001 - not installed, or its library does not load
        return False


CPU_ONLY_BUILD = ("a GPU is present but llama-cpp-python was built for the CPU only; rebuild it "
                  "with `bash scripts/install.sh --cuda` to run the answer model on the GPU")


@dataclass(frozen=True)
class Offload:
    """How many layers to offload and why (`n_gpu_layers`: -1 all, 0 none)."""

    layers: int
    reason: str


def need_bytes(model_size: int, n_ctx: int) -> int:
    """A generous estimate of the GPU memory a GGUF model takes: its weights, a KV cache of
    up to 64 KiB per context token (more than any model up to about 8B parameters needs in
    fp16), and 512 MiB of compute buffers."""
    return int(model_size * 1.1) + n_ctx * 64 * 1024 + 512 * (1 << 20)


def auto_offload(model: Path, n_ctx: int, devices: list[Device] | None = None,
                 gpu_build: bool | None = None) -> Offload:
    """`n_gpu_layers=auto`: every layer when this build sees a GPU with room for the model,
    none otherwise."""
    gpu_build = llama_gpu_build() if gpu_build is None else gpu_build
    if not gpu_build:
        if nvidia_driver():
            return Offload(0, CPU_ONLY_BUILD)
        return Offload(0, "no GPU: llama-cpp-python is a CPU build")
    gpus = [d for d in (llama_devices() if devices is None else devices) if d.offloads]
    if not gpus:
        return Offload(0, "this GPU build of llama-cpp-python sees no GPU")
    need = need_bytes(model.stat().st_size, n_ctx)
    free = sum(d.free for d in gpus)
    names = ", ".join(d.name for d in gpus)
    if free < need:
        return Offload(0, f"{names}: {free / _GIB:.1f} GiB free, the model needs about "
                          f"{need / _GIB:.1f} GiB; running on the CPU")
    return Offload(-1, f"all layers on {names} ({free / _GIB:.1f} GiB free, about "
                       f"{need / _GIB:.1f} GiB needed)")


@dataclass(frozen=True)
class LoadReport:
    """What llama.cpp said while loading a model: layers offloaded and buffers per device."""

    layers_offloaded: int | None
    layers_total: int | None
    buffers: dict[str, float]  # device -> MiB of model weights

    @property
    def backend(self) -> str:
        gpu = [d for d in self.buffers if not d.upper().startswith("CPU")]
        if self.layers_offloaded and gpu:
            return "+".join(sorted({re.sub(r"\d+$", "", d) for d in gpu}))
        return "CPU"

    def __str__(self) -> str:
        layers = (f"{self.layers_offloaded}/{self.layers_total} layers offloaded"
                  if self.layers_total is not None else "layers offloaded: not reported")
        buffers = ", ".join(f"{d} {mib:.0f} MiB" for d, mib in self.buffers.items())
        return f"{self.backend}; {layers}" + (f"; weights: {buffers}" if buffers else "")


_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
_ASSIGNED = re.compile(r"layer\s+\d+ assigned to device (\S+?),")
_BUFFER = re.compile(r"(\S+) model buffer size\s*=\s*([\d.]+) MiB")


def parse_load_log(text: str) -> LoadReport:
    """llama.cpp's "offloaded 25/25 layers to GPU" when it prints one (GPU builds), else its
    "layer N assigned to device X" lines."""
    buffers: dict[str, float] = {}
    for device, mib in _BUFFER.findall(text):
        buffers[device] = buffers.get(device, 0.0) + float(mib)
    offloaded = _OFFLOADED.search(text)
    if offloaded:
        return LoadReport(int(offloaded.group(1)), int(offloaded.group(2)), buffers)
    assigned = _ASSIGNED.findall(text)
    if assigned:
        on_gpu = sum(1 for d in assigned if not d.upper().startswith("CPU"))
        return LoadReport(on_gpu, len(assigned), buffers)
    return LoadReport(None, None, buffers)


_CAPTURE = threading.Lock()
_LAST_LOAD: list[str] = []  # llama.cpp's log of the last load, for error messages


def load_errors(limit: int = 3) -> list[str]:
    """The last error or warning lines llama.cpp wrote while loading a model."""
    bad = [line.strip() for line in _LAST_LOAD
           if re.search(r"error|fail|out of memory|unable|cannot", line, re.I)]
    return bad[-limit:]


def cpu_has_amx() -> bool:
    """Whether the CPU has AMX int8 tiles (Intel Sapphire Rapids and later; Linux only)."""
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("flags")), "")
    except OSError:
        return False
    return "amx_int8" in flags.split()


@contextlib.contextmanager
def extra_buffers(allowed: bool | None = None):
    """Load with llama.cpp's extra CPU buffer types (AMX, repacked weights) or without them;
    by default without them on an AMX CPU: llama-cpp-python 0.3.36 built on a Sapphire Rapids
    CPU crashes in ggml_backend_amx_mul_mat while decoding (segmentation fault, reproduced with
    SmolLM2 and Qwen2.5 GGUFs). Llama() takes no such argument, so its default model parameters
    are wrapped meanwhile."""
    if allowed is None:
        allowed = not cpu_has_amx()
    if allowed:
        yield
        return
    from llama_cpp import llama_cpp as lib

    default = lib.llama_model_default_params

    def without():
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = without
    try:
        yield
    finally:
        lib.llama_model_default_params = default


def load_capturing(load, *, extra: bool | None = None):
    """Run `load()` (a llama_cpp.Llama constructor) while recording llama.cpp's log; returns
    (its result, LoadReport). The library's own log callback is restored afterwards.
    `extra`: llama.cpp's extra CPU buffers, as `extra_buffers` takes them."""
    llama_cpp = import_llama()
    from llama_cpp import _logger

    lines: list[str] = []

    @llama_cpp.llama_log_callback
    def record(level, text, user_data):  # noqa: ARG001 - ctypes signature
        lines.append(text.decode("utf-8", "replace"))

    with _CAPTURE, extra_buffers(extra):
        llama_cpp.llama_log_set(record, ctypes.c_void_p(0))
        try:
            result = load()
        finally:
            llama_cpp.llama_log_set(_logger.llama_log_callback, ctypes.c_void_p(0))
            _LAST_LOAD[:] = "".join(lines).splitlines()
    return result, parse_load_log("".join(lines))
