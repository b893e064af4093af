#!/usr/bin/env bash
# bench/memory_accuracy.sh: how close `snug fit`'s CPU total comes to the peak resident memory of `snug run` filling
# the same context. For each model and context it plans (snug fit --gpu 0 --json), builds a prompt from
# ../shared/reference/models/eval.txt that leaves room for N_GEN generated tokens, runs it under /usr/bin/time -v and
# prints plan, measured peak RSS and the difference. Contexts above a model's trained length are replaced by that
# length (the planner refuses them).
#
# Usage: bench/memory_accuracy.sh [MODEL.gguf ...]
#   default models: every ../shared/models/*.gguf, plus synthetic ones when SYNTH="preset:type ..." is set, e.g.
#   SYNTH="qwen2.5-0.5b:Q4_K_M gemma-3-1b:Q4_K_M" (generated into $WORK with ../shared/tools/synth_gguf.py)
# Environment: SNUG (binary, default build/release/snug), CTXS ("512 8192"), N_GEN (16), THREADS (2), WORK (tmp dir).
set -euo pipefail
cd "$(dirname "$0")/.."
SNUG=${SNUG:-build/release/snug}
CTXS=${CTXS:-"512 8192"}
N_GEN=${N_GEN:-16}
THREADS=${THREADS:-2}
SHARED=${SNUG_TEST_DATA:-../shared}
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK"
TEXT="$SHARED/reference/models/eval.txt"
PY=/usr/bin/python3

models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=("$SHARED"/models/*.gguf)
  for spec in ${SYNTH:-}; do
    out="$WORK/${spec%%:*}-${spec##*:}.gguf"
    [ -f "$out" ] || "$PY" "$SHARED/tools/synth_gguf.py" --preset "${spec%%:*}" --type "${spec##*:}" --out "$out" >/dev/null
    models+=("$out")
  done
fi

# The longest prefix of eval.txt (repeated as needed) that tokenizes to at most $2 tokens, written to $3.
make_prompt() {
  local model=$1 want=$2 out=$3
  "$PY" - "$SNUG" "$model" "$want" "$TEXT" "$out" <<'EOF'
import json, subprocess, sys
snug, model, want, text_path, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
base = open(text_path, encoding="utf-8").read()
text = base
def count(s):
    r = subprocess.run([snug, "tokenize", model, "--text", s, "--json"], capture_output=True, text=True, check=True)
    return len(json.loads(r.stdout)["tokens"])
while count(text) < want:
    text += "\n" + base
lo, hi = 1, len(text)
while lo < hi:  # largest prefix length whose count is <= want
    mid = (lo + hi + 1) // 2
    if count(text[:mid]) <= want: lo = mid
    else: hi = mid - 1
open(out, "w", encoding="utf-8").write(text[:lo])
print(count(text[:lo]))
EOF
}

# Two runs per row: as shipped, and with glibc told to mmap every block of 64 KiB or more
# (MALLOC_MMAP_THRESHOLD_), which is how a scratch arena reserved in one piece at load behaves (CpuBackend::
# reserve_scratch): grown piece by piece, its pieces land in the malloc heap and stay resident once merged.
printf "%-30s %6s %7s %10s %10s %7s %11s %7s\n" model ctx prompt "plan MiB" "RSS MiB" diff "RSS mmap" diff
for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  max_ctx=$("$SNUG" fit "$model" --gpu 0 --ram 1TiB --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["model"]["max_ctx"])')
  for ctx in $CTXS; do
    [ "$ctx" -gt "$max_ctx" ] && ctx=$max_ctx
    plan=$("$SNUG" fit "$model" --gpu 0 --ctx "$ctx" --threads "$THREADS" --json |
           "$PY" -c 'import json,sys; print(json.load(sys.stdin)["cpu_bytes"])')
    n_prompt=$(make_prompt "$model" $((ctx - N_GEN - 1)) "$WORK/prompt.txt")
    run=("$SNUG" run "$model" --raw -p "$(cat "$WORK/prompt.txt")" -n "$N_GEN" --ctx "$ctx" --threads "$THREADS"
         --ignore-eos --temperature 0)
    rss_kb=$(/usr/bin/time -f "%M" "${run[@]}" 2>&1 >/dev/null | tail -1)
    rss_mmap_kb=$(MALLOC_MMAP_THRESHOLD_=65536 /usr/bin/time -f "%M" "${run[@]}" 2>&1 >/dev/null | tail -1)
    "$PY" -c "
plan, rss, rss2 = $plan / 2**20, $rss_kb / 1024, $rss_mmap_kb / 1024
print('%-30s %6d %7d %10.1f %10.1f %+6.1f%% %11.1f %+6.1f%%' % ('$name', $ctx, $n_prompt, plan, rss,
      100 * (rss - plan) / plan, rss2, 100 * (rss2 - plan) / plan))"
  done
done
