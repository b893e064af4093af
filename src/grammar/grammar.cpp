// grammar/grammar.cpp: expression helpers and the printable form of a lowered grammar.
#include "grammar/grammar.h"

#include <cassert>

#include "base/error.h"

namespace snug::grammar {

Expr Expr::chars_of(CharSet set) {
    Expr e;
    e.kind = Kind::CHARS;
    e.chars = std::move(set);
    return e;
}

Expr Expr::literal(std::string_view utf8) {
    std::vector<Expr> items;
    for (uint32_t cp : decode_utf8(utf8, "grammar literal")) items.push_back(chars_of(CharSet::single(cp)));
    return seq(std::move(items));
}

Expr Expr::ref(uint32_t rule) {
    Expr e;
    e.kind = Kind::RULE;
    e.rule = rule;
    return e;
}

Expr Expr::seq(std::vector<Expr> items) {
    if (items.size() == 1) return std::move(items[0]);
    Expr e;
    e.kind = Kind::SEQ;
    e.items = std::move(items);
    return e;
}

Expr Expr::alt(std::vector<Expr> items) {
    if (items.size() == 1) return std::move(items[0]);
    Expr e;
    e.kind = Kind::ALT;
    e.items = std::move(items);
    return e;
}

Expr Expr::repeat(Expr item, uint32_t min, uint32_t max) {
    assert(min <= max);
    if (min == 1 && max == 1) return item;
    Expr e;
    e.kind = Kind::REPEAT;
    e.items.push_back(std::move(item));
    e.min = min;
    e.max = max;
    return e;
}

bool Expr::can_be_empty() const {
    switch (kind) {
        case Kind::CHARS:
        case Kind::RULE:
            return false;
        case Kind::SEQ:
            for (const Expr& e : items) {
                if (!e.can_be_empty()) return false;
            }
            return true;
        case Kind::ALT:
            for (const Expr& e : items) {
                if (e.can_be_empty()) return true;
            }
            return false;
        case Kind::REPEAT:
            return min == 0 || items[0].can_be_empty();
    }
    return false;
}

std::string Grammar::to_string() const {
    std::string out;
    for (const Rule& rule : rules_) {
        out += rule.name + " ::=";
        for (size_t a = 0; a < rule.alts.size(); ++a) {
            if (a > 0) out += " |";
            if (elements_[rule.alts[a]].kind == Element::Kind::END) out += " \"\"";
            for (uint32_t pos = rule.alts[a]; elements_[pos].kind != Element::Kind::END; ++pos) {
                const Element& el = elements_[pos];
                out += ' ';
                out += el.kind == Element::Kind::RULE ? rules_[el.index].name : charsets_[el.index].to_string();
            }
        }
        out += '\n';
    }
    return out;
}

}  // namespace snug::grammar
