// store/modelfile.cpp: a small hand-written scanner for the Modelfile syntax described in modelfile.h, and the
// writer that produces text it reads back unchanged.
#include "store/modelfile.h"

#include <cctype>

#include "base/error.h"
#include "store/utf8.h"

namespace snug::store {
namespace {

class Scanner {
public:
    explicit Scanner(std::string text) : s_(std::move(text)) {}

    bool at_end() const { return i_ >= s_.size(); }
    int line() const { return line_; }
    Error error(const std::string& what) const {
        return Error("Modelfile line " + std::to_string(line_) + ": " + what);
    }

    // Skips blank lines and "#" comment lines. Returns false at the end of the text.
    bool next_instruction() {
        for (;;) {
            skip_blanks();
            if (at_end()) return false;
            if (s_[i_] == '\n') {
                advance();
                continue;
            }
            if (s_[i_] != '#') return true;
            while (!at_end() && s_[i_] != '\n') advance();
        }
    }

    // A run of non-space characters (instruction word, parameter key, message role).
    std::string word() {
        skip_blanks();
        const size_t start = i_;
        while (!at_end() && !std::isspace(static_cast<unsigned char>(s_[i_]))) advance();
        return s_.substr(start, i_ - start);
    }

    // The value that ends an instruction: """...""", "..." or the rest of the line. `what` names it in errors.
    std::string value(const std::string& what) {
        skip_blanks();
        if (at_end() || s_[i_] == '\n') throw error(what + " needs a value");
        std::string v;
        if (s_.compare(i_, 3, "\"\"\"") == 0) {
            const int opened = line_;
            for (int k = 0; k < 3; ++k) advance();
            const size_t close = s_.find("\"\"\"", i_);
            if (close == std::string::npos)
                throw Error("Modelfile line " + std::to_string(opened) + ": unterminated \"\"\" in " + what);
            while (i_ < close) v += advance();
            for (int k = 0; k < 3; ++k) advance();
            end_of_line(what);
        } else if (s_[i_] == '"') {
            const int opened = line_;
            advance();
            for (;;) {
                if (at_end()) throw Error("Modelfile line " + std::to_string(opened) + ": unterminated \" in " + what);
                char c = advance();
                if (c == '"') break;
                if (c == '\\' && !at_end() && (s_[i_] == '"' || s_[i_] == '\\')) c = advance();
                v += c;
            }
            end_of_line(what);
        } else {
            while (!at_end() && s_[i_] != '\n') v += advance();
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
        }
        return v;
    }

private:
    char advance() {
        const char c = s_[i_++];
        if (c == '\n') ++line_;
        return c;
    }
    void skip_blanks() {
        while (!at_end() && (s_[i_] == ' ' || s_[i_] == '\t')) advance();
    }
    void end_of_line(const std::string& what) {
        skip_blanks();
        if (!at_end() && s_[i_] != '\n') throw error("unexpected text after the closing quote of " + what);
    }

    std::string s_;
    size_t i_ = 0;
    int line_ = 1;
};

std::string normalise_newlines(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i)
        if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
    return out;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

ModelSpec parse_modelfile(std::string_view text) {
    if (!is_valid_utf8(text)) throw Error("Modelfile: the text is not valid UTF-8");
    Scanner sc(normalise_newlines(text));
    ModelSpec spec;
    while (sc.next_instruction()) {
        const std::string word = sc.word();
        const std::string instr = upper(word);
        if (instr == "FROM") {
            spec.from.push_back(sc.value("FROM"));
        } else if (instr == "PARAMETER") {
            const std::string key = sc.word();
            if (key.empty()) throw sc.error("PARAMETER needs a name and a value");
            const std::string v = sc.value("PARAMETER " + key);
            std::optional<nlohmann::json> typed;
            try {
                typed = parse_parameter(key, v);
            } catch (const Error& e) {
                throw sc.error(e.what());
            }
            if (!typed) spec.ignored_params.push_back(key);
            else if (key == "stop") spec.params[key].push_back(*typed);
            else spec.params[key] = *typed;
        } else if (instr == "TEMPLATE") {
            spec.template_text = sc.value("TEMPLATE");
        } else if (instr == "SYSTEM") {
            spec.system = sc.value("SYSTEM");
        } else if (instr == "LICENSE") {
            if (!spec.license) spec.license.emplace();
            spec.license->push_back(sc.value("LICENSE"));
        } else if (instr == "MESSAGE") {
            const std::string role = sc.word();
            if (role != "system" && role != "user" && role != "assistant")
                throw sc.error("MESSAGE role must be system, user or assistant, got '" + role.substr(0, 32) + "'");
            if (!spec.messages) spec.messages.emplace();
            spec.messages->push_back({role, sc.value("MESSAGE " + role)});
        } else if (instr == "ADAPTER") {
            throw sc.error("ADAPTER (LoRA adapters) is not supported yet");
        } else if (instr == "REQUIRES") {
            sc.value("REQUIRES");  // an Ollama version requirement: meaningless for snug
        } else {
            throw sc.error("unknown instruction '" + word.substr(0, 32) +
                           "' (expected FROM, PARAMETER, TEMPLATE, SYSTEM, MESSAGE, LICENSE)");
        }
    }
    if (spec.from.empty()) throw Error("Modelfile: no FROM line (FROM a GGUF file, a blob digest or a model name)");
    return spec;
}

namespace {

// "..." with \ and " escaped: the form Ollama uses for PARAMETER stop values.
std::string quote_escaped(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// The form parse_modelfile() reads back verbatim: """...""" unless the text holds """ or ends in '"' (which
// would run into the closing quotes), in which case "..." with \ and " escaped.
std::string quote(const std::string& s) {
    if (s.find("\"\"\"") == std::string::npos && (s.empty() || s.back() != '"')) return "\"\"\"" + s + "\"\"\"";
    return quote_escaped(s);
}

// A path as is when it reads back unchanged (one line, no surrounding blanks or quote), else quoted.
std::string bare_or_quote(const std::string& s) {
    const bool plain = !s.empty() && s.find('\n') == std::string::npos && s[0] != '"' &&
                       !std::isspace(static_cast<unsigned char>(s.front())) &&
                       !std::isspace(static_cast<unsigned char>(s.back()));
    return plain ? s : quote(s);
}

}  // namespace

std::string format_modelfile(const ModelSpec& spec, const std::vector<std::string>& header) {
    std::string out;
    for (const auto& h : header) out += "# " + h + "\n";
    if (!header.empty()) out += "\n";
    for (const auto& f : spec.from) out += "FROM " + bare_or_quote(f) + "\n";
    if (spec.template_text) out += "TEMPLATE " + quote(*spec.template_text) + "\n";
    if (spec.system) out += "SYSTEM " + quote(*spec.system) + "\n";
    for (const auto& [key, value] : spec.params.items()) {
        const auto line = [&](const nlohmann::json& v) {
            out += "PARAMETER " + key + " " + (v.is_string() ? quote_escaped(v.get<std::string>()) : v.dump()) + "\n";
        };
        if (value.is_array())
            for (const auto& v : value) line(v);
        else
            line(value);
    }
    if (spec.messages)
        for (const auto& m : *spec.messages) out += "MESSAGE " + m.role + " " + quote(m.content) + "\n";
    if (spec.license)
        for (const auto& l : *spec.license) out += "LICENSE " + quote(l) + "\n";
    return out;
}

}  // namespace snug::store
