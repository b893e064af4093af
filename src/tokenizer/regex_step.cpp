// tokenizer/regex_step.cpp: PCRE2 in place of llama.cpp's std::regex. Both are backtracking engines with
// leftmost-first alternation, so on the same subject they find the same matches; PCRE2 keeps its backtracking on the
// heap, where libstdc++'s std::regex recurses and can overflow the stack on long words.
#include "tokenizer/regex_step.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <memory>

#include "base/error.h"
#include "tokenizer/unicode.h"

namespace snug::tok {

namespace {

// Stand-ins llama.cpp uses for non-ASCII codepoints in the collapsed text, by category.
constexpr char COLLAPSED_OTHER = static_cast<char>(0xD0);
constexpr char COLLAPSED_NUMBER = static_cast<char>(0xD1);
constexpr char COLLAPSED_LETTER = static_cast<char>(0xD2);
constexpr char COLLAPSED_PUNCTUATION = static_cast<char>(0xD3);
constexpr char COLLAPSED_MARK = static_cast<char>(0xD4);
constexpr char COLLAPSED_SYMBOL = static_cast<char>(0xD5);
constexpr char COLLAPSED_SPACE = '\v';  // \s matches it; std::regex's \s would not match U+0085 and friends

struct Category {
    std::string_view name;    // as written in patterns
    char stand_in;            // its non-ASCII codepoints in the collapsed text
    std::string_view ascii;   // its ASCII members, as class content
};

// \p{Lu} and the other letter subclasses all collapse to every letter, as in llama.cpp.
constexpr std::array<Category, 10> k_categories = {{
    {"\\p{N}", COLLAPSED_NUMBER, "0-9"},
    {"\\p{L}", COLLAPSED_LETTER, "A-Za-z"},
    {"\\p{P}", COLLAPSED_PUNCTUATION, "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}"},
    {"\\p{M}", COLLAPSED_MARK, ""},
    {"\\p{S}", COLLAPSED_SYMBOL, "\\$\\+<->^`\\|"},
    {"\\p{Lu}", COLLAPSED_LETTER, "A-Za-z"},
    {"\\p{Ll}", COLLAPSED_LETTER, "A-Za-z"},
    {"\\p{Lt}", COLLAPSED_LETTER, "A-Za-z"},
    {"\\p{Lm}", COLLAPSED_LETTER, "A-Za-z"},
    {"\\p{Lo}", COLLAPSED_LETTER, "A-Za-z"},
}};

char collapse_codepoint(uint32_t cp) {
    if (cp < 0x80) return static_cast<char>(cp);
    const uint16_t f = codepoint_flags(cp);
    if (f & CPT_WHITESPACE) return COLLAPSED_SPACE;
    switch (f & CPT_CATEGORY_MASK) {
        case CPT_NUMBER: return COLLAPSED_NUMBER;
        case CPT_LETTER: return COLLAPSED_LETTER;
        case CPT_PUNCTUATION: return COLLAPSED_PUNCTUATION;
        case CPT_MARK: return COLLAPSED_MARK;
        case CPT_SYMBOL: return COLLAPSED_SYMBOL;
        default: return COLLAPSED_OTHER;
    }
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data* md) const { pcre2_match_data_free(md); }
};

std::string pcre2_message(int code) {
    std::array<PCRE2_UCHAR, 256> buf{};
    pcre2_get_error_message(code, buf.data(), buf.size());
    return reinterpret_cast<const char*>(buf.data());
}

}  // namespace

const std::string& RegexSubject::collapsed() {
    if (!have_collapsed_) {
        collapsed_.resize(cps_.size());
        for (size_t i = 0; i < cps_.size(); ++i) collapsed_[i] = collapse_codepoint(cps_[i]);
        have_collapsed_ = true;
    }
    return collapsed_;
}

const std::string& RegexSubject::wide() {
    if (!have_wide_) {
        wide_.reserve(cps_.size());
        wide_pos_.reserve(cps_.size() + 1);
        for (uint32_t cp : cps_) {
            wide_pos_.push_back(wide_.size());
            if (cp > 0x7F && (codepoint_flags(cp) & CPT_WHITESPACE)) cp = '\v';
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = REPLACEMENT_CHAR;  // no pattern tells the two apart
            append_utf8(cp, wide_);
        }
        wide_pos_.push_back(wide_.size());
        have_wide_ = true;
    }
    return wide_;
}

const std::vector<size_t>& RegexSubject::wide_pos() {
    wide();
    return wide_pos_;
}

