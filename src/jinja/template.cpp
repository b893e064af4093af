// jinja/template.cpp: the public entry points: parse once, render many times with a fresh interpreter each time.
#include "jinja/template.h"

#include "base/error.h"
#include "jinja/interpreter.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace snug::jinja {

Template Template::parse(std::string_view source) {
    Template t;
    t.body_ = std::make_shared<const Body>(parse_template(lex(source)));
    return t;
}

std::string Template::render(const nlohmann::ordered_json& context, const Options& options) const {
    if (!body_) throw Error("render() called on a Template that was not made by Template::parse()");
    if (!context.is_object()) throw Error("template context must be a JSON object, got " + std::string(context.type_name()));
    auto globals = std::make_shared<Scope>();
    add_globals(*globals, options);
    // The context is a child of the globals, so a variable named like a global (e.g. `range`) shadows it.
    auto scope = std::make_shared<Scope>();
    scope->parent = globals;
    for (const auto& [key, value] : context.items()) scope->set(key, Value::from_json(value));
    Interpreter interpreter(options);
    std::string out;
    interpreter.exec(*body_, scope, out);
    return out;
}

}  // namespace snug::jinja
