#!/usr/bin/env bash
# The whole test suite: configure and build the release preset, then run every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release
cmake --build --preset release -j2
ctest --preset release -j2
