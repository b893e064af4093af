// chat/tool_calls.cpp: one small parser per format. JSON is located by bracket matching (strings and escapes
// respected), then parsed with nlohmann; anything that does not parse as a complete call is left as content.
#include "chat/tool_calls.h"

#include <optional>

namespace snug::chat {
namespace {

using ojson = nlohmann::ordered_json;

constexpr std::string_view HERMES_OPEN = "<tool_call>";
constexpr std::string_view HERMES_CLOSE = "</tool_call>";
constexpr std::string_view PYTHON_TAG = "<|python_tag|>";
constexpr std::string_view MISTRAL_CALLS = "[TOOL_CALLS]";
constexpr std::string_view MISTRAL_ARGS = "[ARGS]";
constexpr std::string_view MISTRAL_CALL_ID = "[CALL_ID]";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skip_space(std::string_view s, size_t i) {
    while (i < s.size() && is_space(s[i])) ++i;
    return i;
}

std::string_view trim_left(std::string_view s) { return s.substr(skip_space(s, 0)); }

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// One past the bracket closing the object or array that starts at s[i], or npos when the text ends first.
size_t json_extent(std::string_view s, size_t i) {
    size_t depth = 0;
    bool in_string = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

std::optional<ojson> parse_json(std::string_view s) {
    ojson v = ojson::parse(s, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded()) return std::nullopt;
    return v;
}

// A call from {"name": ..., "arguments"|"parameters": {...} or "{...}"}; nullopt when it is not one.
std::optional<ToolCall> make_call(const ojson& v) {
    if (!v.is_object() || !v.contains("name") || !v.at("name").is_string() || v.at("name").get<std::string>().empty()) {
        return std::nullopt;
    }
    ToolCall call;
    call.name = v.at("name").get<std::string>();
    ojson args = ojson::object();
    if (v.contains("arguments"))
        args = v.at("arguments");
    else if (v.contains("parameters"))
        args = v.at("parameters");
    if (args.is_string()) {
        std::optional<ojson> parsed = parse_json(args.get<std::string>());
        if (!parsed) return std::nullopt;
        args = std::move(*parsed);
    }
    if (!args.is_object()) return std::nullopt;
    call.arguments = std::move(args);
    if (v.contains("id") && v.at("id").is_string()) call.id = v.at("id").get<std::string>();
    return call;
}

std::optional<ToolCall> parse_call(std::string_view s) {
    const std::optional<ojson> v = parse_json(s);
    return v ? make_call(*v) : std::nullopt;
}

// Content around the calls: segments[i] lies between call i-1 and call i; whitespace touching a call is dropped.
std::string join_segments(const std::vector<std::string_view>& segments) {
    std::string out;
    for (size_t i = 0; i < segments.size(); ++i) {
        std::string_view seg = segments[i];
        if (i > 0) seg = trim_left(seg);
        if (i + 1 < segments.size()) seg = trim_right(seg);
        if (seg.empty()) continue;
        if (!out.empty()) out += '\n';
        out += seg;
    }
    return out;
}

void assign_ids(std::vector<ToolCall>& calls) {
    static constexpr char DIGITS[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (size_t i = 0; i < calls.size(); ++i) {
        if (!calls[i].id.empty()) continue;
        uint64_t h = 0xcbf29ce484222325ull ^ i;  // FNV-1a of index, name and arguments
        for (char c : calls[i].name + calls[i].arguments.dump())
            h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
        std::string id = "call_";
        for (int k = 0; k < 8; ++k, h /= 36) id += DIGITS[h % 36];
        calls[i].id = id;
    }
}

ParsedOutput finish(std::string_view text, std::vector<std::string_view> segments, std::vector<ToolCall> calls) {
    if (calls.empty()) return {std::string(text), {}};
    assign_ids(calls);
    return {join_segments(segments), std::move(calls)};
}

ParsedOutput parse_hermes(std::string_view text) {
    std::vector<std::string_view> segments;
    std::vector<ToolCall> calls;
    size_t seg_start = 0;
    for (size_t open = text.find(HERMES_OPEN); open != std::string_view::npos;
         open = text.find(HERMES_OPEN, open + 1)) {
        const size_t body = open + HERMES_OPEN.size();
        const size_t close = text.find(HERMES_CLOSE, body);
        const size_t body_end = close == std::string_view::npos ? text.size() : close;
        std::optional<ToolCall> call = parse_call(text.substr(body, body_end - body));
        if (!call) continue;  // an unclosed block counts only when all the rest is one complete call
        segments.push_back(text.substr(seg_start, open - seg_start));
        calls.push_back(std::move(*call));
        seg_start = close == std::string_view::npos ? text.size() : close + HERMES_CLOSE.size();
        open = seg_start - 1;
    }
    segments.push_back(text.substr(seg_start));
    return finish(text, std::move(segments), std::move(calls));
}

// The whole reply must be calls: {...} (; {...})*, optionally after <|python_tag|>.
ParsedOutput parse_llama3(std::string_view text) {
    size_t i = skip_space(text, 0);
    if (text.substr(i).starts_with(PYTHON_TAG)) i += PYTHON_TAG.size();
    std::vector<ToolCall> calls;
    while (true) {
        i = skip_space(text, i);
        if (i >= text.size() || text[i] != '{') return {std::string(text), {}};
        const size_t end = json_extent(text, i);
        if (end == std::string_view::npos) return {std::string(text), {}};
        std::optional<ToolCall> call = parse_call(text.substr(i, end - i));
        if (!call) return {std::string(text), {}};
        calls.push_back(std::move(*call));
        i = skip_space(text, end);
        if (i == text.size()) break;
        if (text[i] != ';') return {std::string(text), {}};
        ++i;
        if (skip_space(text, i) == text.size()) break;  // a trailing ';'
    }
    return finish(text, {"", ""}, std::move(calls));
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
}

// After one [TOOL_CALLS] marker at s[i]: its calls appended, and the position after them (npos on a parse failure).
size_t parse_mistral_group(std::string_view s, size_t i, std::vector<ToolCall>& calls) {
    i = skip_space(s, i + MISTRAL_CALLS.size());
    if (i < s.size() && s[i] == '[') {  // [{"name": ..., "arguments": ...}, ...]
        const size_t end = json_extent(s, i);
        if (end == std::string_view::npos) return std::string_view::npos;
        const std::optional<ojson> list = parse_json(s.substr(i, end - i));
        if (!list || !list->is_array() || list->empty()) return std::string_view::npos;
        std::vector<ToolCall> group;
        for (const ojson& item : *list) {
            std::optional<ToolCall> call = make_call(item);
            if (!call) return std::string_view::npos;
            group.push_back(std::move(*call));
        }
        calls.insert(calls.end(), group.begin(), group.end());
        return end;
    }
    ToolCall call;  // name[CALL_ID]id[ARGS]{...}, the call id being optional
    size_t j = i;
    while (j < s.size() && is_name_char(s[j])) ++j;
    call.name = std::string(s.substr(i, j - i));
    if (call.name.empty()) return std::string_view::npos;
    if (s.substr(j).starts_with(MISTRAL_CALL_ID)) {
        const size_t id_start = j + MISTRAL_CALL_ID.size();
        j = s.find(MISTRAL_ARGS, id_start);
        if (j == std::string_view::npos) return j;
        call.id = std::string(trim_right(trim_left(s.substr(id_start, j - id_start))));
    }
    if (!s.substr(j).starts_with(MISTRAL_ARGS)) return std::string_view::npos;
    j = skip_space(s, j + MISTRAL_ARGS.size());
    const size_t end = j < s.size() && s[j] == '{' ? json_extent(s, j) : std::string_view::npos;
    if (end == std::string_view::npos) return end;
    std::optional<ojson> args = parse_json(s.substr(j, end - j));
    if (!args || !args->is_object()) return std::string_view::npos;
    call.arguments = std::move(*args);
    calls.push_back(std::move(call));
    return end;
}

ParsedOutput parse_mistral(std::string_view text) {
    const size_t first = text.find(MISTRAL_CALLS);
    if (first == std::string_view::npos) return {std::string(text), {}};
    std::vector<ToolCall> calls;
    size_t i = first;
    while (text.substr(i).starts_with(MISTRAL_CALLS)) {
        const size_t end = parse_mistral_group(text, i, calls);
        if (end == std::string_view::npos) break;
        i = skip_space(text, end);
    }
    return finish(text, {text.substr(0, first), text.substr(i)}, std::move(calls));
}

// Length of the longest suffix of text that is a proper prefix of marker.
size_t partial_marker(std::string_view text, std::string_view marker) {
    for (size_t len = std::min(text.size(), marker.size() - 1); len > 0; --len) {
        if (marker.starts_with(text.substr(text.size() - len))) return len;
    }
    return 0;
}

size_t content_before_marker(std::string_view text, std::string_view marker) {
    size_t end = text.find(marker);
    if (end == std::string_view::npos) end = text.size() - partial_marker(text, marker);
    return trim_right(text.substr(0, end)).size();
}

}  // namespace

ToolCallFormat detect_tool_call_format(std::string_view t) {
    if (t.find(MISTRAL_CALLS) != std::string_view::npos) return ToolCallFormat::MISTRAL;
    // Hermes style: a <tool_call> tag followed closely by a JSON object with a "name" key (plain or escaped quotes
    // in the template source), not by XML-ish parameters.
    for (size_t at = t.find(HERMES_OPEN); at != std::string_view::npos; at = t.find(HERMES_OPEN, at + 1)) {
        const std::string_view after = t.substr(at + HERMES_OPEN.size(), 40);
        if (after.find("{\"name\"") != std::string_view::npos ||
            after.find("{\\\"name\\\"") != std::string_view::npos) {
            return ToolCallFormat::HERMES;
        }
    }
    if (t.find("<|start_header_id|>") != std::string_view::npos && t.find("\"parameters\"") != std::string_view::npos &&
        t.find("<function=") == std::string_view::npos) {
        return ToolCallFormat::LLAMA3_JSON;
    }
    return ToolCallFormat::NONE;
}

ParsedOutput parse_tool_calls(std::string_view text, ToolCallFormat format) {
    switch (format) {
        case ToolCallFormat::HERMES:
            return parse_hermes(text);
        case ToolCallFormat::LLAMA3_JSON:
            return parse_llama3(text);
        case ToolCallFormat::MISTRAL:
            return parse_mistral(text);
        case ToolCallFormat::NONE:
            break;
    }
    return {std::string(text), {}};
}

size_t safe_content_prefix(std::string_view text, ToolCallFormat format) {
    switch (format) {
        case ToolCallFormat::HERMES:
            return content_before_marker(text, HERMES_OPEN);
        case ToolCallFormat::MISTRAL:
            return content_before_marker(text, MISTRAL_CALLS);
        case ToolCallFormat::LLAMA3_JSON: {
            const std::string_view rest = trim_left(text);
            if (rest.empty() || rest[0] == '{' || rest.starts_with(PYTHON_TAG) || PYTHON_TAG.starts_with(rest))
                return 0;
            return trim_right(text).size();
        }
        case ToolCallFormat::NONE:
            break;
    }
    return text.size();
}

}  // namespace snug::chat
