// cli/commands.h: one function per `snug` subcommand; each parses its own options and returns the exit code.
#pragma once
#include <string>
#include <vector>

namespace snug::cli {

using Argv = std::vector<std::string>;

int cmd_run(const Argv& args);
int cmd_tokenize(const Argv& args);
int cmd_logits(const Argv& args);
int cmd_perplexity(const Argv& args);
int cmd_inspect(const Argv& args);
int cmd_bench(const Argv& args);
int cmd_serve(const Argv& args);   // cmd_serve.cpp
int cmd_ps(const Argv& args);      // cmd_ps.cpp
int cmd_chat(const std::string& model, const Argv& args);  // cmd_chat.cpp: `snug run MODEL` without -p
int cmd_fit(const Argv& args);      // cmd_fit.cpp
int cmd_pull(const Argv& args);    // cmd_pull.cpp
int cmd_create(const Argv& args);  // cmd_store.cpp: create, list, show, cp, rm
int cmd_list(const Argv& args);
int cmd_show(const Argv& args);
int cmd_cp(const Argv& args);
int cmd_rm(const Argv& args);

std::string read_text_file(const std::string& path);  // throws snug::Error naming the path

}  // namespace snug::cli
