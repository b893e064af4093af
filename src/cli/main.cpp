// cli/main.cpp: the `snug` binary: dispatches to a subcommand and turns snug::Error into a one-line message.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "base/error.h"
#include "cli/commands.h"

namespace {

constexpr const char* USAGE = R"(snug — run GGUF language models locally

usage: snug <command> [options]

commands:
  run MODEL [-p TEXT] [-n N] [--ctx N] [--temperature T] [--top-k K] [--top-p P] [--min-p P]
      [--repeat-penalty R] [--seed S] [--threads N] [--system TEXT] [--kv-type T] [-ngl N] [--raw] [--json]
                                   generate text (a chat turn unless --raw); without -p, chat interactively;
                                   --kv-type f32|f16|q8_0|q4_0: the KV cache's type (default f16);
                                   -ngl/--gpu-layers N: the last N layers on the GPU (-1: all; default: the plan's)
                                   (MODEL: a store name or a GGUF path)
  tokenize MODEL.gguf --text TEXT [--no-special] [--json]
                                   token ids of TEXT (a vocab-only GGUF is enough)
  logits MODEL.gguf --text-file F [--top K] [--n-tokens N] --json
                                   teacher-forced top-K logits and log-sum-exp per position
  perplexity MODEL.gguf FILE [--ctx N] [--threads N] [--kv-type T] [--json]
                                   perplexity as llama.cpp's tool computes it
  inspect MODEL.gguf [--tensors]   architecture, hyperparameters, tokenizer, tensors
  bench MODEL.gguf [-p 512] [-n 128] [-t 1,2] [-r 3] [-ngl N] [--json]
                                   prompt-processing and generation speed, like llama-bench;
                                   -ngl N: the last N layers and the output head on the GPU (-1: all)
  fit MODEL [--mmproj F] [--gpu SIZE|ID ...] [--ram SIZE] [--ctx N] [--parallel N] [--kv-type T]
      [--batch N] [--threads N] [--fit-order ctx,kv,layers] [--require-gpu] [--json] [--list-gpus]
                                   memory plan per device, placement verdict and predicted speed, before loading
                                   (MODEL: a GGUF, a store name, hf.co/OWNER/REPO[:QUANT] or a URL: only the header
                                   is read); exit status 3 when it does not fit
  pull SOURCE [--name NAME]        download a GGUF into the model store (SOURCE: hf.co/OWNER/REPO[:QUANT]
                                   or an http(s) URL); resumes interrupted downloads
  create NAME [-f Modelfile]       create a model from a Modelfile (FROM a GGUF, a blob digest or a model)
  list                             models in the store ($SNUG_MODELS, default ~/.snug/models)
  show NAME [--modelfile|--parameters|--template|--system|--license] [--verbose]
                                   details, capabilities and settings of a stored model
  cp SOURCE DESTINATION            copy a model under a new name
  rm NAME...                       remove models (and the files no other model uses)
  serve [--host H] [--port P] [--model-dir DIR] [--parallel N]
                                   Ollama- and OpenAI-compatible HTTP server (docs/server.md)
  ps [--json]                      models loaded by the running server, their memory and KV use
  help                             this text
)";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "--help") == 0 ||
        std::strcmp(argv[1], "-h") == 0) {
        std::fputs(USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string cmd = argv[1];
    const snug::cli::Argv args(argv + 2, argv + argc);
    try {
        if (cmd == "run") return snug::cli::cmd_run(args);
        if (cmd == "tokenize") return snug::cli::cmd_tokenize(args);
        if (cmd == "logits") return snug::cli::cmd_logits(args);
        if (cmd == "perplexity") return snug::cli::cmd_perplexity(args);
        if (cmd == "inspect") return snug::cli::cmd_inspect(args);
        if (cmd == "bench") return snug::cli::cmd_bench(args);
        if (cmd == "serve") return snug::cli::cmd_serve(args);
        if (cmd == "ps") return snug::cli::cmd_ps(args);
        if (cmd == "fit") return snug::cli::cmd_fit(args);
        if (cmd == "pull") return snug::cli::cmd_pull(args);
        if (cmd == "create") return snug::cli::cmd_create(args);
        if (cmd == "list" || cmd == "ls") return snug::cli::cmd_list(args);
        if (cmd == "show") return snug::cli::cmd_show(args);
        if (cmd == "cp") return snug::cli::cmd_cp(args);
        if (cmd == "rm") return snug::cli::cmd_rm(args);
        std::fprintf(stderr, "snug: unknown command '%s' (see 'snug help')\n", cmd.c_str());
        return 2;
    } catch (const snug::Error& e) {
        std::fprintf(stderr, "snug %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "snug %s: error: out of memory\n", cmd.c_str());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "snug %s: error: %s\n", cmd.c_str(), e.what());
        return 1;
    }
}