bool RegexStep::uses_categories(std::string_view pattern) {
    return std::any_of(k_categories.begin(), k_categories.end(),
                       [&](const Category& c) { return pattern.find(c.name) != std::string_view::npos; });
}

std::string RegexStep::collapse_pattern(std::string_view p) {
    std::string out;
    bool in_class = false;  // patterns never nest classes
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '[' && (i == 0 || p[i - 1] != '\\')) {
            out += '[';
            in_class = true;
            continue;
        }
        if (in_class && p[i] == ']' && p[i - 1] != '\\') {
            out += ']';
            in_class = false;
            continue;
        }
        if (p[i] == '\\' && i + 3 < p.size() && p[i + 1] == 'p' && p[i + 2] == '{') {
            const size_t close = p.find('}', i + 3);
            if (close != std::string_view::npos && close <= i + 10) {
                const std::string_view name = p.substr(i, close - i + 1);
                const auto cat = std::find_if(k_categories.begin(), k_categories.end(),
                                              [&](const Category& c) { return c.name == name; });
                if (cat != k_categories.end()) {
                    if (!in_class) out += '[';
                    out += cat->stand_in;
                    out += cat->ascii;
                    if (!in_class) out += ']';
                    i = close;
                    continue;
                }
            }
        }
        out += p[i];
    }
    return out;
}

RegexStep::RegexStep(std::string_view pattern) : pattern_(pattern) {
    collapsed_ = uses_categories(pattern);
    const std::string source = collapsed_ ? collapse_pattern(pattern) : std::string(pattern);
    const uint32_t options = PCRE2_DOLLAR_ENDONLY | (collapsed_ ? 0u : PCRE2_UTF);
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(source.data()), source.size(), options, &error, &error_offset,
                          nullptr);
    if (!code_) {
        throw Error("pre-tokenizer pattern '" + pattern_ + "' does not compile at offset " +
                    std::to_string(error_offset) + ": " + pcre2_message(error));
    }
}

RegexStep::~RegexStep() { pcre2_code_free(code_); }

std::vector<size_t> RegexStep::split(RegexSubject& subject, const std::vector<size_t>& offsets) const {
    // Offsets into the subject are bytes; pieces are counted in codepoints. In the collapsed text they coincide.
    const std::string& text = collapsed_ ? subject.collapsed() : subject.wide();
    const std::vector<size_t>* pos = collapsed_ ? nullptr : &subject.wide_pos();
    const auto byte_of = [&](size_t cp_index) { return pos ? (*pos)[cp_index] : cp_index; };
    const auto cp_of = [&](size_t byte) {
        return pos ? static_cast<size_t>(std::lower_bound(pos->begin(), pos->end(), byte) - pos->begin()) : byte;
    };

    std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(pcre2_match_data_create_from_pattern(code_, nullptr));
    if (!md) throw Error("out of memory for pre-tokenizer regex match data");
    const uint32_t match_options = collapsed_ ? 0u : PCRE2_NO_UTF_CHECK;

    std::vector<size_t> out;
    out.reserve(offsets.size());
    size_t piece_start = 0;  // codepoint index
    for (size_t piece_len : offsets) {
        const size_t b0 = byte_of(piece_start);
        const size_t n_bytes = byte_of(piece_start + piece_len) - b0;
        const auto* subj = reinterpret_cast<PCRE2_SPTR>(text.data() + b0);
        size_t done = 0;     // bytes of this piece already handed out
        size_t search = 0;   // where the next match attempt starts
        while (search <= n_bytes) {
            const int rc = pcre2_match(code_, subj, n_bytes, search, match_options, md.get(), nullptr);
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) {
                throw Error("pre-tokenizer pattern '" + pattern_ + "' failed on a piece of " +
                            std::to_string(piece_len) + " codepoints: " + pcre2_message(rc));
            }
            const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
            const size_t ms = ov[0], me = ov[1];
            if (me == ms) {
                // An empty match adds nothing (llama.cpp would add an empty word, which encodes to no token).
                if (ms >= n_bytes) break;
                search = ms + (pos ? utf8_len(static_cast<char>(subj[ms])) : 1);
                continue;
            }
            if (ms > done) out.push_back(cp_of(b0 + ms) - cp_of(b0 + done));
            out.push_back(cp_of(b0 + me) - cp_of(b0 + ms));
            done = search = me;
        }
        if (done < n_bytes) out.push_back(cp_of(b0 + n_bytes) - cp_of(b0 + done));
        piece_start += piece_len;
    }
    return out;
}

}  // namespace snug::tok
