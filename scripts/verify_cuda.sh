#!/usr/bin/env bash
# scripts/verify_cuda.sh [OUT_DIR]: everything about the CUDA backend that needs a GPU, in one command (docs/cuda.md).
#  1. build (Release, SNUG_CUDA=ON) unless SNUG_PREBUILT names a folder from scripts/pack_cuda_verify.sh;
#  2. the GPU's bandwidth and context size (snug_cuda_membw);
#  3. ctest -L cuda: every kernel against the CPU reference, the reference-model tests on the GPU and hybrid;
#  4. snug bench (pp512, tg128) on synthetic gemma-3-4b and qwen2.5-0.5b Q4_K_M, all layers on the GPU and with a
#     quarter of them on the CPU, plus the CPU alone for the hybrid prediction;
#  5. llama.cpp's llama-bench on the same files when LLAMA_BENCH=/path/to/llama-bench is set.
# Results go to OUT_DIR (default $OUT, else build/verify-cuda): at most 8 files, as the device tool brings back.
# Environment: SNUG_TEST_DATA (reference models; default ../shared), SNUG_SYNTH (synth_gguf.py; default
# $SNUG_TEST_DATA/tools/synth_gguf.py), SNUG_BENCH_MODELS (a folder holding gemma-3-4b-Q4_K_M.gguf and
# qwen2.5-0.5b-Q4_K_M.gguf instead of generating them), BENCH_THREADS (CPU threads, default all).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="${1:-${OUT:-build/verify-cuda}}"
mkdir -p "$out"
out=$(cd "$out" && pwd)
summary="$out/summary.md"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
status=0

say "# CUDA verification, $(date -u +%Y-%m-%dT%H:%MZ)"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.max.sm,clocks.max.mem --format=csv \
  >"$out/gpu.txt" 2>&1 || echo "nvidia-smi failed" >>"$out/gpu.txt"
say "GPU: $(tail -n +2 "$out/gpu.txt" | head -1)"

# ---- 1. build
if [[ -n "${SNUG_PREBUILT:-}" ]]; then
  bin="$(cd "$SNUG_PREBUILT" && pwd)/bin"
  export LD_LIBRARY_PATH="$(cd "$SNUG_PREBUILT" && pwd)/lib:${LD_LIBRARY_PATH:-}"
  snug="$bin/snug"; membw="$bin/snug_cuda_membw"; tests="$bin"
  [[ -d "$SNUG_PREBUILT/shared" && -z "${SNUG_TEST_DATA:-}" ]] && export SNUG_TEST_DATA="$(cd "$SNUG_PREBUILT/shared" && pwd)"
  say "build: prebuilt binaries from $SNUG_PREBUILT"
else
  build="${SNUG_CUDA_BUILD:-build/cuda-release}"
  if ! { cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSNUG_CUDA=ON -DSNUG_BUILD_BENCH=ON &&
         cmake --build "$build" -j"$(nproc)"; } >"$out/build.log" 2>&1; then
    say "build: FAILED (tail of $out/build.log below)"; tail -30 "$out/build.log"; exit 1
  fi
  snug="$root/$build/snug"; membw="$root/$build/bench/snug_cuda_membw"; tests="$root/$build/tests"
  say "build: $build (Release, SNUG_CUDA=ON)"
fi
export SNUG_TEST_DATA="${SNUG_TEST_DATA:-$(cd .. && pwd)/shared}"

# ---- 2. bandwidth
if "$membw" --json >"$out/cuda_membw.json" 2>&1; then
  say "membw: $(cat "$out/cuda_membw.json")"
else
  say "membw: FAILED: $(cat "$out/cuda_membw.json")"; status=1
fi
read_gbs=$(python3 -c "import json;print(json.load(open('$out/cuda_membw.json'))['read_gb_s'])" 2>/dev/null || echo 0)

# ---- 3. tests (with a GPU missing they fail, never skip)
ctest_log="$out/ctest_cuda.log"
if [[ -n "${SNUG_PREBUILT:-}" ]]; then
  : >"$ctest_log"
  for t in cuda_kernels_test cuda_attention_test; do "$tests/$t" >>"$ctest_log" 2>&1 || status=1; done
  for d in cuda hybrid; do SNUG_TEST_DEVICE=$d "$tests/reference_models_test" >>"$ctest_log" 2>&1 || status=1; done
else
  (cd "$build" && ctest -L cuda --output-on-failure -j1) >"$ctest_log" 2>&1 || status=1
fi
say "tests: $(grep -E '^\[  PASSED  \] [0-9]+ test|^\[  FAILED  \] [0-9]+ test|tests passed' "$ctest_log" | tr '\n' ' ')"

