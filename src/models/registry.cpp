// models/registry.cpp: general.architecture -> factory. Adding an architecture is one line here plus its file.
#include <string>
#include <utility>

#include "base/error.h"
#include "gguf/gguf.h"
#include "models/model.h"

namespace snug {

std::unique_ptr<Model> make_llama(const gguf::File& f);
std::unique_ptr<Model> make_qwen2(const gguf::File& f);
std::unique_ptr<Model> make_qwen3(const gguf::File& f);
std::unique_ptr<Model> make_gemma3(const gguf::File& f);

namespace {
using Factory = std::unique_ptr<Model> (*)(const gguf::File&);
#define REGISTER_MODEL(arch, factory) {arch, factory}
constexpr std::pair<const char*, Factory> REGISTRY[] = {
    REGISTER_MODEL("llama", make_llama),
    REGISTER_MODEL("qwen2", make_qwen2),
    REGISTER_MODEL("qwen3", make_qwen3),
    REGISTER_MODEL("gemma3", make_gemma3),
};
#undef REGISTER_MODEL
}  // namespace

std::vector<std::string> registered_architectures() {
    std::vector<std::string> v;
    for (const auto& [arch, _] : REGISTRY) v.emplace_back(arch);
    return v;
}

std::unique_ptr<Model> load_model(const gguf::File& file) {
    const std::string arch = file.require_string("general.architecture");
    for (const auto& [name, factory] : REGISTRY)
        if (arch == name) return factory(file);
    std::string known;
    for (const auto& a : registered_architectures()) known += (known.empty() ? "" : ", ") + a;
    throw Error("unsupported architecture '" + arch + "' (snug runs: " + known + ")");
}

}  // namespace snug
