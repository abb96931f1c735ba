#!/usr/bin/env bash
# On the device machine: keep carried parts outside the repo copy (it is replaced each call).
#   bash bench/device/stage.sh .gguf .llama ...   -> /tmp/carry/<folder>/...
set -euo pipefail
for folder in "$@"; do
  [[ -d "$folder" ]] || continue
  mkdir -p "/tmp/carry/$folder"
  cp -r "$folder"/. "/tmp/carry/$folder/"
done
du -sh /tmp/carry/* 2>/dev/null || true
