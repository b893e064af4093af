// jinja/parser.cpp: the statement grammar (if/elif/else, for/else with a filter, set, block set, macro, call,
// filter, break, continue) over lexed segments.
#include "base/error.h"
#include "jinja/parser.h"

namespace snug::jinja {

namespace {

constexpr int MAX_BLOCK_NESTING = 64;

class StmtParser {
public:
    explicit StmtParser(const std::vector<Segment>& segs) : segs_(segs) {}

    Body parse_all() {
        std::string end;
        Body body = parse_body({}, end);
        return body;
    }

private:
    // Parses until a {% tag %} named in `ends`; leaves `end` = that name and the cursor inside its tag.
    Body parse_body(const std::vector<std::string>& ends, std::string& end);
    StmtPtr parse_statement(const Segment& seg, TokenStream& ts);
    StmtPtr parse_if(TokenStream& ts, int line);
    StmtPtr parse_for(TokenStream& ts, int line);
    StmtPtr parse_set(TokenStream& ts, int line);
    StmtPtr parse_macro(TokenStream& ts, int line, bool call_block);
    StmtPtr parse_filter(TokenStream& ts, int line);
    void parse_params(TokenStream& ts, Stmt& s);
    void parse_targets(TokenStream& ts, Stmt& s);

    const std::vector<Segment>& segs_;
    size_t index_ = 0;
    std::unique_ptr<TokenStream> ts_;  // the tag that ended the last parse_body
    int depth_ = 0;
    int loop_depth_ = 0;
};

// Whether an expression or body reads the variable `name`, as jinja2 decides whether a macro accepts extra
// arguments (varargs, kwargs) or a caller: only when its body mentions them. Nested macros count, as in jinja2.
bool mentions(const Expr* e, const std::string& name) {
    if (!e) return false;
    if (e->kind == ExprKind::NAME && e->name == name) return true;
    if (mentions(e->object.get(), name)) return true;
    for (const ExprPtr& item : e->items)
        if (mentions(item.get(), name)) return true;
    for (const auto& [k, v] : e->kwargs)
        if (mentions(v.get(), name)) return true;
    return false;
}

bool mentions(const Body& body, const std::string& name) {
    for (const StmtPtr& s : body) {
        if (mentions(s->expr.get(), name) || mentions(s->filter.get(), name) || mentions(s->filter_chain.get(), name))
            return true;
        for (const auto& [cond, b] : s->branches)
            if (mentions(cond.get(), name) || mentions(b, name)) return true;
        for (const MacroParam& p : s->params)
            if (mentions(p.default_value.get(), name)) return true;
        if (mentions(s->body, name) || mentions(s->else_body, name)) return true;
    }
    return false;
}

StmtPtr make_stmt(StmtKind kind, int line) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->line = line;
    return s;
}

Body StmtParser::parse_body(const std::vector<std::string>& ends, std::string& end) {
    if (++depth_ > MAX_BLOCK_NESTING) throw Error("template syntax error: blocks nest deeper than " +
                                                  std::to_string(MAX_BLOCK_NESTING));
    Body body;
    while (index_ < segs_.size()) {
        const Segment& seg = segs_[index_++];
        if (seg.kind == SegmentKind::TEXT) {
            auto s = make_stmt(StmtKind::TEXT, seg.line);
            s->text = seg.text;
            body.push_back(std::move(s));
            continue;
        }
        auto ts = std::make_unique<TokenStream>(seg.tokens);
        if (seg.kind == SegmentKind::EXPR) {
            auto s = make_stmt(StmtKind::OUTPUT, seg.line);
            s->expr = parse_tuple_or_expression(*ts);
            ts->expect_end();
            body.push_back(std::move(s));
            continue;
        }
        const std::string name = ts->peek().kind == TokenKind::NAME ? ts->peek().text : "";
        for (const std::string& e : ends) {
            if (name == e) {
                ts->next();
                end = name;
                ts_ = std::move(ts);
                --depth_;
                return body;
            }
        }
        body.push_back(parse_statement(seg, *ts));
    }
    if (!ends.empty()) {
        throw Error("template syntax error: unexpected end of template, expected {% " + ends.back() + " %}");
    }
    --depth_;
    return body;
}

StmtPtr StmtParser::parse_statement(const Segment& seg, TokenStream& ts) {
    const int line = seg.line;
    const std::string tag = ts.expect_name();
    if (tag == "if") return parse_if(ts, line);
    if (tag == "for") return parse_for(ts, line);
    if (tag == "set") return parse_set(ts, line);
    if (tag == "macro") return parse_macro(ts, line, false);
    if (tag == "call") return parse_macro(ts, line, true);
    if (tag == "filter") return parse_filter(ts, line);
    if (tag == "break" || tag == "continue") {
        ts.expect_end();
        if (loop_depth_ == 0) throw Error("template syntax error at line " + std::to_string(line) + ": '" + tag +
                                          "' outside a for loop");
        return make_stmt(tag == "break" ? StmtKind::BREAK : StmtKind::CONTINUE, line);
    }
    throw Error("template syntax error at line " + std::to_string(line) + ": unknown or unexpected tag '" + tag + "'");
}

StmtPtr StmtParser::parse_if(TokenStream& ts, int line) {
    auto s = make_stmt(StmtKind::IF, line);
    ExprPtr cond = parse_tuple_or_expression(ts);
    ts.expect_end();
    while (true) {
        std::string end;
        Body body = parse_body({"elif", "else", "endif"}, end);
        s->branches.emplace_back(std::move(cond), std::move(body));
        TokenStream& tag = *ts_;
        if (end == "elif") {
            cond = parse_tuple_or_expression(tag);
            tag.expect_end();
            continue;
        }
        tag.expect_end();
        if (end == "else") {
            s->else_body = parse_body({"endif"}, end);
            ts_->expect_end();
        }
        return s;
    }
}

void StmtParser::parse_targets(TokenStream& ts, Stmt& s) {
    const bool paren = ts.accept_op("(");
    do {
        if (paren && ts.is_op(")")) break;
        s.targets.push_back(ts.expect_name());
        if (ts.is_op(",")) s.target_tuple = true;
    } while (ts.accept_op(","));
    if (paren) {
        ts.expect_op(")");
        s.target_tuple = true;
    }
}

StmtPtr StmtParser::parse_for(TokenStream& ts, int line) {
    auto s = make_stmt(StmtKind::FOR, line);
    parse_targets(ts, *s);
    if (!ts.accept_name("in")) ts.fail("expected 'in' in for loop");
    s->expr = parse_loop_iterable(ts);
    if (ts.accept_name("if")) s->filter = parse_expression(ts);
    if (ts.is_name("recursive")) ts.fail("recursive for loops are not supported");
    ts.expect_end();
    std::string end;
    ++loop_depth_;
    s->body = parse_body({"else", "endfor"}, end);
    --loop_depth_;
    ts_->expect_end();
    if (end == "else") {
        s->else_body = parse_body({"endfor"}, end);
        ts_->expect_end();
    }
    return s;
}

StmtPtr StmtParser::parse_set(TokenStream& ts, int line) {
    auto s = make_stmt(StmtKind::SET, line);
    if (ts.peek().kind == TokenKind::NAME && ts.is_op(".", 1)) {
        s->attr_object = ts.next().text;
        ts.next();
        s->targets.push_back(ts.expect_name());
        ts.expect_op("=");
        s->expr = parse_tuple_or_expression(ts);
        ts.expect_end();
        return s;
    }
    parse_targets(ts, *s);
    if (ts.accept_op("=")) {
        s->expr = parse_tuple_or_expression(ts);
        ts.expect_end();
        return s;
    }
    if (s->targets.size() != 1 || s->target_tuple) ts.fail("a block {% set %} assigns exactly one name");
    s->kind = StmtKind::SET_BLOCK;
    if (ts.accept_op("|")) s->filter_chain = parse_filter_chain(ts);
    ts.expect_end();
    std::string end;
    s->body = parse_body({"endset"}, end);
    ts_->expect_end();
    return s;
}

void StmtParser::parse_params(TokenStream& ts, Stmt& s) {
    ts.expect_op("(");
    while (!ts.is_op(")")) {
        if (!s.params.empty()) ts.expect_op(",");
        if (ts.is_op(")")) break;
        MacroParam p;
        p.name = ts.expect_name();
        if (ts.accept_op("=")) p.default_value = parse_expression(ts);
        else if (!s.params.empty() && s.params.back().default_value) ts.fail("non-default argument follows default argument");
        s.params.push_back(std::move(p));
    }
    ts.expect_op(")");
}

StmtPtr StmtParser::parse_macro(TokenStream& ts, int line, bool call_block) {
    auto s = make_stmt(call_block ? StmtKind::CALL_BLOCK : StmtKind::MACRO, line);
    if (call_block) {
        if (ts.is_op("(")) parse_params(ts, *s);
        s->expr = parse_expression(ts);
        if (s->expr->kind != ExprKind::CALL) ts.fail("{% call %} needs a macro call");
    } else {
        s->name = ts.expect_name();
        parse_params(ts, *s);
    }
    ts.expect_end();
    const int saved_loops = loop_depth_;
    loop_depth_ = 0;  // break/continue cannot cross a macro boundary
    std::string end;
    s->body = parse_body({call_block ? "endcall" : "endmacro"}, end);
    loop_depth_ = saved_loops;
    s->uses_varargs = mentions(s->body, "varargs");
    s->uses_kwargs = mentions(s->body, "kwargs");
    s->uses_caller = mentions(s->body, "caller");
    if (!call_block && ts_->peek().kind == TokenKind::NAME) ts_->next();  // {% endmacro name %}
    ts_->expect_end();
    return s;
}

StmtPtr StmtParser::parse_filter(TokenStream& ts, int line) {
    auto s = make_stmt(StmtKind::FILTER_BLOCK, line);
    s->filter_chain = parse_filter_chain(ts);
    ts.expect_end();
    std::string end;
    s->body = parse_body({"endfilter"}, end);
    ts_->expect_end();
    return s;
}

}  // namespace

Body parse_template(const std::vector<Segment>& segments) { return StmtParser(segments).parse_all(); }

}  // namespace snug::jinja
