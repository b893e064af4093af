// tokenizer/vocab.cpp: reads and validates the token arrays, merges and flags from GGUF. The special ids and the
// attribute fix-ups llama.cpp applies after loading live in vocab_special.cpp.
#include "tokenizer/vocab.h"

#include <limits>

#include "base/error.h"
#include "gguf/gguf.h"
#include "tokenizer/vocab_special.h"

namespace snug::tok {

namespace {

constexpr std::string_view KEY_MODEL = "tokenizer.ggml.model";
constexpr std::string_view KEY_PRE = "tokenizer.ggml.pre";
constexpr std::string_view KEY_TOKENS = "tokenizer.ggml.tokens";
constexpr std::string_view KEY_SCORES = "tokenizer.ggml.scores";
constexpr std::string_view KEY_TYPES = "tokenizer.ggml.token_type";
constexpr std::string_view KEY_MERGES = "tokenizer.ggml.merges";

// GGUF token types (tokenizer.ggml.token_type) and the attribute each one gives.
uint16_t attr_of_token_type(int64_t type) {
    switch (type) {
        case 1: return ATTR_NORMAL;
        case 2: return ATTR_UNKNOWN;
        case 3: return ATTR_CONTROL;
        case 4: return ATTR_USER_DEFINED;
        case 5: return ATTR_UNUSED;
        case 6: return ATTR_BYTE;
        default: return ATTR_UNDEFINED;  // as llama.cpp: such a token is matched but renders as nothing
    }
}

std::string type_name(gguf::ValueType t) { return std::string(gguf::value_type_name(t)); }

bool is_integer_type(gguf::ValueType t) {
    gguf::Value probe;
    probe.type = t;
    return probe.is_integer();
}

// An array-of-T metadata value with at least `min_len` elements, or an Error naming the key.
const gguf::Value& require_array(const gguf::File& f, std::string_view key, size_t min_len) {
    const gguf::Value* v = f.find(key);
    if (!v) throw Error("missing metadata key '" + std::string(key) + "'");
    if (v->type != gguf::ValueType::ARRAY) {
        throw Error("metadata " + std::string(key) + " has type " + type_name(v->type) + ", expected an array");
    }
    if (v->arr.size() < min_len) {
        throw Error("metadata " + std::string(key) + " has " + std::to_string(v->arr.size()) +
                    " elements, expected at least " + std::to_string(min_len) + " (one per token)");
    }
    return *v;
}

[[noreturn]] void bad_element_type(std::string_view key, gguf::ValueType got, std::string_view expected) {
    throw Error("metadata " + std::string(key) + " is an array of " + type_name(got) + ", expected " +
                std::string(expected));
}

void read_model_type(const gguf::File& f, Vocab& v) {
    v.model_name = f.require_string(KEY_MODEL);
    v.pre_name = f.get_string(KEY_PRE, "");
    if (v.model_name == "llama") {
        v.type = VocabType::SPM;
        v.add_space_prefix = true;
        v.add_bos = true;
    } else if (v.model_name == "gpt2") {
        v.type = VocabType::BPE;
        v.pre = find_pre_tokenizer(v.pre_name);
        if (!v.pre) throw Error("unknown pre-tokenizer type '" + v.pre_name + "' (tokenizer.ggml.pre)");
        v.clean_spaces = v.pre->clean_spaces;
        v.ignore_merges = v.pre->ignore_merges;
        v.add_bos = v.pre->add_bos;
        v.add_sep = v.pre->add_sep;
    } else if (v.model_name == "bert") {
        v.type = VocabType::WPM;
        v.clean_spaces = true;
        v.add_bos = true;
        v.add_sep = true;
    } else {
        throw Error("unsupported tokenizer model '" + v.model_name + "' (tokenizer.ggml.model); snug reads llama, "
                    "gpt2 and bert");
    }
    v.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix", v.add_space_prefix);
    v.remove_extra_whitespaces = f.get_bool("tokenizer.ggml.remove_extra_whitespaces", false);
}

void read_tokens(const gguf::File& f, Vocab& v) {
    const gguf::Value& tokens = require_array(f, KEY_TOKENS, 1);
    if (tokens.elem_type != gguf::ValueType::STRING) bad_element_type(KEY_TOKENS, tokens.elem_type, "strings");
    if (tokens.arr.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
        throw Error("metadata " + std::string(KEY_TOKENS) + " has " + std::to_string(tokens.arr.size()) +
                    " tokens, more than token ids can number");
    }
    const size_t n = tokens.arr.size();

    const gguf::Value* scores = f.find(KEY_SCORES) ? &require_array(f, KEY_SCORES, n) : nullptr;
    if (scores && scores->elem_type != gguf::ValueType::FLOAT32 && scores->elem_type != gguf::ValueType::INT32) {
        bad_element_type(KEY_SCORES, scores->elem_type, "float32 or int32");
    }
    const gguf::Value* types = f.find(KEY_TYPES) ? &require_array(f, KEY_TYPES, n) : nullptr;
    if (types && !is_integer_type(types->elem_type)) {
        bad_element_type(KEY_TYPES, types->elem_type, "integers");
    }

    v.tokens.resize(n);
    v.token_to_id.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        TokenData& t = v.tokens[i];
        t.text = std::string(tokens.arr[i].str);
        // llama.cpp keeps empty tokens under a placeholder text no input can produce by chance.
        if (t.text.empty()) t.text = "[EMPTY_" + std::to_string(i) + "]";
        if (scores) t.score = static_cast<float>(scores->arr[i].as_float(KEY_SCORES));
        if (types) t.attr = attr_of_token_type(types->arr[i].as_int(KEY_TYPES));
        const auto [it, inserted] = v.token_to_id.emplace(t.text, static_cast<int32_t>(i));
        if (!inserted) {
            throw Error("duplicate token in vocabulary (" + std::string(KEY_TOKENS) + "): ids " +
                        std::to_string(it->second) + " and " + std::to_string(i) + " have the same text");
        }
        v.max_token_len = std::max(v.max_token_len, t.text.size());
    }
}

void read_merges(const gguf::File& f, Vocab& v) {
    const gguf::Value& merges = require_array(f, KEY_MERGES, 0);
    if (!merges.arr.empty() && merges.elem_type != gguf::ValueType::STRING) {
        bad_element_type(KEY_MERGES, merges.elem_type, "strings");
    }
    v.merge_rank.reserve(merges.arr.size());
    for (size_t i = 0; i < merges.arr.size(); ++i) {
        const std::string_view m = merges.arr[i].str;
        // "left right", split at the first space after the first byte (llama.cpp's rule).
        const size_t space = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
        if (space == std::string_view::npos) continue;  // a malformed merge can never apply
        v.merge_rank.emplace(std::string(m), static_cast<int32_t>(i));  // the first of duplicates wins
    }
}

}  // namespace

int32_t Vocab::find_merge(std::string_view left, std::string_view right) const {
    if (left.find(' ') != std::string_view::npos || right.find(' ') != std::string_view::npos) return -1;
    std::string key;
    key.reserve(left.size() + 1 + right.size());
    key.append(left).append(1, ' ').append(right);
    const auto it = merge_rank.find(key);
    return it == merge_rank.end() ? -1 : it->second;
}

Vocab load_vocab(const gguf::File& f) {
    Vocab v;
    read_model_type(f, v);
    read_tokens(f, v);
    if (v.type == VocabType::BPE) read_merges(f, v);
    apply_special_tokens(f, v);
    return v;
}

}  // namespace snug::tok
