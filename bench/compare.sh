#!/usr/bin/env bash
# bench/compare.sh LLAMA_BENCH MODEL.gguf... : snug bench and llama.cpp's llama-bench side by side, interleaved,
# best of ROUNDS rounds (default 3) per model and thread count, so that machine noise hits both alike.
# LLAMA_BENCH is a llama-bench binary you built yourself; this script only runs it.
# Environment: ROUNDS, THREADS (default "1 2"), PP (default 512), TG (default 128), SNUG (default build/release/snug).
set -euo pipefail
llama_bench="$1"; shift
snug="${SNUG:-build/release/snug}"
rounds="${ROUNDS:-3}"; pp="${PP:-512}"; tg="${TG:-128}"; threads="${THREADS:-1 2}"

best() { sort -g | tail -1; }
printf '| model | threads | snug pp%s | llama.cpp pp%s | ratio | snug tg%s | llama.cpp tg%s | ratio | snug tg GB/s |\n' "$pp" "$pp" "$tg" "$tg"
printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for model in "$@"; do
  for t in $threads; do
    s_pp=(); s_tg=(); l_pp=(); l_tg=(); s_gb=()
    for r in $(seq "$rounds"); do
      line=$("$snug" bench "$model" -p "$pp" -n "$tg" -t "$t" -r 1 --json)
      s_pp+=("$(jq -r .pp_tok_s <<<"$line")"); s_tg+=("$(jq -r .tg_tok_s <<<"$line")"); s_gb+=("$(jq -r .tg_gb_s <<<"$line")")
      out=$("$llama_bench" -m "$model" -p "$pp" -n "$tg" -t "$t" -r 1 -o json 2>/dev/null)
      l_pp+=("$(jq -r '.[] | select(.n_prompt > 0) | .avg_ts' <<<"$out")")
      l_tg+=("$(jq -r '.[] | select(.n_gen > 0) | .avg_ts' <<<"$out")")
    done
    sp=$(printf '%s\n' "${s_pp[@]}" | best); st=$(printf '%s\n' "${s_tg[@]}" | best)
    lp=$(printf '%s\n' "${l_pp[@]}" | best); lt=$(printf '%s\n' "${l_tg[@]}" | best)
    sg=$(printf '%s\n' "${s_gb[@]}" | best)
    printf '| %s | %s | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.1f |\n' "$(basename "$model")" "$t" \
      "$sp" "$lp" "$(echo "$sp / $lp" | bc -l)" "$st" "$lt" "$(echo "$st / $lt" | bc -l)" "$sg"
  done
done
