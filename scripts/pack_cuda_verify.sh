#!/usr/bin/env bash
# scripts/pack_cuda_verify.sh [BUILD_DIR]: for a GPU machine that cannot build snug (its image lacks Debian's
# -dev packages) or must not spend its time doing so. Copies into .cuda-verify/ (ignored through .git/info/exclude,
# under the device tool's 64 MiB) the binaries scripts/verify_cuda.sh runs, the shared libraries they need beyond
# glibc and CUDA, synth_gguf.py with its vocabularies, and a few reference models with llama.cpp's outputs. Then, on
# the GPU machine: SNUG_PREBUILT=.cuda-verify scripts/verify_cuda.sh   (device tool: carry [".cuda-verify"]).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/h-cuda}"
shared="${SNUG_TEST_DATA:-$(cd .. && pwd)/shared}"
pack=.cuda-verify
grep -qx '/.cuda-verify/' .git/info/exclude 2>/dev/null || echo '/.cuda-verify/' >>.git/info/exclude
cmake --build "$build" -j2 --target snug snug_cuda snug_cuda_membw cuda_kernels_test cuda_attention_test reference_models_test
rm -rf "$pack"
mkdir -p "$pack/bin" "$pack/lib" "$pack/shared/tools" "$pack/shared/vocab" "$pack/shared/models"
for f in snug bench/snug_cuda_membw tests/cuda_kernels_test tests/cuda_attention_test tests/reference_models_test; do
  cp "$build/$f" "$pack/bin/"
  strip "$pack/bin/$(basename "$f")"
done
cp "$build/libsnug_cuda.so" "$pack/bin/"  # the GPU backend module, loaded from beside the binaries that use it
strip "$pack/bin/libsnug_cuda.so"
# Libraries beyond glibc's and the CUDA toolkit's (both present there): PCRE2, libcurl, OpenSSL, cpp-httplib, ...
for b in "$pack"/bin/*; do
  ldd "$b" | awk '/=> \// {print $3}'
done | sort -u | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*|libgcc_s|libstdc\+\+|libcuda[^/]*|libcublas[^/]*|libcudart[^/]*)\.so' |
  while read -r lib; do cp -L "$lib" "$pack/lib/"; done
cp "$shared/tools/synth_gguf.py" "$pack/shared/tools/"
cp "$shared/vocab/ggml-vocab-gpt-2.gguf" "$shared/vocab/ggml-vocab-llama-spm.gguf" "$pack/shared/vocab/"
for m in stories260K snug-gemma3-q4_0; do  # with the binaries, under the 64 MiB a device call carries
  cp "$shared/models/$m.gguf" "$pack/shared/models/"
  mkdir -p "$pack/shared/reference/models/$m"
  cp "$shared/reference/models/$m/"*.json "$pack/shared/reference/models/$m/"
done
du -sh "$pack"
