// store/names.cpp: name and digest validation. The rules are a whitelist: anything not explicitly allowed is refused,
// which is what keeps "../", absolute paths, backslashes, NULs and Unicode look-alikes out of the store's paths.
#include "store/names.h"

#include <cctype>

#include "base/error.h"

namespace snug::store {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// Checks one part of a name. `extra` lists the punctuation allowed besides letters and digits.
void check_part(std::string_view part, std::string_view what, size_t max_len, std::string_view extra,
                bool underscore_first, std::string_view name) {
    const auto fail = [&](const std::string& why) {
        return Error("invalid model name '" + std::string(name) + "': the " + std::string(what) + " " + why);
    };
    if (part.empty()) throw fail("is empty");
    if (part.size() > max_len) throw fail("is longer than " + std::to_string(max_len) + " characters");
    if (!is_alnum(part[0]) && !(underscore_first && part[0] == '_'))
        throw fail("must start with a letter or digit");
    for (char c : part)
        if (!is_alnum(c) && extra.find(c) == std::string_view::npos)
            throw fail("may only hold letters, digits and '" + std::string(extra) + "'");
    if (part.find("..") != std::string_view::npos) throw fail("must not contain '..'");
}

}  // namespace

std::string ModelName::display() const {
    std::string out;
    if (host != DEFAULT_HOST) out = host + "/" + ns + "/";
    else if (ns != DEFAULT_NAMESPACE) out = ns + "/";
    return out + model + ":" + tag;
}

std::string ModelName::relative_path() const { return host + "/" + ns + "/" + model + "/" + tag; }

ModelName parse_model_name(std::string_view s) {
    if (s.empty()) throw Error("invalid model name: the name is empty");
    if (s.size() > MAX_NAME_LENGTH)
        throw Error("invalid model name '" + std::string(s.substr(0, 40)) + "...': longer than " +
                    std::to_string(MAX_NAME_LENGTH) + " characters");
    ModelName n;
    std::string_view path = s;
    const size_t colon = s.rfind(':');
    if (colon != std::string_view::npos && s.find('/', colon) == std::string_view::npos) {
        path = s.substr(0, colon);
        n.tag = std::string(s.substr(colon + 1));
        check_part(n.tag, "tag", 80, "._-", true, s);
    }
    std::string_view parts[3];
    size_t count = 0;
    for (size_t start = 0;;) {
        const size_t slash = path.find('/', start);
        if (count == 3) throw Error("invalid model name '" + std::string(s) + "': at most host/namespace/model");
        parts[count++] = path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (count == 3) {
        check_part(parts[0], "host", 253, ".-", false, s);
        n.host.clear();
        for (char c : parts[0]) n.host += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (n.host == "huggingface.co") n.host = "hf.co";
    }
    if (count >= 2) {
        check_part(parts[count - 2], "namespace", 96, "._-", false, s);
        n.ns = std::string(parts[count - 2]);
    }
    check_part(parts[count - 1], "model", 96, "._-", false, s);
    n.model = std::string(parts[count - 1]);
    return n;
}

std::string parse_digest(std::string_view s) {
    const auto fail = [&] {
        std::string shown(s.substr(0, 80));
        for (char& c : shown)
            if (static_cast<unsigned char>(c) < 0x20) c = '?';
        return Error("invalid digest '" + shown + "': expected sha256:<64 hex digits>");
    };
    if (s.size() != 71 || s.substr(0, 6) != "sha256" || (s[6] != ':' && s[6] != '-')) throw fail();
    std::string out = "sha256:";
    for (char c : s.substr(7)) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) throw fail();
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string digest_hex(const std::string& digest) { return digest.substr(7); }

}  // namespace snug::store
