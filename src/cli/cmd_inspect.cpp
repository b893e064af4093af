// cli/cmd_inspect.cpp: `snug inspect`: what a GGUF holds — architecture, hyperparameters, tokenizer, tensors by type.
#include <cstdio>
#include <algorithm>
#include <map>

#include "base/error.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "gguf/gguf.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace snug::cli {
namespace {

std::string value_string(const gguf::Value& v) {
    using gguf::ValueType;
    switch (v.type) {
        case ValueType::STRING: {
            std::string s(v.str.substr(0, 80));
            for (auto& c : s)
                if (c == '\n') c = ' ';
            return "\"" + s + (v.str.size() > 80 ? "...\"" : "\"");
        }
        case ValueType::ARRAY:
            return "[" + std::to_string(v.arr.size()) + " x " + std::string(gguf::value_type_name(v.elem_type)) + "]";
        case ValueType::FLOAT32: case ValueType::FLOAT64: return std::to_string(v.f);
        case ValueType::BOOL: return v.u ? "true" : "false";
        default: return v.is_integer() ? std::to_string(v.as_int("value")) : "?";
    }
}

std::string human_bytes(double b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024.0 && u < 4) {
        b /= 1024.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f %s", b, units[u]);
    return buf;
}

}  // namespace

int cmd_inspect(const Argv& argv) {
    const Args a(argv, {}, {"--tensors"});
    if (a.positionals().size() != 1) throw Error("usage: snug inspect MODEL.gguf [--tensors]");
    const auto f = gguf::File::open(a.positionals()[0]);
    std::printf("file      %s (GGUF v%u, %s, alignment %u)\n", f->path().c_str(), f->version(),
                human_bytes(static_cast<double>(f->file_size())).c_str(), f->alignment());
    std::printf("\nmetadata (%zu keys)\n", f->metadata().size());
    for (const auto& [k, v] : f->metadata()) std::printf("  %-48.*s %s\n", int(k.size()), k.data(), value_string(v).c_str());

    if (f->find("general.architecture") && !f->tensors().empty()) {
        const auto model = load_model(*f);
        const auto& c = model->config();
        std::printf("\nmodel     %s: %d layers, n_embd %d, n_ff %d, heads %d / kv %d, head_dim %d, vocab %d, ctx %d\n",
                    c.arch.c_str(), c.n_layers, c.n_embd, c.n_ff, c.n_heads, c.n_kv_heads, c.head_dim, c.n_vocab,
                    c.n_ctx_train);
        int sliding = 0;
        for (int w : c.layer_window) sliding += w > 0;
        if (sliding) std::printf("          %d of %d layers use a sliding window of %d\n", sliding, c.n_layers,
                                 *std::max_element(c.layer_window.begin(), c.layer_window.end()));
    }
    if (f->find("tokenizer.ggml.model")) {
        const auto tok = Tokenizer::from_gguf(*f);
        std::printf("tokenizer %.*s (pre %.*s), %d tokens, bos %d, eos %d, add_bos %s\n", int(tok->model_type().size()),
                    tok->model_type().data(), int(tok->pre_type().size()), tok->pre_type().data(), tok->n_vocab(),
                    tok->bos(), tok->eos(), tok->add_bos() ? "yes" : "no");
    }

    std::map<std::string, std::pair<int, size_t>> by_type;
    size_t total = 0;
    for (const auto& t : f->tensors()) {
        auto& e = by_type[std::string(dtype_name(t.dtype))];
        ++e.first;
        e.second += t.n_bytes;
        total += t.n_bytes;
    }
    std::printf("\ntensors   %zu, %s\n", f->tensors().size(), human_bytes(static_cast<double>(total)).c_str());
    for (const auto& [type, e] : by_type)
        std::printf("  %-8s %5d tensors  %s\n", type.c_str(), e.first, human_bytes(static_cast<double>(e.second)).c_str());
    if (a.flag("--tensors"))
        for (const auto& t : f->tensors()) {
            std::string shape;
            for (auto d : t.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
            std::printf("  %-40.*s %-7s [%s]\n", int(t.name.size()), t.name.data(), std::string(dtype_name(t.dtype)).c_str(),
                        shape.c_str());
        }
    return 0;
}

}  // namespace snug::cli
