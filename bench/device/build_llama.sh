#!/usr/bin/env bash
# On the device machine: reassemble the carried llama-cpp-python sdist and build it with CUDA
# for Hopper into /tmp/llama, in the background (setsid), logging to /tmp/llama-build.log.
#   bash bench/device/build_llama.sh        (then poll: tail /tmp/llama-build.log)
set -euo pipefail
cd /tmp/carry/.llama
name=$(awk '{print $2}' SHA256)
cat sdist.part-* > "/tmp/$name"
echo "$(awk '{print $1}' SHA256)  /tmp/$name" | sha256sum -c -
rm -rf /tmp/llama && mkdir -p /tmp/llama
export CMAKE_ARGS="-DGGML_CUDA=on -DCMAKE_CUDA_ARCHITECTURES=90" CMAKE_BUILD_PARALLEL_LEVEL=16
setsid bash -c "python3 -m pip install --no-build-isolation --no-deps --no-cache-dir \
  --target /tmp/llama /tmp/$name > /tmp/llama-build.log 2>&1; echo EXIT \$? >> /tmp/llama-build.log" \
  < /dev/null > /dev/null 2>&1 &
echo "build started"
