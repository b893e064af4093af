#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: builds the `fuzz` preset (clang, libFuzzer + ASan + UBSan) and fuzzes the GGUF reader for
# SECONDS (default 60) over a scratch copy of fuzz/corpus/. Exits non-zero on any crash, sanitizer report, leak,
# timeout or out-of-memory; the offending input is kept in build/fuzz/artifacts/.
# Environment: SNUG_FUZZ_JOBS (build parallelism, default 2), SNUG_FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target gguf_fuzz --parallel "${SNUG_FUZZ_JOBS:-2}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r fuzz/corpus "$work/corpus"
artifacts="$root/build/fuzz/artifacts"
mkdir -p "$artifacts"

# UBSan findings must stop the run like ASan ones do.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# shellcheck disable=SC2086  # SNUG_FUZZ_ARGS is a list of flags
build/fuzz/fuzz/gguf_fuzz "$work/corpus" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 ${SNUG_FUZZ_ARGS:-}
echo "fuzz/run.sh: no crash in ${seconds}s; corpus grew to $(ls "$work/corpus" | wc -l) files," \
     "$(du -sb "$work/corpus" | cut -f1) bytes"
