// jinja/str_ops.cpp: Python str method semantics. Work in code points where Python's answer depends on them
// (strip sets, find's index, whitespace), and on bytes where UTF-8 gives the same answer (substring search).
#include "jinja/str_ops.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "jinja/repr.h"
#include "jinja/text.h"

namespace snug::jinja {

std::string py_strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
    const std::u32string cps = to_code_points(s);
    const std::u32string set = chars ? to_code_points(*chars) : std::u32string();
    const auto strip_it = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_py_space(c); };
    size_t lo = 0, hi = cps.size();
    if (left)
        while (lo < hi && strip_it(cps[lo])) ++lo;
    if (right)
        while (hi > lo && strip_it(cps[hi - 1])) --hi;
    return to_utf8(std::u32string_view(cps).substr(lo, hi - lo));
}

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                  bool from_right) {
    std::vector<std::string> parts;
    if (sep) {
        if (sep->empty()) throw Error("empty separator");
        if (!from_right) {
            size_t pos = 0;
            while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
                const size_t at = s.find(*sep, pos);
                if (at == std::string_view::npos) break;
                parts.emplace_back(s.substr(pos, at - pos));
                pos = at + sep->size();
            }
            parts.emplace_back(s.substr(pos));
            return parts;
        }
        size_t end = s.size();
        while (maxsplit < 0 || static_cast<int64_t>(parts.size()) < maxsplit) {
            if (end < sep->size()) break;
            const size_t at = s.rfind(*sep, end - sep->size());
            if (at == std::string_view::npos) break;
            parts.emplace_back(s.substr(at + sep->size(), end - at - sep->size()));
            end = at;
        }
        parts.emplace_back(s.substr(0, end));
        return {parts.rbegin(), parts.rend()};
    }
    // Whitespace splitting: runs of whitespace separate, leading/trailing whitespace gives no empty parts, and
    // once maxsplit is reached the rest (stripped on the splitting side only) is one part.
    std::u32string cps = to_code_points(s);
    if (from_right) std::reverse(cps.begin(), cps.end());
    size_t i = 0;
    while (true) {
        while (i < cps.size() && is_py_space(cps[i])) ++i;
        if (i >= cps.size()) break;
        if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
            std::u32string rest = cps.substr(i);
            if (from_right) std::reverse(rest.begin(), rest.end());
            parts.push_back(to_utf8(rest));
            break;
        }
        size_t j = i;
        while (j < cps.size() && !is_py_space(cps[j])) ++j;
        std::u32string word = cps.substr(i, j - i);
        if (from_right) std::reverse(word.begin(), word.end());
        parts.push_back(to_utf8(word));
        i = j;
    }
    if (from_right) std::reverse(parts.begin(), parts.end());
    return parts;
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
    const std::u32string cps = to_code_points(s);
    std::vector<std::string> lines;
    size_t start = 0, i = 0;
    while (i < cps.size()) {
        const char32_t c = cps[i];
        const bool brk = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E ||
                         c == 0x85 || c == 0x2028 || c == 0x2029;
        if (!brk) {
            ++i;
            continue;
        }
        size_t end = i + 1;
        if (c == '\r' && end < cps.size() && cps[end] == '\n') ++end;
        lines.push_back(to_utf8(std::u32string_view(cps).substr(start, (keepends ? end : i) - start)));
        start = i = end;
    }
    if (start < cps.size()) lines.push_back(to_utf8(std::u32string_view(cps).substr(start)));
    return lines;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count,
                       size_t max_bytes) {
    std::string out;
    const auto grow = [&](std::string_view part) {
        if (out.size() + part.size() > max_bytes) throw Error("replace result exceeds " + std::to_string(max_bytes) + " bytes");
        out.append(part);
    };
    if (old.empty()) {
        const std::u32string cps = to_code_points(s);
        int64_t done = 0;
        for (size_t i = 0; i <= cps.size(); ++i) {
            if (count < 0 || done < count) {
                grow(repl);
                ++done;
            }
            if (i < cps.size()) append_utf8(out, cps[i]);
        }
        return out;
    }
    size_t pos = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t at = s.find(old, pos);
        if (at == std::string_view::npos) break;
        grow(s.substr(pos, at - pos));
        grow(repl);
        pos = at + old.size();
        ++done;
    }
    out.append(s.substr(pos));
    return out;
}

int64_t py_find(std::string_view s, std::string_view sub, bool from_right) {
    const size_t at = from_right ? s.rfind(sub) : s.find(sub);
    if (at == std::string_view::npos) return -1;
    return static_cast<int64_t>(count_code_points(s.substr(0, at)));
}

int64_t py_count(std::string_view s, std::string_view sub) {
    if (sub.empty()) return static_cast<int64_t>(count_code_points(s)) + 1;
    int64_t n = 0;
    for (size_t at = s.find(sub); at != std::string_view::npos; at = s.find(sub, at + sub.size())) ++n;
    return n;
}

