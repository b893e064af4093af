#!/usr/bin/env bash
# Installs everything snug needs to build and test on Debian 12 (bookworm) or newer. Idempotent.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config ccache            # build
  nlohmann-json3-dev libpcre2-dev                    # JSON, pre-tokenizer regexes
  libgtest-dev libgmock-dev libbenchmark-dev         # tests and micro-benchmarks
  clang libclang-rt-14-dev                           # libFuzzer target and sanitizer runtimes
  python3 python3-numpy jq bc                        # benchmark models (synth_gguf.py) and bench/compare.sh
  libcpp-httplib-dev                                 # HTTP server (snug serve) and test servers
  libcurl4-openssl-dev libssl-dev                    # downloads, remote GGUF headers, sha256
  nodejs                                             # the ollama/openai client libraries drive the server in tests
)
# Debian's npm package conflicts with node distributions that bundle npm: add it only when npm is absent.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The client libraries the server tests drive, pinned by tests/clients/package-lock.json.
cd "$(dirname "$0")/../tests/clients"
[ -d node_modules/ollama ] && [ -d node_modules/openai ] || npm ci --no-audit --no-fund --loglevel=error
