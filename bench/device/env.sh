# On the device machine, sourced by each run: wheels, the CUDA llama-cpp-python build, models.
#   source bench/device/env.sh
if [[ -d .whl && ! -f /tmp/site/.done ]]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl && touch /tmp/site/.done
fi
export PYTHONPATH=/tmp/llama:/tmp/site:$PWD PYTHONUNBUFFERED=1
mkdir -p models
for d in /tmp/carry/.gguf /tmp/carry/.gguf15; do
  [[ -f $d/SHA256 ]] || continue
  name=$(awk '{print $2}' $d/SHA256)
  if [[ ! -f /tmp/models/$name ]]; then
    mkdir -p /tmp/models && cat $d/q*.part-* > /tmp/models/$name
    echo "$(awk '{print $1}' $d/SHA256)  /tmp/models/$name" | sha256sum -c - || rm -f /tmp/models/$name
  fi
  ln -sf /tmp/models/$name models/$name
done
[[ -d /tmp/carry/.gpu/all-MiniLM-L6-v2 ]] && ln -sfn /tmp/carry/.gpu/all-MiniLM-L6-v2 models/all-MiniLM-L6-v2
true