std::string py_format(std::string_view fmt, const CallArgs& args) {
    std::string out;
    size_t auto_index = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}') ++i;
            else throw Error("Single '}' encountered in format string");
            out += '}';
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i);
        if (close == std::string_view::npos) throw Error("Single '{' encountered in format string");
        std::string field(fmt.substr(i + 1, close - i - 1));
        i = close;
        char conversion = 's';
        if (const size_t bang = field.find('!'); bang != std::string::npos) {
            conversion = bang + 1 < field.size() ? field[bang + 1] : 's';
            field.resize(bang);
        }
        if (field.find(':') != std::string::npos) throw Error("format specs in str.format are not supported");
        const Value* v = nullptr;
        if (field.empty() || std::isdigit(static_cast<unsigned char>(field[0]))) {
            const size_t index = field.empty() ? auto_index++ : std::stoul(field.substr(0, 6));
            if (index >= args.args.size()) throw Error("Replacement index " + std::to_string(index) + " out of range");
            v = &args.args[index];
        } else {
            for (const auto& [k, kv] : args.kwargs)
                if (k == field) v = &kv;
            if (!v) throw Error("KeyError: '" + field + "'");
        }
        out += conversion == 'r' ? py_repr(*v) : py_str(*v);
    }
    return out;
}

std::string py_percent_format(std::string_view fmt, const Value& values) {
    const bool tuple = values.is_list() && values.seq_kind() == SeqKind::TUPLE;
    size_t next_arg = 0;
    const auto take = [&](const std::string& key) -> Value {
        if (!key.empty()) {
            if (!values.is_plain_dict()) throw Error("format requires a mapping");
            const Value* v = values.dict_ref().find(key);
            if (!v) throw Error("KeyError: '" + key + "'");
            return *v;
        }
        if (!tuple) {
            if (next_arg++ > 0) throw Error("not enough arguments for format string");
            return values;
        }
        if (next_arg >= values.items().size()) throw Error("not enough arguments for format string");
        return values.items()[next_arg++];
    };
    const auto number = [&](size_t& j) {  // width and precision, bounded so padding stays small
        int n = 0;
        while (j < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[j]))) n = std::min(n * 10 + (fmt[j++] - '0'), 4096);
        return n;
    };
    std::string out;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        size_t j = i + 1;
        std::string key;
        if (j < fmt.size() && fmt[j] == '(') {
            const size_t close = fmt.find(')', j);
            if (close == std::string_view::npos) throw Error("incomplete format key");
            key = std::string(fmt.substr(j + 1, close - j - 1));
            j = close + 1;
        }
        std::string flags;
        while (j < fmt.size() && (fmt[j] == '-' || fmt[j] == '+' || fmt[j] == ' ' || fmt[j] == '#' || fmt[j] == '0'))
            flags += fmt[j++];
        const int width = number(j);
        int precision = -1;
        if (j < fmt.size() && fmt[j] == '.') precision = number(++j);
        if (j >= fmt.size()) throw Error("incomplete format");
        const char conv = fmt[j];
        i = j;
        if (conv == '%') {
            out += '%';
            continue;
        }
        const Value v = take(key);
        if (conv == 's' || conv == 'r') {
            std::u32string text = to_code_points(conv == 's' ? py_str(v) : py_repr(v));
            if (precision >= 0 && text.size() > static_cast<size_t>(precision)) text.resize(static_cast<size_t>(precision));
            const std::u32string fill(text.size() < static_cast<size_t>(width) ? width - text.size() : 0, U' ');
            out += to_utf8(flags.find('-') != std::string::npos ? text + fill : fill + text);
            continue;
        }
        if (!v.is_number()) throw Error(std::string("%") + conv + " format: a real number is required, not " + v.type_name());
        std::string spec = "%" + flags + std::to_string(width) + (precision >= 0 ? "." + std::to_string(precision) : "");
        char buf[8192];
        if (conv == 'd' || conv == 'i' || conv == 'x' || conv == 'X' || conv == 'o') {
            const long long n = v.is_float() ? static_cast<long long>(v.as_double()) : v.as_int();
            std::snprintf(buf, sizeof buf, (spec + "ll" + (conv == 'i' ? 'd' : conv)).c_str(), n);
        } else if (conv == 'f' || conv == 'F' || conv == 'e' || conv == 'E' || conv == 'g' || conv == 'G') {
            std::snprintf(buf, sizeof buf, (spec + conv).c_str(), v.as_double());
        } else {
            throw Error(std::string("unsupported format character '") + conv + "'");
        }
        out += buf;
    }
    if (tuple && next_arg < values.items().size()) throw Error("not all arguments converted during string formatting");
    return out;
}

}  // namespace snug::jinja
