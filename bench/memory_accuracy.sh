#!/usr/bin/env bash
# bench/memory_accuracy.sh: how close the memory plan's CPU total comes to the peak resident memory of
#   run      `snug run` filling the context (one sequence), and
#   serve-P  `snug serve` with SNUG_NUM_PARALLEL=P while P requests, each filling the context with its own prompt
#            (no shared prefix), run at once,
# for each model and context. The plan is `snug fit --gpu 0 --json`'s cpu_bytes for run (the fit `snug run` prints
# when it loads) and, for serve, the CPU part of the plan the server loaded with (/api/ps size - size_vram). Prompts are taken from ../shared/reference/models/eval.txt so that each leaves room
# for N_GEN generated tokens. Contexts above a model's trained length are replaced by that length (the planner
# refuses them). Peak RSS is /usr/bin/time's %M of the whole process.
#
# Usage: bench/memory_accuracy.sh [MODEL.gguf ...]
#   default models: every ../shared/models/*.gguf, plus synthetic ones when SYNTH="preset:type ..." is set, e.g.
#   SYNTH="qwen2.5-0.5b:Q4_K_M gemma-3-1b:Q4_K_M" (generated into $WORK with ../shared/tools/synth_gguf.py)
# Environment: SNUG (binary, default build/release/snug), CTXS ("512 8192"), MODES ("run serve-1 serve-4"),
#   N_GEN (16), THREADS (2), WORK (tmp dir), PORT (18434).
set -euo pipefail
cd "$(dirname "$0")/.."
SNUG=$(realpath "${SNUG:-build/release/snug}")
CTXS=${CTXS:-"512 8192"}
MODES=${MODES:-"run serve-1 serve-4"}
N_GEN=${N_GEN:-16}
THREADS=${THREADS:-2}
PORT=${PORT:-18434}
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

# The longest prefix of "$4" + eval.txt (repeated as needed) that tokenizes to at most $2 tokens, written to $3.
make_prompt() {
  local model=$1 want=$2 out=$3 lead=${4:-}
  "$PY" - "$SNUG" "$model" "$want" "$TEXT" "$out" "$lead" <<'EOF'
import json, subprocess, sys
snug, model, want, text_path, out, lead = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
base = open(text_path, encoding="utf-8").read()
text = lead + base
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

plan_mib() {  # model ctx parallel
  "$SNUG" fit "$1" --gpu 0 --ctx "$2" --parallel "$3" --threads "$THREADS" --json |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["cpu_bytes"] / 2**20)'
}

run_rss_kib() {  # model ctx
  make_prompt "$1" $(($2 - N_GEN - 1)) "$WORK/prompt.txt" >/dev/null
  /usr/bin/time -f "%M" -o "$WORK/rss.txt" "$SNUG" run "$1" --raw -p "$(cat "$WORK/prompt.txt")" -n "$N_GEN" \
    --ctx "$2" --threads "$THREADS" --ignore-eos --temperature 0 >/dev/null 2>&1
  tail -1 "$WORK/rss.txt"
}

serve_rss_kib() {  # model ctx parallel
  local model=$1 ctx=$2 par=$3 name
  name=$(basename "$model" .gguf)
  rm -rf "$WORK/md" "$WORK/store" && mkdir -p "$WORK/md" && ln -s "$(realpath "$model")" "$WORK/md/"
  for i in $(seq 1 "$par"); do
    make_prompt "$model" $((ctx - N_GEN - 1)) "$WORK/prompt$i.txt" "Request $i. " >/dev/null
  done
  SNUG_MODELS="$WORK/store" SNUG_MODEL_DIR="$WORK/md" SNUG_HOST="127.0.0.1:$PORT" SNUG_NUM_PARALLEL="$par" \
    /usr/bin/time -f "%M" -o "$WORK/rss.txt" "$SNUG" serve 2>"$WORK/serve.log" &
  local timer=$!
  "$PY" - "$PORT" "$name" "$ctx" "$par" "$N_GEN" "$THREADS" "$WORK" <<'EOF'
import json, sys, threading, time, urllib.request
port, model, ctx, par, n_gen, threads, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
url = f"http://127.0.0.1:{port}"
for _ in range(200):
    try:
        urllib.request.urlopen(url + "/api/version", timeout=1).read(); break
    except OSError:
        time.sleep(0.05)
opts = {"num_ctx": ctx, "num_predict": n_gen, "temperature": 0, "num_thread": threads}
def post(body):
    req = urllib.request.Request(url + "/api/generate", json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=3600).read())
post({"model": model, "options": opts})  # load first, so that every request finds the model
ps = json.loads(urllib.request.urlopen(url + "/api/ps", timeout=10).read())["models"][0]
open(f"{work}/plan.txt", "w").write(str(ps["size"] - ps["size_vram"]))  # the plan the server loaded with
errors = []
def one(i):
    prompt = open(f"{work}/prompt{i}.txt", encoding="utf-8").read()
    r = post({"model": model, "prompt": prompt, "raw": True, "stream": False, "options": opts})
    if r.get("eval_count") != n_gen or r.get("truncated_tokens"): errors.append(r)
ts = [threading.Thread(target=one, args=(i,)) for i in range(1, par + 1)]
for t in ts: t.start()
for t in ts: t.join()
if errors: sys.exit(f"unexpected answers: {errors}")
EOF
  pkill -TERM -P "$timer" || true
  wait "$timer" || true
  tail -1 "$WORK/rss.txt"
}

printf "%-30s %6s %-8s %10s %10s %7s\n" model ctx mode "plan MiB" "RSS MiB" diff
for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  max_ctx=$("$SNUG" fit "$model" --gpu 0 --ram 1TiB --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["model"]["max_ctx"])')
  for ctx in $CTXS; do
    [ "$ctx" -gt "$max_ctx" ] && ctx=$max_ctx
    for mode in $MODES; do
      case $mode in
        run) plan=$(plan_mib "$model" "$ctx" 1); rss=$(run_rss_kib "$model" "$ctx") ;;
        serve-*) par=${mode#serve-}; rss=$(serve_rss_kib "$model" "$ctx" "$par")
                 plan=$("$PY" -c "print($(cat "$WORK/plan.txt") / 2**20)") ;;
        *) echo "unknown mode $mode" >&2; exit 2 ;;
      esac
      "$PY" -c "print('%-30s %6d %-8s %10.1f %10.1f %+6.1f%%' % ('$name', $ctx, '$mode', $plan, $rss / 1024, 100 * ($rss / 1024 - $plan) / $plan))"
    done
  done
done
