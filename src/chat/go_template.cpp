// chat/go_template.cpp: the GoTemplate API and Ollama's data model for chat templates (template.Values, collate,
// the per-turn rendering of templates without .Messages), built from the JSON messages and tools snug carries.
// ref: https://github.com/ollama/ollama/blob/main/template/template.go and api/types.go (Message, Tool, ToolCall)
#include "chat/go_template.h"

#include <algorithm>
#include <cctype>

#include "base/error.h"
#include "chat/go_template_ast.h"

namespace snug::chat {

using nlohmann::ordered_json;
using gotpl::Fields;
using gotpl::Kind;
using gotpl::List;
using gotpl::Node;
using gotpl::Value;

namespace {

// A JSON value as encoding/json re-marshals Go's `any`: object keys sorted at every level.
ordered_json go_any(const ordered_json& j) {
    if (j.is_array()) {
        ordered_json out = ordered_json::array();
        for (const auto& e : j) out.push_back(go_any(e));
        return out;
    }
    if (!j.is_object()) return j;
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    ordered_json out = ordered_json::object();
    for (const auto& k : keys) out[k] = go_any(j[k]);
    return out;
}

std::string str_of(const ordered_json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

Value empty_slice() {
    Value v = Value::make_list({});
    v.nil_slice = true;
    return v;
}

// api.ToolCallFunctionArguments: insertion order kept, prints as its JSON, true even when empty (a struct).
Value arguments_value(const ordered_json& args_in, ordered_json* marshal) {
    ordered_json args = args_in;
    if (args.is_string()) args = ordered_json::parse(args.get<std::string>(), nullptr, false);
    if (!args.is_object()) args = ordered_json::object();
    Fields f;
    *marshal = ordered_json::object();
    for (const auto& [k, v] : args.items()) {
        f.emplace_back(k, gotpl::from_json(v));
        (*marshal)[k] = go_any(v);
    }
    Value a = Value::make_map(std::move(f), false);
    a.stringer = true;
    a.always_true = true;
    return a;
}

Value tool_call_value(const ordered_json& tc) {
    const ordered_json fn = tc.contains("function") && tc["function"].is_object() ? tc["function"] : ordered_json::object();
    ordered_json args_json;
    Value args = arguments_value(fn.contains("arguments") ? fn["arguments"] : ordered_json::object(), &args_json);
    const int64_t index = fn.contains("index") && fn["index"].is_number_integer() ? fn["index"].get<int64_t>() : 0;
    const std::string name = str_of(fn, "name"), id = str_of(tc, "id");
    ordered_json fn_json = {{"index", index}, {"name", name}, {"arguments", args_json}};
    Value function = Value::make_struct("api.ToolCallFunction",
                                        {{"Index", Value::integer(index)}, {"Name", Value::string(name)}, {"Arguments", args}},
                                        fn_json);
    ordered_json tc_json = ordered_json::object();
    if (!id.empty()) tc_json["id"] = id;
    tc_json["function"] = fn_json;
    return Value::make_struct("api.ToolCall", {{"ID", Value::string(id)}, {"Function", function}}, tc_json);
}

struct Message {
    std::string role, content, thinking, tool_name, tool_call_id;
    ordered_json tool_calls = ordered_json::array();
};

Value message_value(const Message& m) {
    List calls;
    for (const auto& tc : m.tool_calls) calls.push_back(tool_call_value(tc));
    ordered_json j = {{"role", m.role}, {"content", m.content}};
    if (!m.thinking.empty()) j["thinking"] = m.thinking;
    Value calls_v = empty_slice();
    if (!calls.empty()) {
        ordered_json arr = ordered_json::array();
        for (const auto& c : calls) arr.push_back(*c.marshal);
        j["tool_calls"] = arr;
        calls_v = Value::make_list(std::move(calls));
    }
    if (!m.tool_name.empty()) j["tool_name"] = m.tool_name;
    if (!m.tool_call_id.empty()) j["tool_call_id"] = m.tool_call_id;
    return Value::make_struct("api.Message",
                              {{"Role", Value::string(m.role)},
                               {"Content", Value::string(m.content)},
                               {"Thinking", Value::string(m.thinking)},
                               {"Images", empty_slice()},
                               {"ToolCalls", calls_v},
                               {"ToolName", Value::string(m.tool_name)},
                               {"ToolCallID", Value::string(m.tool_call_id)}},
                              j);
}

Value property_value(const ordered_json& p);

// api.ToolPropertiesMap: properties in the order given.
Value properties_value(const ordered_json& props, ordered_json* marshal) {
    Fields f;
    *marshal = ordered_json::object();
    for (const auto& [k, v] : props.items()) {
        Value pv = property_value(v.is_object() ? v : ordered_json::object());
        (*marshal)[k] = *pv.marshal;
        f.emplace_back(k, std::move(pv));
    }
    return Value::make_map(std::move(f), false);
}

// api.ToolProperty: anyOf, type (a string or a list), items, description, enum, properties; all omitempty.
Value property_value(const ordered_json& p) {
    ordered_json j = ordered_json::object();
    List any_of;
    if (p.contains("anyOf") && p["anyOf"].is_array() && !p["anyOf"].empty()) {
        j["anyOf"] = ordered_json::array();
        for (const auto& a : p["anyOf"]) {
            any_of.push_back(property_value(a.is_object() ? a : ordered_json::object()));
            j["anyOf"].push_back(*any_of.back().marshal);
        }
    }
    std::vector<std::string> types;
    if (p.contains("type") && p["type"].is_string()) types.push_back(p["type"].get<std::string>());
    if (p.contains("type") && p["type"].is_array())
        for (const auto& t : p["type"])
            if (t.is_string()) types.push_back(t.get<std::string>());
    Value type_v = Value::string(types.size() == 1 ? types[0] : "");
    if (types.size() == 1) j["type"] = types[0];
    if (types.size() > 1) {
        j["type"] = types;
        List l;
        for (const auto& t : types) l.push_back(Value::string(t));
        type_v = Value::make_list(std::move(l));
    }
    const ordered_json items = p.contains("items") ? p["items"] : ordered_json();
    if (!items.is_null()) j["items"] = go_any(items);
    const std::string desc = str_of(p, "description");
    if (!desc.empty()) j["description"] = desc;
    Value enum_v = empty_slice();
    if (p.contains("enum") && p["enum"].is_array() && !p["enum"].empty()) {
        j["enum"] = go_any(p["enum"]);
        enum_v = gotpl::from_json(p["enum"]);
    }
    Value props_v;
    if (p.contains("properties") && p["properties"].is_object()) {
        ordered_json pj;
        props_v = properties_value(p["properties"], &pj);
        j["properties"] = pj;
    }
    Value any_of_v = any_of.empty() ? empty_slice() : Value::make_list(std::move(any_of));
    return Value::make_struct("ToolProperty",
                              {{"AnyOf", any_of_v}, {"Type", type_v}, {"Items", gotpl::from_json(items)},
                               {"Description", Value::string(desc)}, {"Enum", enum_v}, {"Properties", props_v}},
                              j);
}

Value tool_value(const ordered_json& t) {
    const ordered_json fn = t.contains("function") && t["function"].is_object() ? t["function"] : ordered_json::object();
    const ordered_json params = fn.contains("parameters") && fn["parameters"].is_object() ? fn["parameters"] : ordered_json::object();
    // api.ToolFunctionParameters
    ordered_json pj = {{"type", str_of(params, "type")}};
    const ordered_json defs = params.contains("$defs") ? params["$defs"] : ordered_json();
    const ordered_json items = params.contains("items") ? params["items"] : ordered_json();
    if (!defs.is_null()) pj["$defs"] = go_any(defs);
    if (!items.is_null()) pj["items"] = go_any(items);
    List required;
    if (params.contains("required") && params["required"].is_array())
        for (const auto& r : params["required"])
            if (r.is_string()) required.push_back(Value::string(r.get<std::string>()));
    if (!required.empty()) {
        pj["required"] = ordered_json::array();
        for (const auto& r : required) pj["required"].push_back(r.str());
    }
    Value props_v;
    if (params.contains("properties") && params["properties"].is_object()) {
        ordered_json props_json;
        props_v = properties_value(params["properties"], &props_json);
        pj["properties"] = props_json;
    } else {
        pj["properties"] = nullptr;
    }
    Value required_v = required.empty() ? empty_slice() : Value::make_list(std::move(required));
    Value params_v = Value::make_struct("api.ToolFunctionParameters",
                                        {{"Type", Value::string(str_of(params, "type"))}, {"Defs", gotpl::from_json(defs)},
                                         {"Items", gotpl::from_json(items)}, {"Required", required_v}, {"Properties", props_v}},
                                        pj);
    params_v.stringer = true;
    // api.ToolFunction
    const std::string name = str_of(fn, "name"), desc = str_of(fn, "description");
    ordered_json fj = {{"name", name}};
    if (!desc.empty()) fj["description"] = desc;
    fj["parameters"] = pj;
    Value fn_v = Value::make_struct("api.ToolFunction",
                                    {{"Name", Value::string(name)}, {"Description", Value::string(desc)}, {"Parameters", params_v}},
                                    fj);
    fn_v.stringer = true;
    // api.Tool
    const ordered_json t_items = t.contains("items") ? t["items"] : ordered_json();
    ordered_json tj = {{"type", str_of(t, "type")}};
    if (!t_items.is_null()) tj["items"] = go_any(t_items);
    tj["function"] = fj;
    Value tool = Value::make_struct("api.Tool",
                                    {{"Type", Value::string(str_of(t, "type"))}, {"Items", gotpl::from_json(t_items)}, {"Function", fn_v}},
                                    tj);
    tool.stringer = true;
    return tool;
}

Message to_message(const ordered_json& m) {
    Message out;
    out.role = str_of(m, "role");
    for (char& c : out.role) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.content = str_of(m, "content");
    out.thinking = str_of(m, "thinking");
    out.tool_name = str_of(m, "tool_name");
    if (out.tool_name.empty() && out.role == "tool") out.tool_name = str_of(m, "name");
    out.tool_call_id = str_of(m, "tool_call_id");
    if (m.contains("tool_calls") && m["tool_calls"].is_array()) out.tool_calls = m["tool_calls"];
    return out;
}

// Ollama's collate: system messages joined for .System; consecutive messages of one role merged into the first
// (contents joined by "\n\n"), except tool results.
std::vector<Message> collate(const ordered_json& messages, std::string* system) {
    std::vector<Message> out;
    std::vector<std::string> systems;
    if (!messages.is_array()) return out;
    for (const auto& j : messages) {
        Message m = to_message(j.is_object() ? j : ordered_json::object());
        if (m.role == "system") systems.push_back(m.content);
        if (!out.empty() && out.back().role == m.role && m.role != "tool") out.back().content += "\n\n" + m.content;
        else out.push_back(std::move(m));
    }
    system->clear();
    for (size_t k = 0; k < systems.size(); ++k) *system += (k ? "\n\n" : "") + systems[k];
    return out;
}

// ---- Ollama's tree walks: Vars (identifiers mentioned) and deleteNode (cut after the first .Response) ----

void pipe_idents(const gotpl::Pipe& p, std::vector<std::string>& out) {
    for (const auto& c : p.cmds)
        for (const auto& a : c.args) {
            if (a.type == gotpl::Arg::FIELD) out.insert(out.end(), a.chain.begin(), a.chain.end());
            if (a.type == gotpl::Arg::VARIABLE) {
                out.push_back(a.text);
                out.insert(out.end(), a.chain.begin(), a.chain.end());
            }
            if (a.type == gotpl::Arg::PIPE && a.chain.empty()) pipe_idents(*a.pipe, out);
        }
}

void node_idents(const Node& n, std::vector<std::string>& out) {
    if (n.pipe) pipe_idents(*n.pipe, out);
    for (const auto& c : n.list) node_idents(*c, out);
    for (const auto& c : n.else_list) node_idents(*c, out);
}

std::shared_ptr<const gotpl::Pipe> cut_pipe(const gotpl::Pipe& p, bool& cut) {
    auto out = std::make_shared<gotpl::Pipe>(p);
    out->cmds.clear();
    for (const auto& c : p.cmds) {
        gotpl::Command nc = c;
        nc.args.clear();
        for (const auto& a : c.args) {
            if (cut) continue;
            if (a.type == gotpl::Arg::FIELD && std::find(a.chain.begin(), a.chain.end(), "Response") != a.chain.end()) {
                cut = true;
                nc.args.push_back(a);
            } else if (a.type == gotpl::Arg::PIPE && a.chain.empty()) {
                gotpl::Arg na = a;
                na.pipe = cut_pipe(*a.pipe, cut);
                if (na.pipe) nc.args.push_back(std::move(na));
            } else {
                nc.args.push_back(a);
            }
        }
        if (nc.args.empty()) return nullptr;
        out->cmds.push_back(std::move(nc));
    }
    return out->cmds.empty() ? nullptr : out;
}

gotpl::NodeList cut_list(const gotpl::NodeList& list, bool& cut);

std::shared_ptr<const Node> cut_node(const Node& n, bool& cut) {
    if (cut) return nullptr;
    auto out = std::make_shared<Node>(n);
    switch (n.type) {
        case Node::LIST: out->list = cut_list(n.list, cut); break;
        case Node::IF:
        case Node::WITH:
        case Node::RANGE:  // the condition is not searched, only the bodies
            out->list = cut_list(n.list, cut);
            if (n.has_else) out->else_list = cut ? gotpl::NodeList{} : cut_list(n.else_list, cut);
            break;
        case Node::ACTION:
            out->pipe = cut_pipe(*n.pipe, cut);
            if (!out->pipe) return nullptr;
            break;
        default: break;
    }
    return out;
}

gotpl::NodeList cut_list(const gotpl::NodeList& list, bool& cut) {
    gotpl::NodeList out;
    for (const auto& c : list)
        if (auto k = cut_node(*c, cut)) out.push_back(std::move(k));
    return out;
}

gotpl::ExecLimits limits_of(const GoTemplateOptions& o) { return {o.max_output_bytes, o.max_iterations, o.now}; }

Value data_map(Fields f) { return Value::make_map(std::move(f), true); }

}  // namespace

GoTemplate GoTemplate::parse(std::string_view source) {
    GoTemplate t;
    t.root_ = gotpl::parse(source);
    return t;
}

std::string GoTemplate::execute(const ordered_json& data, const GoTemplateOptions& options) const {
    return gotpl::execute(*root_, gotpl::from_json(data), limits_of(options));
}

std::vector<std::string> GoTemplate::vars() const {
    std::vector<std::string> ids;
    node_idents(*root_, ids);
    for (auto& s : ids)
        for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

std::string GoTemplate::render_chat(const ordered_json& messages, const ordered_json& tools, bool think,
                                    const GoTemplateOptions& options) const {
    const std::vector<std::string> v = vars();
    auto has = [&](const char* name) { return std::binary_search(v.begin(), v.end(), std::string(name)); };
    // Ollama's Parse: a template that never mentions .Messages or .Response gets {{ .Response }} appended.
    auto root = std::make_shared<Node>(*root_);
    if (!has("messages") && !has("response")) {
        auto pipe = std::make_shared<gotpl::Pipe>();
        gotpl::Command cmd;
        gotpl::Arg arg;
        arg.type = gotpl::Arg::FIELD;
        arg.chain = {"Response"};
        cmd.args.push_back(arg);
        pipe->cmds.push_back(cmd);
        auto action = std::make_shared<Node>();
        action->type = Node::ACTION;
        action->pipe = pipe;
        root->list.push_back(action);
    }
    const gotpl::ExecLimits lim = limits_of(options);
    std::string system;
    const std::vector<Message> msgs = collate(messages, &system);

    if (has("messages") || has("document")) {
        List ml;
        for (const auto& m : msgs) ml.push_back(message_value(m));
        Value tools_v = empty_slice();
        if (tools.is_array() && !tools.empty()) {
            List tl;
            for (const auto& t : tools) tl.push_back(tool_value(t.is_object() ? t : ordered_json::object()));
            tools_v = Value::make_list(std::move(tl));
        }
        tools_v.stringer = true;
        const Value data = data_map({{"System", Value::string(system)}, {"Messages", Value::make_list(std::move(ml))},
                                     {"Tools", tools_v}, {"Response", Value::string("")}, {"Think", Value::boolean(think)},
                                     {"IsThinkSet", Value::boolean(false)}, {"Query", Value::string("")},
                                     {"Document", Value::string("")}, {"Instruction", Value::string("")}});
        return gotpl::execute(*root, data, lim);
    }

    // Old-style templates: one run per system/user/assistant turn; the last stops at its first {{ .Response }}.
    std::string out, prompt, response;
    system.clear();
    auto values = [&] {
        return data_map({{"System", Value::string(system)}, {"Prompt", Value::string(prompt)},
                         {"Response", Value::string(response)}, {"Think", Value::boolean(think)},
                         {"IsThinkSet", Value::boolean(false)}});
    };
    auto run_turn = [&] {
        out += gotpl::execute(*root, values(), lim);
        if (out.size() > options.max_output_bytes) throw Error("Go template: output longer than the limit");
        system.clear(), prompt.clear(), response.clear();
    };
    for (const auto& m : msgs) {
        if (m.role == "system") {
            if (!prompt.empty() || !response.empty()) run_turn();
            system = m.content;
        } else if (m.role == "user") {
            if (!response.empty()) run_turn();
            prompt = m.content;
        } else if (m.role == "assistant") {
            response = m.content;
        }
    }
    bool cut = false;
    const auto last = cut_node(*root, cut);
    out += gotpl::execute(*last, values(), lim);
    return out;
}

bool GoTemplate::looks_like_go(std::string_view source) {
    if (source.find("{%") != std::string_view::npos || source.find("{#") != std::string_view::npos) return false;
    bool marker = false;
    for (size_t p = source.find("{{"); p != std::string_view::npos && !marker; p = source.find("{{", p + 2)) {
        size_t q = p + 2;
        if (q + 1 < source.size() && source[q] == '-' && std::isspace(static_cast<unsigned char>(source[q + 1]))) ++q;
        while (q < source.size() && std::isspace(static_cast<unsigned char>(source[q]))) ++q;
        const std::string_view rest = source.substr(q);
        auto word = [&](std::string_view w) {
            return rest.starts_with(w) && (rest.size() == w.size() || !std::isalnum(static_cast<unsigned char>(rest[w.size()])));
        };
        marker = rest.starts_with(".") || rest.starts_with("$") || rest.starts_with("/*") || word("range") ||
                 word("with") || word("end");
    }
    if (!marker) return false;
    try {
        gotpl::parse(source);
        return true;
    } catch (const Error&) {
        return false;
    }
}

}  // namespace snug::chat
