// grammar/regex.cpp: a recursive-descent parser for the pattern subset, building expressions directly. Group
// nesting is bounded so a hostile pattern cannot exhaust the stack.
#include "grammar/regex.h"

#include <string>

#include "base/error.h"

namespace snug::grammar {
namespace {

constexpr int MAX_GROUP_DEPTH = 64;
constexpr uint32_t MAX_REPEAT = 100000;

bool is_digit(uint32_t c) { return c >= '0' && c <= '9'; }

int hex_value(uint32_t c) {
    if (c >= '0' && c <= '9') return int(c - '0');
    if (c >= 'a' && c <= 'f') return int(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return int(c - 'A' + 10);
    return -1;
}

CharSet digit_set() { return CharSet::range('0', '9'); }
CharSet word_set() { return CharSet::range('a', 'z').add('A', 'Z').add('0', '9').add('_', '_'); }
CharSet space_set() {  // ECMA-262 WhiteSpace and LineTerminator
    CharSet s = CharSet::range('\t', '\r');
    for (uint32_t c : {0x20u, 0xA0u, 0x1680u, 0x2028u, 0x2029u, 0x202Fu, 0x205Fu, 0x3000u, 0xFEFFu}) s.add(c, c);
    return s.add(0x2000, 0x200A);
}
CharSet line_terminators() { return CharSet::single('\n').add('\r', '\r').add(0x2028, 0x2029); }

class PatternParser {
public:
    explicit PatternParser(std::string_view pattern)
        : pattern_(pattern), cps_(decode_utf8(pattern, "pattern '" + std::string(pattern) + "'")) {}

    Expr parse() {
        std::vector<Expr> branches;
        do {
            const bool anchored_start = eat('^');
            bool anchored_end = false;
            Expr body = parse_sequence(0, &anchored_end);
            const Expr any_text = Expr::star(Expr::chars_of(CharSet::any()));
            branches.push_back(Expr::seq(
                {anchored_start ? Expr::empty() : any_text, std::move(body), anchored_end ? Expr::empty() : any_text}));
        } while (eat('|'));
        if (!at_end()) fail("unbalanced ')'");
        return Expr::alt(std::move(branches));
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw Error("pattern '" + std::string(pattern_) + "': " + what + " at offset " + std::to_string(pos_));
    }
    bool at_end() const { return pos_ >= cps_.size(); }
    uint32_t peek(size_t ahead = 0) const { return pos_ + ahead < cps_.size() ? cps_[pos_ + ahead] : UINT32_MAX; }
    bool eat(uint32_t c) {
        if (peek() != c) return false;
        ++pos_;
        return true;
    }
    uint32_t next() {
        if (at_end()) fail("unexpected end");
        return cps_[pos_++];
    }

    Expr parse_alternation(int depth) {
        std::vector<Expr> branches;
        do {
            branches.push_back(parse_sequence(depth, nullptr));
        } while (eat('|'));
        return Expr::alt(std::move(branches));
    }

    // anchored_end is non-null only for a top-level branch, the one place where "$" may appear (as its last item).
    Expr parse_sequence(int depth, bool* anchored_end) {
        std::vector<Expr> items;
        while (!at_end() && peek() != '|' && peek() != ')') {
            if (peek() == '$') {
                if (anchored_end == nullptr) fail("'$' inside a group is not supported");
                ++pos_;
                if (!at_end() && peek() != '|') fail("'$' before the end of the pattern is not supported");
                *anchored_end = true;
                break;
            }
            items.push_back(parse_quantified(depth));
        }
        return Expr::seq(std::move(items));
    }

    Expr parse_quantified(int depth) {
        const size_t atom_pos = pos_;
        Expr atom = parse_atom(depth);
        uint32_t min = 0;
        uint32_t max = 0;
        if (!parse_quantifier(&min, &max)) return atom;
        eat('?');  // lazy: the same strings match
        if (peek() == '*' || peek() == '+' || peek() == '?' || (peek() == '{' && looks_like_bounds())) {
            fail("a quantifier cannot follow a quantifier");
        }
        if (max == Expr::UNBOUNDED && atom.can_be_empty()) {
            pos_ = atom_pos;
            fail("a '*', '+' or '{m,}' quantifier on an expression that can match the empty string is not supported");
        }
        return Expr::repeat(std::move(atom), min, max);
    }

    bool looks_like_bounds() const {
        size_t k = 1;
        if (!is_digit(peek(k))) return false;
        while (is_digit(peek(k))) ++k;
        if (peek(k) == ',') {
            ++k;
            while (is_digit(peek(k))) ++k;
        }
        return peek(k) == '}';
    }

    uint32_t parse_count() {
        uint64_t v = 0;
        while (is_digit(peek())) {
            v = v * 10 + (next() - '0');
            if (v > MAX_REPEAT) fail("repetition count above " + std::to_string(MAX_REPEAT));
        }
        return uint32_t(v);
    }

    bool parse_quantifier(uint32_t* min, uint32_t* max) {
        switch (peek()) {
            case '?':
                ++pos_, *min = 0, *max = 1;
                return true;
            case '*':
                ++pos_, *min = 0, *max = Expr::UNBOUNDED;
                return true;
            case '+':
                ++pos_, *min = 1, *max = Expr::UNBOUNDED;
                return true;
            case '{':
                if (!looks_like_bounds()) return false;  // a literal '{', as ECMA-262 Annex B allows
                ++pos_;
                *min = *max = parse_count();
                if (eat(',')) *max = is_digit(peek()) ? parse_count() : Expr::UNBOUNDED;
                next();  // '}'
                if (*min > *max) fail("repetition {m,n} with m > n");
                return true;
            default:
                return false;
        }
    }

    Expr parse_atom(int depth) {
        const uint32_t c = next();
        switch (c) {
            case '(':
                return parse_group(depth);
            case '[':
                return Expr::chars_of(parse_class());
            case '.':
                return Expr::chars_of(line_terminators().complement());
            case '\\':
                return Expr::chars_of(parse_escape(false));
            case '*':
            case '+':
            case '?':
                --pos_, fail("nothing to repeat");
            case '{':
                --pos_;  // looks_like_bounds reads from the '{'
                if (looks_like_bounds()) fail("nothing to repeat");
                ++pos_;
                return Expr::chars_of(CharSet::single(c));
            case '^':
                --pos_, fail("'^' after the start of a branch is not supported");
            default:
                return Expr::chars_of(CharSet::single(c));
        }
    }

    Expr parse_group(int depth) {
        if (depth + 1 > MAX_GROUP_DEPTH) fail("groups nested deeper than " + std::to_string(MAX_GROUP_DEPTH));
        if (eat('?')) {
            if (peek() == '<' && peek(1) != '=' && peek(1) != '!') {  // named group: the name does not matter
                while (!at_end() && peek() != '>') ++pos_;
                if (!eat('>')) fail("unterminated group name");
            } else if (!eat(':')) {
                fail("lookaround and other '(?' groups are not supported");
            }
        }
        Expr inner = parse_alternation(depth + 1);
        if (!eat(')')) fail("missing ')'");
        return inner;
    }

    CharSet parse_class() {
        const bool negate = eat('^');
        CharSet set;
        while (peek() != ']') {
            if (at_end()) fail("unterminated character class");
            CharSet item = next() == '\\' ? parse_escape(true) : CharSet::single(cps_[pos_ - 1]);
            if (peek() == '-' && peek(1) != ']' && peek(1) != UINT32_MAX) {
                ++pos_;
                const uint32_t hi_c = next();
                const CharSet hi = hi_c == '\\' ? parse_escape(true) : CharSet::single(hi_c);
                if (item.ranges().size() != 1 || hi.ranges().size() != 1 ||
                    item.ranges()[0].lo != item.ranges()[0].hi || hi.ranges()[0].lo != hi.ranges()[0].hi) {
                    fail("a class escape cannot bound a range");
                }
                if (item.ranges()[0].lo > hi.ranges()[0].lo) fail("character range out of order");
                item = CharSet::range(item.ranges()[0].lo, hi.ranges()[0].lo);
            }
            set.add(item);
        }
        ++pos_;  // ']'
        return negate ? set.complement() : set;
    }

    uint32_t parse_hex(int n_digits) {
        uint32_t v = 0;
        for (int k = 0; k < n_digits; ++k) {
            const int h = hex_value(peek());
            if (h < 0) fail("bad hex escape");
            ++pos_;
            v = v * 16 + uint32_t(h);
        }
        return v;
    }

    // After a backslash; in_class: inside [...], where \b is a backspace.
    CharSet parse_escape(bool in_class) {
        const uint32_t c = next();
        switch (c) {
            case 'd':
                return digit_set();
            case 'D':
                return digit_set().complement();
            case 'w':
                return word_set();
            case 'W':
                return word_set().complement();
            case 's':
                return space_set();
            case 'S':
                return space_set().complement();
            case 't':
                return CharSet::single('\t');
            case 'n':
                return CharSet::single('\n');
            case 'r':
                return CharSet::single('\r');
            case 'f':
                return CharSet::single('\f');
            case 'v':
                return CharSet::single('\v');
            case 'x':
                return CharSet::single(parse_hex(2));
            case 'u': {
                if (peek() == '{') fail("\\u{...} escapes are not supported");
                const uint32_t cp = parse_hex(4);
                if (cp >= 0xD800 && cp <= 0xDFFF) fail("surrogate \\u escapes are not supported");
                return CharSet::single(cp);
            }
            case '0':
                if (is_digit(peek())) fail("octal escapes are not supported");
                return CharSet::single(0);
            case 'b':
                if (in_class) return CharSet::single('\b');
                fail("word boundaries (\\b) are not supported");
            case 'B':
                fail("word boundaries (\\B) are not supported");
            case 'p':
            case 'P':
                fail("Unicode property escapes (\\p, \\P) are not supported");
            case 'k':
                fail("backreferences are not supported");
            case 'c':
                fail("control escapes (\\c) are not supported");
            default:
                break;
        }
        if (is_digit(c)) fail("backreferences are not supported");
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) fail(std::string("unknown escape \\") + char(c));
        return CharSet::single(c);  // an escaped punctuation or other character stands for itself
    }

    std::string_view pattern_;
    std::vector<uint32_t> cps_;
    size_t pos_ = 0;
};

}  // namespace

Expr compile_pattern(std::string_view pattern) { return PatternParser(pattern).parse(); }

}  // namespace snug::grammar
