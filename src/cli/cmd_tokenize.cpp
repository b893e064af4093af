// cli/cmd_tokenize.cpp: `snug tokenize`: ids of a text. Loads only the tokenizer, so vocab-only GGUFs work.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {

int cmd_tokenize(const Argv& argv) {
    const Args a(argv, {"--text", "--text-file"}, {"--no-special", "--json"});
    if (a.positionals().size() != 1) throw Error("usage: snug tokenize MODEL.gguf --text TEXT [--no-special] [--json]");
    std::string text;
    if (const auto t = a.value("--text")) text = *t;
    else if (const auto f = a.value("--text-file")) text = read_text_file(*f);
    else throw Error("missing --text TEXT");
    const auto file = gguf::File::open(a.positionals()[0]);
    const auto tok = Tokenizer::from_gguf(*file);
    const bool special = !a.flag("--no-special");
    const std::vector<int32_t> ids = tok->encode(text, special, special);
    if (a.flag("--json")) {
        nlohmann::json j;
        j["tokens"] = ids;
        std::printf("%s\n", j.dump().c_str());
    } else {
        for (int32_t id : ids) {
            const nlohmann::json piece = tok->token_to_piece(id);
            std::printf("%6d %s\n", id, piece.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        }
    }
    return 0;
}

}  // namespace snug::cli
