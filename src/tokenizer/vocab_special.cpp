// tokenizer/vocab_special.cpp: special ids from metadata (with the model type's defaults), and the fix-ups llama.cpp
// makes after loading: tokens recognised by their text become control tokens and end-of-generation tokens, some
// models get whitespace-eating attributes, and the special tokens are listed longest first for matching.
#include "tokenizer/vocab_special.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/error.h"
#include "gguf/gguf.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

// U+FF5C (fullwidth vertical line) and U+2581 (the SentencePiece space), for DeepSeek's special tokens.
#define SNUG_FWBAR "\xEF\xBD\x9C"
#define SNUG_SPACE "\xE2\x96\x81"

struct SpecialKey {
    std::string_view key;
    int32_t Vocab::*id;
};

// In llama.cpp's order: the deprecated prefix/suffix/middle keys override the fim ones.
constexpr SpecialKey k_special_keys[] = {
    {"tokenizer.ggml.bos_token_id", &Vocab::bos},         {"tokenizer.ggml.eos_token_id", &Vocab::eos},
    {"tokenizer.ggml.eot_token_id", &Vocab::eot},         {"tokenizer.ggml.eom_token_id", &Vocab::eom},
    {"tokenizer.ggml.unknown_token_id", &Vocab::unk},     {"tokenizer.ggml.seperator_token_id", &Vocab::sep},
    {"tokenizer.ggml.padding_token_id", &Vocab::pad},     {"tokenizer.ggml.mask_token_id", &Vocab::mask},
    {"tokenizer.ggml.fim_pre_token_id", &Vocab::fim_pre}, {"tokenizer.ggml.fim_suf_token_id", &Vocab::fim_suf},
    {"tokenizer.ggml.fim_mid_token_id", &Vocab::fim_mid}, {"tokenizer.ggml.fim_pad_token_id", &Vocab::fim_pad},
    {"tokenizer.ggml.fim_rep_token_id", &Vocab::fim_rep}, {"tokenizer.ggml.fim_sep_token_id", &Vocab::fim_sep},
    {"tokenizer.ggml.prefix_token_id", &Vocab::fim_pre},  {"tokenizer.ggml.suffix_token_id", &Vocab::fim_suf},
    {"tokenizer.ggml.middle_token_id", &Vocab::fim_mid},
};

// Ids left unset by metadata are looked for by text; the token found is made a control token.
struct TextRule {
    int32_t Vocab::*id;
    std::vector<std::string_view> texts;
};

const std::vector<TextRule>& text_rules() {
    static const std::vector<TextRule> rules = {
        {&Vocab::eot, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
                       "<EOT>", "_<EOT>", "[EOT]", "<" SNUG_FWBAR "end" SNUG_SPACE "of" SNUG_SPACE "sentence" SNUG_FWBAR ">",
                       "<end_of_utterance>"}},
        {&Vocab::eom, {"<|eom_id|>"}},
        {&Vocab::fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<" SNUG_FWBAR "fim" SNUG_SPACE "begin" SNUG_FWBAR ">",
                           "<PRE>", SNUG_SPACE "<PRE>", "<|code_prefix|>", "<|prefix|>"}},
        {&Vocab::fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<" SNUG_FWBAR "fim" SNUG_SPACE "hole" SNUG_FWBAR ">",
                           "<SUF>", SNUG_SPACE "<SUF>", "<|code_suffix|>", "<|suffix|>"}},
        {&Vocab::fim_mid, {"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<" SNUG_FWBAR "fim" SNUG_SPACE "end" SNUG_FWBAR ">",
                           "<MID>", SNUG_SPACE "<MID>", "<|code_middle|>", "<|middle|>"}},
        {&Vocab::fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}},
        {&Vocab::fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
        {&Vocab::fim_sep, {"<|file_sep|>"}},
    };
    return rules;
}

// Tokens that end generation wherever they appear (llama.cpp matches them by text, issue #9606).
constexpr std::string_view k_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
    "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
    "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<" SNUG_FWBAR "end" SNUG_SPACE "of" SNUG_SPACE "sentence" SNUG_FWBAR ">", "[e~[",
};

#undef SNUG_FWBAR
#undef SNUG_SPACE

void set_default_ids(Vocab& v) {
    switch (v.type) {
        case VocabType::SPM: v.bos = 1; v.eos = 2; v.unk = 0; break;
        case VocabType::WPM: v.bos = 101; v.unk = 100; v.sep = 102; v.pad = 0; v.mask = 103; break;
        case VocabType::BPE: v.bos = v.pre->no_default_bos ? -1 : 11; v.eos = 11; break;
    }
}

void read_special_ids(const gguf::File& f, Vocab& v) {
    for (const SpecialKey& sk : k_special_keys) {
        int32_t& id = v.*sk.id;
        if (id >= v.n_tokens()) id = -1;  // a default past a small vocabulary
        const gguf::Value* val = f.find(sk.key);
        if (!val) continue;
        const int64_t x = val->as_int(sk.key);
        if (x == -1 || x == 0xFFFFFFFF) continue;  // "none" as converters write it: the default stays, as in llama.cpp
        if (x < 0 || x >= v.n_tokens()) {
            throw Error("metadata " + std::string(sk.key) + " = " + std::to_string(x) + " is outside the vocabulary of " +
                        std::to_string(v.n_tokens()) + " tokens");
        }
        id = static_cast<int32_t>(x);
    }
}

