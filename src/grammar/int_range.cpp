// grammar/int_range.cpp: splits a range into runs of equal digit count, and a same-length range [x, y] by its first
// digit: x's first digit with the range [x_rest, 99..9], a middle block of first digits followed by any digits, and
// y's first digit with [00..0, y_rest]. The result is unambiguous and O(digits^2) in size.
#include "grammar/int_range.h"

#include <cassert>
#include <string>

namespace snug::grammar {
namespace {

Expr digit_range(char lo, char hi) { return Expr::chars_of(CharSet::range(uint32_t(lo), uint32_t(hi))); }

Expr any_digits(size_t n) { return Expr::repeat(digit_range('0', '9'), uint32_t(n), uint32_t(n)); }

bool all_of_char(const std::string& s, char c) { return s.find_first_not_of(c) == std::string::npos; }

// Digit strings of x.size() characters from x to y inclusive (x <= y, same length; leading zeros allowed).
Expr same_length(const std::string& x, const std::string& y) {
    if (x.empty()) return Expr::empty();
    const std::string x_rest = x.substr(1);
    const std::string y_rest = y.substr(1);
    if (x[0] == y[0]) return Expr::seq({digit_range(x[0], x[0]), same_length(x_rest, y_rest)});

    std::vector<Expr> alts;
    char middle_lo = x[0];
    char middle_hi = y[0];
    if (!all_of_char(x_rest, '0')) {
        alts.push_back(Expr::seq({digit_range(x[0], x[0]), same_length(x_rest, std::string(x_rest.size(), '9'))}));
        ++middle_lo;
    }
    Expr tail;
    const bool has_tail = !all_of_char(y_rest, '9');
    if (has_tail) {
        tail = Expr::seq({digit_range(y[0], y[0]), same_length(std::string(y_rest.size(), '0'), y_rest)});
        --middle_hi;
    }
    if (middle_lo <= middle_hi)
        alts.push_back(Expr::seq({digit_range(middle_lo, middle_hi), any_digits(x_rest.size())}));
    if (has_tail) alts.push_back(std::move(tail));
    return Expr::alt(std::move(alts));
}

int64_t power_of_ten(size_t n) {
    int64_t p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

// Non-negative integers in [lo, hi] without leading zeros.
Expr non_negative(int64_t lo, int64_t hi) {
    std::vector<Expr> alts;
    const size_t lo_len = std::to_string(lo).size();
    const size_t hi_len = std::to_string(hi).size();
    for (size_t len = lo_len; len <= hi_len; ++len) {
        const int64_t a = std::max(lo, len == 1 ? int64_t{0} : power_of_ten(len - 1));
        const int64_t b = std::min(hi, power_of_ten(len) - 1);
        if (a <= b) alts.push_back(same_length(std::to_string(a), std::to_string(b)));
    }
    return Expr::alt(std::move(alts));
}

}  // namespace

Expr integer_range(int64_t lo, int64_t hi) {
    assert(lo <= hi && lo >= -MAX_INT_MAGNITUDE && hi <= MAX_INT_MAGNITUDE);
    std::vector<Expr> alts;
    if (lo < 0) {  // magnitudes of the negative part: [max(1, -hi), -lo]
        const int64_t mag_lo = hi < 0 ? -hi : 1;
        alts.push_back(Expr::seq({Expr::literal("-"), non_negative(mag_lo, -lo)}));
    }
    if (hi >= 0) alts.push_back(non_negative(std::max(lo, int64_t{0}), hi));
    return Expr::alt(std::move(alts));
}

}  // namespace snug::grammar
