// grammar/grammar_builder.cpp: lowers expressions to the flat rule form and checks the result. Repetition becomes
// right-recursive helper rules whose recursive reference is the last element of its alternative, so the matcher's
// stacks do not grow with the repetition count; nested optionals implement bounded counts without ambiguity.
#include <map>

#include "base/error.h"
#include "grammar/grammar.h"

namespace snug::grammar {
namespace {

using Element = Grammar::Element;
using Kind = Element::Kind;

class Lowering {
public:
    Lowering(const std::vector<std::string>& names, const std::vector<std::optional<Expr>>& bodies,
             std::vector<Element>& elements, std::vector<Grammar::Rule>& rules, std::vector<CharSet>& charsets)
        : names_(names), bodies_(bodies), elements_(elements), rules_(rules), charsets_(charsets) {
        for (const std::string& n : names) rules_.push_back({n, {}});
    }

    void lower_all() {
        for (uint32_t r = 0; r < bodies_.size(); ++r) {
            if (bodies_[r]) emit_alts(r, *bodies_[r]);
        }
    }

private:
    uint32_t new_rule(uint32_t owner, const char* what) {
        rules_.push_back({rules_[owner].name + "-" + what + std::to_string(rules_.size()), {}});
        return static_cast<uint32_t>(rules_.size() - 1);
    }

    uint32_t charset_id(const CharSet& set) {
        auto [it, added] = charset_ids_.try_emplace(set, static_cast<uint32_t>(charsets_.size()));
        if (added) charsets_.push_back(set);
        return it->second;
    }

    uint32_t emit(const std::vector<Element>& seq) {
        if (elements_.size() + seq.size() + 1 > Grammar::MAX_ELEMENTS) {
            throw Error("grammar too large: more than " + std::to_string(Grammar::MAX_ELEMENTS) + " elements");
        }
        const auto start = static_cast<uint32_t>(elements_.size());
        elements_.insert(elements_.end(), seq.begin(), seq.end());
        elements_.push_back({Kind::END, 0});
        return start;
    }

    void emit_alts(uint32_t rule, const Expr& body) {
        std::vector<uint32_t> alts;
        if (body.kind == Expr::Kind::ALT) {
            for (const Expr& item : body.items) alts.push_back(emit_alt(item, rule));
            if (body.items.empty()) alts.push_back(emit_alt(body, rule));  // an unmatchable alternative
        } else {
            alts.push_back(emit_alt(body, rule));
        }
        rules_[rule].alts = std::move(alts);
    }

    uint32_t emit_alt(const Expr& e, uint32_t owner) {
        std::vector<Element> seq;
        append(e, seq, owner);
        return emit(seq);
    }

    void append(const Expr& e, std::vector<Element>& seq, uint32_t owner) {
        if (seq.size() > Grammar::MAX_ELEMENTS) {
            throw Error("grammar too large: more than " + std::to_string(Grammar::MAX_ELEMENTS) + " elements");
        }
        switch (e.kind) {
            case Expr::Kind::CHARS:
                seq.push_back({Kind::CHARS, charset_id(e.chars)});
                return;
            case Expr::Kind::RULE:
                if (e.rule >= bodies_.size() || !bodies_[e.rule]) {
                    const std::string name = e.rule < names_.size() ? names_[e.rule] : std::to_string(e.rule);
                    throw Error("grammar rule '" + name + "' is used but never defined");
                }
                seq.push_back({Kind::RULE, e.rule});
                return;
            case Expr::Kind::SEQ:
                for (const Expr& item : e.items) append(item, seq, owner);
                return;
            case Expr::Kind::ALT:
                if (e.items.empty()) {
                    seq.push_back({Kind::CHARS, charset_id(CharSet())});  // the empty class never matches
                } else {
                    const uint32_t r = new_rule(owner, "alt");
                    emit_alts(r, e);
                    seq.push_back({Kind::RULE, r});
                }
                return;
            case Expr::Kind::REPEAT:
                append_repeat(e, seq, owner);
                return;
        }
    }

    void append_repeat(const Expr& e, std::vector<Element>& seq, uint32_t owner) {
        const Expr& item = e.items[0];
        Element unit{};
        if (item.kind == Expr::Kind::CHARS || item.kind == Expr::Kind::RULE) {
            std::vector<Element> one;
            append(item, one, owner);
            unit = one[0];
        } else {
            const uint32_t r = new_rule(owner, "item");
            emit_alts(r, item);
            unit = {Kind::RULE, r};
        }
        if (e.min > Grammar::MAX_ELEMENTS) {
            throw Error("grammar too large: repetition count " + std::to_string(e.min));
        }
        for (uint32_t i = 0; i < e.min; ++i) seq.push_back(unit);
        if (e.max == Expr::UNBOUNDED) {
            const uint32_t star = new_rule(owner, "star");  // star ::= unit star | ""
            rules_[star].alts = {emit({unit, {Kind::RULE, star}}), emit({})};
            seq.push_back({Kind::RULE, star});
        } else if (e.max > e.min) {
            // opt_k ::= unit opt_{k-1} | "": at most k more units, each parse unique.
            uint32_t prev = 0;
            for (uint32_t k = 1; k <= e.max - e.min; ++k) {
                const uint32_t r = new_rule(owner, "opt");
                std::vector<Element> body{unit};
                if (k > 1) body.push_back({Kind::RULE, prev});
                rules_[r].alts = {emit(body), emit({})};
                prev = r;
            }
            seq.push_back({Kind::RULE, prev});
        }
    }

