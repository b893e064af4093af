// grammar/charset.cpp: range-set arithmetic over code points and strict UTF-8 encoding/decoding.
#include "grammar/charset.h"
#include "base/utf8.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

#include "base/error.h"

namespace snug::grammar {
namespace {

constexpr uint32_t SURROGATE_LO = 0xD800;
constexpr uint32_t SURROGATE_HI = 0xDFFF;

void append_class_char(std::string& out, uint32_t cp) {
    if (cp == '\\' || cp == ']' || cp == '-' || cp == '^' || cp == '[') {
        out += '\\';
        out += static_cast<char>(cp);
    } else if (cp < 0x20 || cp == 0x7F || cp > 0x7E) {
        char buf[16];
        std::snprintf(buf, sizeof buf, cp > 0xFFFF ? "\\U%08X" : "\\u%04X", static_cast<unsigned>(cp));
        out += buf;
    } else {
        out += static_cast<char>(cp);
    }
}

}  // namespace

CharSet& CharSet::add(uint32_t lo, uint32_t hi) {
    assert(hi <= MAX_CODE_POINT);
    if (lo > hi) return *this;
    if (lo < SURROGATE_LO && hi > SURROGATE_HI) {  // straddles the surrogates: add both sides
        add(lo, SURROGATE_LO - 1);
        return add(SURROGATE_HI + 1, hi);
    }
    if (lo >= SURROGATE_LO && lo <= SURROGATE_HI) lo = SURROGATE_HI + 1;
    if (hi >= SURROGATE_LO && hi <= SURROGATE_HI) hi = SURROGATE_LO - 1;
    if (lo > hi) return *this;

    // Insert keeping the ranges sorted, then merge every range that overlaps or touches [lo, hi].
    auto it = std::lower_bound(ranges_.begin(), ranges_.end(), lo, [](const Range& r, uint32_t v) {
        return r.hi + 1 < v;  // r ends strictly before v and does not touch it
    });
    Range merged{lo, hi};
    auto last = it;
    while (last != ranges_.end() && last->lo <= merged.hi + 1) {
        merged.lo = std::min(merged.lo, last->lo);
        merged.hi = std::max(merged.hi, last->hi);
        ++last;
    }
    it = ranges_.erase(it, last);
    ranges_.insert(it, merged);
    return *this;
}

CharSet& CharSet::add(const CharSet& other) {
    for (const Range& r : other.ranges_) add(r.lo, r.hi);
    return *this;
}

CharSet CharSet::complement() const {
    CharSet out;
    uint32_t next = 0;
    for (const Range& r : ranges_) {
        if (r.lo > next) out.add(next, r.lo - 1);
        next = r.hi + 1;
    }
    if (next <= MAX_CODE_POINT) out.add(next, MAX_CODE_POINT);
    return out;
}

CharSet CharSet::minus(const CharSet& other) const {
    CharSet out;
    for (const Range& r : ranges_) {
        uint32_t lo = r.lo;
        for (const Range& o : other.ranges_) {
            if (o.hi < lo || o.lo > r.hi) continue;
            if (o.lo > lo) out.add(lo, o.lo - 1);
            lo = o.hi + 1;
            if (o.hi >= r.hi) break;
        }
        if (lo <= r.hi) out.add(lo, r.hi);
    }
    return out;
}

bool CharSet::contains(uint32_t cp) const { return intersects(cp, cp); }

bool CharSet::intersects(uint32_t lo, uint32_t hi) const {
    // The first range that ends at or after lo is the only candidate that can start at or before hi.
    auto it = std::lower_bound(ranges_.begin(), ranges_.end(), lo, [](const Range& r, uint32_t v) { return r.hi < v; });
    return it != ranges_.end() && it->lo <= hi;
}

std::string CharSet::to_string() const {
    std::string out = "[";
    for (const Range& r : ranges_) {
        append_class_char(out, r.lo);
        if (r.hi != r.lo) {
            out += '-';
            append_class_char(out, r.hi);
        }
    }
    return out + "]";
}

void append_utf8(std::string& out, uint32_t cp) { snug::append_utf8(out, cp); }

std::vector<uint32_t> decode_utf8(std::string_view text, std::string_view what) {
    static constexpr uint32_t MIN_FOR_LEN[5] = {0, 0, 0x80, 0x800, 0x10000};
    std::vector<uint32_t> out;
    for (size_t i = 0; i < text.size();) {
        const auto b = static_cast<unsigned char>(text[i]);
        size_t len = 1;
        uint32_t cp = b;
        if (b >= 0xF0 && b <= 0xF4) {
            len = 4, cp = b & 0x07;
        } else if (b >= 0xE0 && b <= 0xEF) {
            len = 3, cp = b & 0x0F;
        } else if (b >= 0xC2 && b <= 0xDF) {
            len = 2, cp = b & 0x1F;
        } else if (b >= 0x80) {
            len = 0;  // a continuation or never-valid lead byte
        }
        bool ok = len != 0 && i + len <= text.size();
        for (size_t k = 1; ok && k < len; ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            ok = (c & 0xC0) == 0x80;
            cp = (cp << 6) | (c & 0x3F);
        }
        if (ok && len > 1)
            ok = cp >= MIN_FOR_LEN[len] && cp <= MAX_CODE_POINT && (cp < SURROGATE_LO || cp > SURROGATE_HI);
        if (!ok) throw Error(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
        out.push_back(cp);
        i += len;
    }
    return out;
}

}  // namespace snug::grammar
