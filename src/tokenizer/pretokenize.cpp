// tokenizer/pretokenize.cpp: runs a pre-tokenizer's patterns in turn. The GPT-2 and Llama-3 patterns use hand-written
// splitters, as llama.cpp does (its unicode_regex_split_custom_*), so their quirks are the same; the rest go to PCRE2.
#include "tokenizer/pretokenize.h"

#include "tokenizer/regex_step.h"
#include "tokenizer/unicode.h"

namespace snug::tok {

namespace {

// The exact pattern strings llama.cpp recognises and replaces with its custom splitters.
constexpr std::string_view GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
constexpr std::string_view LLAMA3_PATTERN_CI =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view LLAMA3_PATTERN =
    "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// Walks one piece [begin, end) of the codepoints and cuts it into words.
class Cutter {
public:
    Cutter(const std::vector<uint32_t>& cps, size_t begin, size_t end, std::vector<size_t>& out)
        : cps_(cps), end_(end), last_(begin), out_(out) {}

    uint32_t cp(size_t p) const { return p < end_ ? cps_[p] : OUT_OF_RANGE; }
    uint16_t flags(size_t p) const { return p < end_ ? codepoint_flags(cps_[p]) : 0; }
    size_t end() const { return end_; }
    void cut(size_t p) {  // the word [last cut, p) is complete
        if (p > last_) out_.push_back(p - last_);
        last_ = p;
    }

