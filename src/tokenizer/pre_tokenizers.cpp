// tokenizer/pre_tokenizers.cpp: the `tokenizer.ggml.pre` names llama.cpp knows for byte-level BPE vocabs, the regex
// lists it splits with for each, and the loader defaults that come with them. Patterns with \p{..} are written as
// llama.cpp writes them (they are rewritten for the collapsed text); the others use PCRE2's \x{..} escapes.
#include "tokenizer/pretokenize.h"

namespace snug::tok {

namespace {

// GPT-2's pattern; pretokenize.cpp replaces it with a hand-written splitter, as llama.cpp does.
constexpr std::string_view GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
// Llama 3's pattern with (?i:...) spelled out; also replaced by a hand-written splitter.
constexpr std::string_view LLAMA3 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view QWEN2 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view QWEN35 =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[\\p{L}\\p{M}]+|\\p{N}| "
    "?[^\\s\\p{L}\\p{M}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view SEED_CODER =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1}| "
    "?[^\\s\\p{L}\\p{N}\\r\\n]+|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view BAILINGMOE =
    "'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
constexpr std::string_view TEKKEN =
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])("
    "[^a-z]))+((?=[\\p{L}])([^A-Z]))*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view GPT4O =
    "[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))*((?=[\\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|"
    "'[lL][lL]|'[dD])?|[^\\r\\n\\p{L}\\p{N}]?((?=[\\p{L}])([^a-z]))+((?=[\\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|"
    "'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view DEEPSEEK3_WORDS =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
    "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

// CJK ideographs, U+0800..U+4E00 and Hangul, as DeepSeek's tokenizer.json lists them.
constexpr std::string_view DEEPSEEK_CJK = "[\\x{4E00}-\\x{9FA5}\\x{800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+";
constexpr std::string_view DEEPSEEK_LLM_LETTERS =
    "\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}\\x{295}-"
    "\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}\\x{388}-\\x{38A}\\x{38C}\\x{38E}-"
    "\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-"
    "\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}"
    "\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-"
    "\\x{1F57}\\x{1F59}\\x{1F5B}\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}"
    "\\x{1FC2}-\\x{1FC4}\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-"
    "\\x{1FF4}\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"
    "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}\\x{2145}-\\x{2149}"
    "\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}"
    "\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-"
    "\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}"
    "\\x{104B0}-\\x{104D3}\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
    "\\x{1E900}-\\x{1E943}]+";
constexpr std::string_view DEEPSEEK_LLM_PUNCT =
    "\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+";
constexpr std::string_view PORO = " ?[^(\\s|.,!?\\x{2026}\\x{3002}\\x{FF0C}\\x{3001}\\x{964}\\x{6D4}\\x{60C})]+";
constexpr std::string_view THREE_DIGITS = "[0-9][0-9][0-9]";

struct Family {
    std::vector<std::string_view> names;  // the first is the canonical one
    PreTokenizerConfig config;            // its name is filled in from names[0]
};

std::vector<Family> make_families() {
    const std::vector<std::string_view> gpt2{GPT2}, starcoder{"\\p{N}", GPT2}, qwen2{QWEN2}, llama3{LLAMA3};
    std::vector<Family> f = {
        {{"default"}, {{}, {"[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", THREE_DIGITS}}},
        {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
         {{}, llama3, true, true, true}},
        {{"dbrx"}, {{}, llama3}},
        {{"smaug-bpe"}, {{}, llama3}},
        {{"deepseek-llm"},
         {{}, {"[\r\n]", DEEPSEEK_LLM_LETTERS, DEEPSEEK_LLM_PUNCT, "\\s+$", DEEPSEEK_CJK, "\\p{N}+"}, false}},
        {{"deepseek-coder"}, {{}, {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", DEEPSEEK_CJK, "\\p{N}"}, false}},
        {{"deepseek-v3", "hunyuan-dense", "joyai-llm", "hy_v4"},
         {{}, {"\\p{N}{1,3}", "[\\x{4E00}-\\x{9FA5}\\x{3040}-\\x{309F}\\x{30A0}-\\x{30FF}]+", DEEPSEEK3_WORDS}, false}},
        {{"falcon"}, {{}, {"[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, THREE_DIGITS}}},
        {{"starcoder", "codeshell", "exaone", "minerva-7b", "mellum2"}, {{}, starcoder}},
        {{"refact"}, {{}, starcoder}},
        {{"command-r"}, {{}, starcoder, false}},
        {{"smollm"}, {{}, starcoder, false}},
        {{"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
          "modern-bert", "exaone4"},
         {{}, gpt2}},
        {{"roberta-bpe", "jina-v1-en", "jina-v2-code"}, {{}, gpt2, true, false, false, true}},
        {{"mpt"}, {{}, gpt2}},
        {{"olmo"}, {{}, gpt2}},
        {{"jais"}, {{}, gpt2}},
        {{"trillion"}, {{}, gpt2, false}},
        {{"granite-docling"}, {{}, gpt2, false}},
        {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open"}, {{}, qwen2, false}},
        {{"grok-2"}, {{}, qwen2, false}},
        {{"stablelm2", "megrez"}, {{}, qwen2}},
        {{"qwen35"}, {{}, {QWEN35}, false}},
        {{"poro-chat"}, {{}, {PORO}, false}},
        {{"bloom", "gpt3-finnish"}, {{}, {PORO}}},
        {{"viking"}, {{}, {PORO, "\\p{N}"}, false}},
        {{"chatglm-bpe", "glm4"}, {{}, llama3, true, false, false, false, true}},
        {{"tekken"}, {{}, {TEKKEN}, false, true, true}},
        {{"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, {{}, {GPT4O}, false}},
        {{"seed-coder"}, {{}, {SEED_CODER}, false}},
        {{"bailingmoe", "bailingmoe2", "llada-moe"}, {{}, {BAILINGMOE}, false}},
    };
    for (Family& fam : f) fam.config.name = fam.names.front();
    return f;
}

}  // namespace

const PreTokenizerConfig* find_pre_tokenizer(std::string_view name) {
    static const std::vector<Family> families = make_families();
    if (name.empty()) name = "default";
    for (const Family& fam : families) {
        for (std::string_view n : fam.names) {
            if (n == name) return &fam.config;
        }
    }
    return nullptr;
}

}  // namespace snug::tok
