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

std::string read_text_file(const std::string& path);  // throws snug::Error naming the path

}  // namespace snug::cli