void read_add_flags(const gguf::File& f, Vocab& v) {
    v.add_bos = f.get_bool("tokenizer.ggml.add_bos_token", v.add_bos);
    v.add_eos = f.get_bool("tokenizer.ggml.add_eos_token", v.add_eos);
    v.add_sep = f.get_bool("tokenizer.ggml.add_sep_token", v.add_sep);
    const auto check = [](bool add, int32_t id, std::string_view add_key, std::string_view id_key) {
        if (add && id < 0) {
            throw Error("metadata tokenizer.ggml." + std::string(add_key) + " is true, but tokenizer.ggml." +
                        std::string(id_key) + " names no token");
        }
    };
    check(v.add_bos, v.bos, "add_bos_token", "bos_token_id");
    check(v.add_eos, v.eos, "add_eos_token", "eos_token_id");
    check(v.add_sep, v.sep, "add_sep_token", "seperator_token_id");
    v.lowercase = f.get_bool("tokenizer.ggml.normalizer.lowercase", true);
    v.strip_accents = f.get_bool("tokenizer.ggml.normalizer.strip_accents", v.lowercase);
}

// Among several candidates llama.cpp takes whichever its hash map yields first; the lowest id is our stable choice.
void detect_by_text(Vocab& v) {
    for (const TextRule& rule : text_rules()) {
        int32_t& id = v.*rule.id;
        if (id >= 0) continue;
        for (std::string_view text : rule.texts) {
            const int32_t found = v.find(text);
            if (found >= 0 && (id < 0 || found < id)) id = found;
        }
        if (id >= 0) v.tokens[static_cast<size_t>(id)].attr |= ATTR_CONTROL;
    }
}

void build_eog(Vocab& v) {
    std::set<int32_t> eog;
    for (int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep}) {
        if (id >= 0) eog.insert(id);
    }
    for (std::string_view text : k_eog_texts) {
        const int32_t id = v.find(text);
        if (id < 0) continue;
        eog.insert(id);
        v.tokens[static_cast<size_t>(id)].attr |= ATTR_CONTROL;
    }
    // gpt-oss renders these framing tokens always; llama.cpp forces them to user-defined.
    for (std::string_view text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
        const int32_t id = v.find(text);
        if (id >= 0) v.tokens[static_cast<size_t>(id)].attr = ATTR_USER_DEFINED;
    }
    for (int32_t id : {v.eos, v.eot, v.eom}) {
        if (id >= 0) eog.insert(id);
    }
    const auto in_eog = [&](std::string_view text) {
        const int32_t id = v.find(text);
        return id >= 0 && eog.count(id) ? id : -1;
    };
    // o200k_harmony and solar-open: <|end|> separates messages there and must not stop generation.
    const int32_t end_id = in_eog("<|end|>");
    const bool has_call = in_eog("<|call|>") >= 0 || in_eog("<|calls|>") >= 0;
    if (end_id >= 0 && has_call && (in_eog("<|return|>") >= 0 || in_eog("<|flush|>") >= 0)) {
        eog.erase(end_id);
        v.tokens[static_cast<size_t>(end_id)].attr = ATTR_USER_DEFINED;
    }
    // Gemma 4 and PaddleOCR: </s> is an ordinary token there.
    const int32_t s_id = in_eog("</s>");
    if (s_id >= 0 && in_eog("<|tool_response>") >= 0) {
        eog.erase(s_id);
        v.tokens[static_cast<size_t>(s_id)].attr = ATTR_NORMAL;
    }
    v.eog_ids.assign(eog.begin(), eog.end());
}

void build_special_list(Vocab& v) {
    for (int32_t id = 0; id < v.n_tokens(); ++id) {
        if (v.has_attr(id, ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) v.special_tokens.push_back(id);
    }
    std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(), [&](int32_t a, int32_t b) {
        return v.tokens[static_cast<size_t>(a)].text.size() > v.tokens[static_cast<size_t>(b)].text.size();
    });
}

std::string string_or_empty(const gguf::File& f, std::string_view key) {
    const gguf::Value* val = f.find(key);
    return val && val->type == gguf::ValueType::STRING ? std::string(val->str) : std::string();
}

// Whitespace-eating attributes llama.cpp gives some models' special tokens, chosen by model name.
void apply_model_attrs(const gguf::File& f, Vocab& v) {
    const auto set_attr = [&](std::string_view text, uint16_t attr, bool on) {
        const int32_t id = v.find(text);  // llama.cpp aborts when the token is missing; we skip it
        if (id < 0) return;
        uint16_t& a = v.tokens[static_cast<size_t>(id)].attr;
        a = static_cast<uint16_t>(on ? (a | attr) : (a & ~attr));
    };
    const auto contains_any = [](const std::string& s, std::initializer_list<std::string_view> parts) {
        return std::any_of(parts.begin(), parts.end(), [&](std::string_view p) { return s.find(p) != s.npos; });
    };
    std::string name = string_or_empty(f, "general.name");
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string arch = string_or_empty(f, "general.architecture");
    if (contains_any(v.pre_name, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
        contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
        set_attr("<mask>", ATTR_LSTRIP, true);
    } else if (contains_any(name, {"phi-3", "phi3"})) {
        for (int32_t id : v.special_tokens) v.tokens[static_cast<size_t>(id)].attr |= ATTR_RSTRIP;
        set_attr("</s>", ATTR_RSTRIP, true);
        for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set_attr(t, ATTR_RSTRIP, false);
    } else if (contains_any(name, {"modern-bert"})) {
        set_attr("[MASK]", ATTR_LSTRIP, true);
    }
}

}  // namespace

void apply_special_tokens(const gguf::File& f, Vocab& v) {
    set_default_ids(v);
    read_special_ids(f, v);
    read_add_flags(f, v);
    detect_by_text(v);
    build_eog(v);
    build_special_list(v);
    apply_model_attrs(f, v);
}

}  // namespace snug::tok
