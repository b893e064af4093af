// tokenizer/regex_step.h: one pre-tokenizer regex run with PCRE2 the way llama.cpp runs it with std::regex: patterns
// with \p{..} classes match a "collapsed" text (one byte per codepoint standing for its category), others match the
// codepoints themselves with non-ASCII whitespace turned into \v. Both keep llama.cpp's split: every match and every
// gap between matches becomes its own piece.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct pcre2_real_code_8;

namespace snug::tok {

// The text in the two forms the regexes see, built once per split and only when a step needs it.
class RegexSubject {
public:
    explicit RegexSubject(const std::vector<uint32_t>& cps) : cps_(cps) {}
    const std::string& collapsed();          // byte i stands for codepoint i
    const std::string& wide();               // UTF-8, non-ASCII whitespace as \v
    const std::vector<size_t>& wide_pos();   // byte offset in wide() of each codepoint, plus the end
    size_t size() const { return cps_.size(); }

private:
    const std::vector<uint32_t>& cps_;
    std::string collapsed_, wide_;
    std::vector<size_t> wide_pos_;
    bool have_collapsed_ = false, have_wide_ = false;
};

class RegexStep {
public:
    explicit RegexStep(std::string_view pattern);  // throws snug::Error when PCRE2 rejects it
    ~RegexStep();
    RegexStep(const RegexStep&) = delete;
    RegexStep& operator=(const RegexStep&) = delete;

    // Splits each piece of `offsets` (lengths in codepoints) further; returns the new lengths.
    std::vector<size_t> split(RegexSubject& subject, const std::vector<size_t>& offsets) const;

    // llama.cpp's rewrite of a pattern for the collapsed text; exposed for tests.
    static std::string collapse_pattern(std::string_view pattern);
    static bool uses_categories(std::string_view pattern);

private:
    pcre2_real_code_8* code_ = nullptr;
    bool collapsed_ = false;
    std::string pattern_;
};

}  // namespace snug::tok
