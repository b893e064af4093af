#!/usr/bin/env python3
"""bench/serve_throughput.py: aggregate generation throughput of `snug serve` with N concurrent streams against one.

Starts `snug serve` on a model (a GGUF path, served from a temporary model folder), loads it, then for each
concurrency level runs that many streaming /api/generate requests at once (distinct prompts, no shared prefix,
num_predict tokens each, EOS ignored through a large num_predict and raw prompts) and reports:
  aggregate tok/s = all generated tokens / wall time from the first request to the last final line,
  per-stream tok/s = the mean of each request's eval_count / eval_duration (the server's own figure).
Levels are interleaved over ROUNDS rounds and the best round of each is kept (the machine is shared and noisy).

Usage: bench/serve_throughput.py MODEL.gguf [--snug build/release/snug] [--levels 1,4] [--n-predict 64]
                                 [--rounds 3] [--threads 2] [--ctx 2048] [--port 18435]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

PROMPTS = ["Once upon a time", "The little dog", "Lily wanted to", "One day, a bird", "Max found a box",
           "The sun was", "Tom and Sue", "In the garden"]


def post(url, body, on_line=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    last = None
    with urllib.request.urlopen(req, timeout=3600) as r:
        for raw in r:
            line = json.loads(raw)
            if "error" in line:
                raise RuntimeError(line["error"])
            last = line
    return last


def run_level(base, model, n, args):
    results = [None] * n
    opts = {"num_predict": args.n_predict, "temperature": 0.8, "seed": 7, "num_ctx": args.ctx,
            "num_thread": args.threads}

    def one(i):
        results[i] = post(base + "/api/generate", {"model": model, "prompt": PROMPTS[i % len(PROMPTS)] + f" ({i})",
                                                   "raw": True, "stream": True, "options": opts})
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if any(r is None or not r.get("done") for r in results):
        raise RuntimeError("a request did not finish")
    tokens = sum(r["eval_count"] for r in results)
    per_stream = sum(r["eval_count"] / (r["eval_duration"] / 1e9) for r in results) / n
    return tokens / wall, per_stream, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--snug", default="build/release/snug")
    ap.add_argument("--levels", default="1,4")
    ap.add_argument("--n-predict", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=2048)
    ap.add_argument("--port", type=int, default=18435)
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    work = tempfile.mkdtemp()
    os.makedirs(os.path.join(work, "md"))
    name = os.path.splitext(os.path.basename(args.model))[0]
    os.symlink(os.path.realpath(args.model), os.path.join(work, "md", name + ".gguf"))
    env = dict(os.environ, SNUG_MODELS=os.path.join(work, "store"), SNUG_MODEL_DIR=os.path.join(work, "md"),
               SNUG_HOST=f"127.0.0.1:{args.port}", SNUG_NUM_PARALLEL=str(max(levels)))
    server = subprocess.Popen([args.snug, "serve"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/api/version", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        post(base + "/api/generate", {"model": name, "options": {"num_ctx": args.ctx, "num_thread": args.threads}})
        best = {n: None for n in levels}
        for _ in range(args.rounds):
            for n in levels:
                r = run_level(base, name, n, args)
                if best[n] is None or r[0] > best[n][0]:
                    best[n] = r
        one = best[levels[0]][0]
        print(f"model {name}, {args.n_predict} tokens per request, {args.threads} threads, best of {args.rounds}")
        print(f"{'streams':>8} {'aggregate tok/s':>16} {'per stream tok/s':>17} {'vs ' + str(levels[0]) + ' stream':>12}")
        for n in levels:
            agg, per, _ = best[n]
            print(f"{n:>8} {agg:>16.1f} {per:>17.1f} {agg / one:>11.2f}x")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