    static constexpr uint32_t OUT_OF_RANGE = 0xFFFFFFFF;

private:
    const std::vector<uint32_t>& cps_;
    size_t end_, last_;
    std::vector<size_t>& out_;
};

bool has(uint16_t flags, uint16_t bit) { return (flags & bit) != 0; }
bool is_other(uint16_t f) { return f != 0 && !has(f, CPT_WHITESPACE | CPT_LETTER | CPT_NUMBER); }  // [^\s\p{L}\p{N}]
bool is_cr_lf(uint32_t c) { return c == '\r' || c == '\n'; }

// 's 't 're 've 'm 'll 'd at p (lower-casing the letters first when asked); returns the length matched or 0.
size_t contraction_at(const Cutter& c, size_t p, bool fold_case) {
    if (c.cp(p) != '\'' || p + 1 >= c.end()) return 0;
    const auto at = [&](size_t i) { return fold_case ? to_lower(c.cp(i)) : c.cp(i); };
    const uint32_t a = at(p + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (p + 2 >= c.end()) return 0;
    const uint32_t b = at(p + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)  (and \s+ where nothing matches)
void split_gpt2(const std::vector<uint32_t>& cps, size_t begin, size_t end, std::vector<size_t>& out) {
    Cutter c(cps, begin, end, out);
    size_t pos = begin;
    while (pos < end) {
        const uint32_t cp = c.cp(pos);
        if (const size_t n = contraction_at(c, pos, false)) {
            c.cut(pos += n);
            continue;
        }
        const uint16_t f = cp == ' ' ? c.flags(pos + 1) : c.flags(pos);  // class of what follows an optional space
        const bool letter = has(f, CPT_LETTER), number = has(f, CPT_NUMBER), other = is_other(f);
        if (letter || number || other) {
            pos += cp == ' ' ? 1 : 0;
            while (letter ? has(c.flags(pos), CPT_LETTER) : number ? has(c.flags(pos), CPT_NUMBER)
                                                                   : is_other(c.flags(pos))) {
                ++pos;
            }
            c.cut(pos);
            continue;
        }
        size_t n_space = 0;
        while (has(c.flags(pos + n_space), CPT_WHITESPACE)) ++n_space;
        if (n_space > 1 && pos + n_space < end) {
            c.cut(pos += n_space - 1);  // \s+(?!\S): leave the last space to the word after it
        } else if (n_space > 0) {
            c.cut(pos += n_space);
        } else {
            c.cut(++pos);
        }
    }
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3(const std::vector<uint32_t>& cps, size_t begin, size_t end, std::vector<size_t>& out) {
    Cutter c(cps, begin, end, out);
    size_t pos = begin;
    while (pos < end) {
        const uint32_t cp = c.cp(pos);
        const uint16_t f = c.flags(pos);
        if (const size_t n = contraction_at(c, pos, true)) {
            c.cut(pos += n);
            continue;
        }
        if (!is_cr_lf(cp) && !has(f, CPT_NUMBER) && (has(f, CPT_LETTER) || has(c.flags(pos + 1), CPT_LETTER))) {
            ++pos;  // a letter, or the one non-letter allowed before letters
            while (has(c.flags(pos), CPT_LETTER)) ++pos;
            c.cut(pos);
            continue;
        }
        if (has(f, CPT_NUMBER)) {
            size_t run = 0;
            while (has(c.flags(pos), CPT_NUMBER)) {
                ++pos;
                if (++run == 3) {
                    c.cut(pos);
                    run = 0;
                }
            }
            c.cut(pos);
            continue;
        }
        // llama.cpp tests the current codepoint's flags (not the next one's) for being in range here; a lone
        // trailing space takes this path and ends up as the same one-codepoint word either way.
        const uint16_t f2 = cp == ' ' ? c.flags(pos + 1) : f;
        if (!has(f2, CPT_WHITESPACE | CPT_LETTER | CPT_NUMBER) && f != 0) {
            pos += cp == ' ' ? 1 : 0;
            while (is_other(c.flags(pos))) ++pos;
            while (is_cr_lf(c.cp(pos))) ++pos;
            c.cut(pos);
            continue;
        }
        size_t n_space = 0, after_last_newline = 0;
        while (has(c.flags(pos + n_space), CPT_WHITESPACE)) {
            if (is_cr_lf(c.cp(pos + n_space))) after_last_newline = pos + n_space + 1;
            ++n_space;
        }
        if (after_last_newline > 0) {
            c.cut(pos = after_last_newline);  // \s*[\r\n]+
        } else if (n_space > 1 && pos + n_space < end) {
            c.cut(pos += n_space - 1);  // \s+(?!\S)
        } else if (n_space > 0) {
            c.cut(pos += n_space);
        } else {
            c.cut(++pos);
        }
    }
}

}  // namespace

PreTokenizer::PreTokenizer(const std::vector<std::string_view>& patterns) {
    for (std::string_view p : patterns) {
        if (p == GPT2_PATTERN) {
            steps_.push_back({Kind::GPT2, nullptr});
        } else if (p == LLAMA3_PATTERN || p == LLAMA3_PATTERN_CI) {
            steps_.push_back({Kind::LLAMA3, nullptr});
        } else {
            steps_.push_back({Kind::REGEX, std::make_unique<RegexStep>(p)});
        }
    }
}

PreTokenizer::~PreTokenizer() = default;

std::vector<size_t> PreTokenizer::split_offsets(const std::vector<uint32_t>& cps) const {
    std::vector<size_t> offsets{cps.size()};
    RegexSubject subject(cps);
    for (const Step& step : steps_) {
        if (step.kind == Kind::REGEX) {
            offsets = step.regex->split(subject, offsets);
            continue;
        }
        std::vector<size_t> next;
        next.reserve(offsets.size());
        size_t start = 0;
        for (size_t len : offsets) {
            if (step.kind == Kind::GPT2) {
                split_gpt2(cps, start, start + len, next);
            } else {
                split_llama3(cps, start, start + len, next);
            }
            start += len;
        }
        offsets = std::move(next);
    }
    return offsets;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    const std::vector<uint32_t> cps = decode_utf8(text);
    std::vector<std::string> words;
    size_t start = 0;
    for (size_t len : split_offsets(cps)) {
        std::string& w = words.emplace_back();
        for (size_t i = start; i < start + len; ++i) append_utf8(cps[i], w);
        start += len;
    }
    return words;
}

std::vector<std::string> PreTokenizer::split_byte_encoded(std::string_view text) const {
    std::vector<std::string> words = split(text);
    for (std::string& w : words) {
        std::string encoded;
        encoded.reserve(w.size() * 2);
        for (char b : w) encoded += byte_to_unicode(static_cast<uint8_t>(b));
        w = std::move(encoded);
    }
    return words;
}

}  // namespace snug::tok