# ---- 4. synthetic models and snug bench
models="${SNUG_BENCH_MODELS:-$root/build/verify-models}"
mkdir -p "$models"
synth="${SNUG_SYNTH:-$SNUG_TEST_DATA/tools/synth_gguf.py}"
for preset in gemma-3-4b qwen2.5-0.5b; do
  f="$models/$preset-Q4_K_M.gguf"
  [[ -f "$f" ]] && continue
  if [[ -f "$synth" ]]; then
    python3 "$synth" --preset "$preset" --type Q4_K_M --out "$f" >/dev/null 2>>"$out/bench.err" || say "synth $preset: FAILED"
  else
    say "no $f and no synth_gguf.py at $synth: skipping $preset"
  fi
done

bench_json="$out/bench.jsonl"
: >"$bench_json"
threads="${BENCH_THREADS:-$(nproc)}"
bench() {  # MODEL NGL LABEL
  local line
  if line=$("$snug" bench "$1" -p 512 -n 128 -r 3 -t "$threads" -ngl "$2" --json 2>>"$out/bench.err"); then
    echo "$line" | python3 -c "import json,sys; j=json.loads(sys.stdin.read()); j['label']='$3'; print(json.dumps(j))" \
      >>"$bench_json"
  else
    say "bench $3: FAILED"; status=1
  fi
}
for preset in gemma-3-4b qwen2.5-0.5b; do
  f="$models/$preset-Q4_K_M.gguf"
  [[ -f "$f" ]] || continue
  n_layers=$("$snug" inspect "$f" 2>/dev/null | awk '/\.block_count/ {print $2; exit}')
  n_layers=${n_layers:-0}
  quarter=$(( n_layers / 4 > 0 ? n_layers / 4 : 1 ))
  bench "$f" -1 "$preset gpu"
  bench "$f" $(( n_layers - quarter )) "$preset hybrid ($quarter/$n_layers layers on the CPU)"
  bench "$f" 0 "$preset cpu"
  if [[ -n "${LLAMA_BENCH:-}" ]]; then
    "$LLAMA_BENCH" -m "$f" -ngl 99 -p 512 -n 128 -r 3 -o jsonl >>"$out/llama_bench.jsonl" 2>>"$out/bench.err" ||
      say "llama-bench $preset: FAILED"
  fi
done

# ---- summary: tok/s, share of measured bandwidth, hybrid against the two-device prediction
python3 - "$bench_json" "$read_gbs" "$out/llama_bench.jsonl" <<'PY' | tee -a "$summary"
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
read_gbs = float(sys.argv[2] or 0)
print("\n| run | device | pp512 t/s | tg128 t/s | tg GB/s | % of read bandwidth |\n|---|---|---:|---:|---:|---:|")
for r in rows:
    pct = 100 * r["tg_gb_s"] / read_gbs if read_gbs else 0
    print(f"| {r['label']} | {r['device']} | {r['pp_tok_s']:.1f} | {r['tg_tok_s']:.1f} | {r['tg_gb_s']:.1f} | {pct:.0f}% |")
# Each device reads its own layers' bytes at the rate it reached alone (tg GB/s of the all-GPU and all-CPU runs):
# predicted time per token = CPU-layer bytes / CPU rate + the rest / GPU rate.
by = {}
for r in rows:
    by.setdefault(r["label"].split()[0], {})[r["label"].split()[1]] = r
for m, d in by.items():
    if {"gpu", "hybrid", "cpu"} <= d.keys():
        h = d["hybrid"]
        total = h["weight_bytes_per_token"]
        cpu_b = h["cpu_weight_bytes_per_token"]
        t = cpu_b / (d["cpu"]["tg_gb_s"] * 1e9) + (total - cpu_b) / (d["gpu"]["tg_gb_s"] * 1e9)
        print(f"\n{m}: hybrid tg {h['tg_tok_s']:.1f} t/s, predicted {1 / t:.1f} t/s from the two devices' rates: "
              f"{100 * h['tg_tok_s'] * t:.0f}% (target >= 80%)")
lb = sys.argv[3]
if os.path.exists(lb):
    print("\nllama-bench:")
    for l in open(lb):
        try:
            j = json.loads(l)
            print(f"  {os.path.basename(j.get('model_filename', '?'))} n_prompt={j.get('n_prompt')} n_gen={j.get('n_gen')}"
                  f" {j.get('avg_ts', 0):.1f} t/s")
        except Exception:
            pass
PY
say ""
say "result: $([[ $status == 0 ]] && echo PASS || echo FAIL) (logs in $out)"
exit $status