    const std::vector<std::string>& names_;
    const std::vector<std::optional<Expr>>& bodies_;
    std::vector<Element>& elements_;
    std::vector<Grammar::Rule>& rules_;
    std::vector<CharSet>& charsets_;
    std::map<CharSet, uint32_t> charset_ids_;
};

// Least fixpoint of "rule r has an alternative whose every element holds", where a class element holds when
// chars_hold says so and a rule element when its rule holds. Linear time (each alternative counts what it awaits).
std::vector<bool> rules_satisfying(const std::vector<Element>& elements, const std::vector<Grammar::Rule>& rules,
                                   const std::vector<CharSet>& charsets, bool (*chars_hold)(const CharSet&)) {
    struct Alt {
        uint32_t rule;
        uint32_t waiting;  // rule elements not yet known to hold
    };
    std::vector<Alt> alts;
    std::vector<std::vector<uint32_t>> watchers(rules.size());  // rule -> alternatives waiting on it (with repeats)
    std::vector<bool> holds(rules.size(), false);
    std::vector<uint32_t> queue;
    for (uint32_t r = 0; r < rules.size(); ++r) {
        for (uint32_t start : rules[r].alts) {
            const auto a = static_cast<uint32_t>(alts.size());
            alts.push_back({r, 0});
            bool possible = true;
            for (uint32_t pos = start; elements[pos].kind != Kind::END; ++pos) {
                if (elements[pos].kind == Kind::CHARS) {
                    possible = possible && chars_hold(charsets[elements[pos].index]);
                } else {
                    watchers[elements[pos].index].push_back(a);
                    ++alts[a].waiting;
                }
            }
            if (!possible) alts[a].waiting = UINT32_MAX;  // never reaches zero
            if (alts[a].waiting == 0 && !holds[r]) {
                holds[r] = true;
                queue.push_back(r);
            }
        }
    }
    while (!queue.empty()) {
        const uint32_t r = queue.back();
        queue.pop_back();
        for (uint32_t a : watchers[r]) {
            if (--alts[a].waiting == 0 && !holds[alts[a].rule]) {
                holds[alts[a].rule] = true;
                queue.push_back(alts[a].rule);
            }
        }
    }
    return holds;
}

// Throws for a cycle of rule references that consumes no input (left recursion), reachable from root.
void check_left_recursion(const std::vector<Element>& elements, const std::vector<Grammar::Rule>& rules,
                          const std::vector<bool>& nullable, uint32_t root) {
    std::vector<std::vector<uint32_t>> edges(rules.size());
    for (uint32_t r = 0; r < rules.size(); ++r) {
        for (uint32_t start : rules[r].alts) {
            for (uint32_t pos = start; elements[pos].kind == Kind::RULE; ++pos) {
                edges[r].push_back(elements[pos].index);
                if (!nullable[elements[pos].index]) break;
            }
        }
    }
    enum : uint8_t { NEW, OPEN, DONE };
    std::vector<uint8_t> color(rules.size(), NEW);
    std::vector<std::pair<uint32_t, size_t>> stack{{root, 0}};  // iterative DFS: (rule, next edge)
    color[root] = OPEN;
    while (!stack.empty()) {
        auto& [r, next] = stack.back();
        if (next == edges[r].size()) {
            color[r] = DONE;
            stack.pop_back();
            continue;
        }
        const uint32_t s = edges[r][next++];
        if (color[s] == OPEN) {
            throw Error("grammar has left recursion through rule '" + rules[s].name +
                        "' (it can reach itself without consuming input)");
        }
        if (color[s] == NEW) {
            color[s] = OPEN;
            stack.push_back({s, 0});
        }
    }
}

}  // namespace

uint32_t GrammarBuilder::declare(std::string name) {
    names_.push_back(std::move(name));
    bodies_.emplace_back();
    return static_cast<uint32_t>(names_.size() - 1);
}

void GrammarBuilder::define(uint32_t rule, Expr body) { bodies_.at(rule) = std::move(body); }

uint32_t GrammarBuilder::add(std::string name, Expr body) {
    const uint32_t r = declare(std::move(name));
    define(r, std::move(body));
    return r;
}

Grammar GrammarBuilder::build(uint32_t root) const {
    Grammar g;
    Lowering(names_, bodies_, g.elements_, g.rules_, g.charsets_).lower_all();
    if (root >= g.rules_.size() || !bodies_.at(root)) throw Error("grammar root rule is not defined");
    g.root_ = root;

    const std::vector<bool> productive =
        rules_satisfying(g.elements_, g.rules_, g.charsets_, [](const CharSet& s) { return !s.empty(); });
    if (!productive[root]) throw Error("no finite text matches the grammar (rule '" + g.rules_[root].name + "')");
    for (uint32_t r = 0; r < g.rules_.size(); ++r) {
        std::vector<uint32_t> kept;
        for (uint32_t start : g.rules_[r].alts) {
            bool ok = true;
            for (uint32_t pos = start; ok && g.elements_[pos].kind != Kind::END; ++pos) {
                const Element& el = g.elements_[pos];
                ok = el.kind == Kind::RULE ? bool(productive[el.index]) : !g.charsets_[el.index].empty();
            }
            if (ok) kept.push_back(start);
        }
        g.rules_[r].alts = std::move(kept);
    }

    const std::vector<bool> nullable =
        rules_satisfying(g.elements_, g.rules_, g.charsets_, [](const CharSet&) { return false; });
    check_left_recursion(g.elements_, g.rules_, nullable, root);
    return g;
}

}  // namespace snug::grammar
