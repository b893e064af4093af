#include "cli/args.h"

#include <cerrno>
#include <cstdlib>

#include "base/error.h"

namespace snug::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
           const std::set<std::string>& flag_options, const std::map<std::string, std::string>& aliases) {
    for (size_t i = 0; i < argv.size(); ++i) {
        std::string a = argv[i];
        if (a.size() < 2 || a[0] != '-' || (a[1] >= '0' && a[1] <= '9')) {
            positionals_.push_back(a);
            continue;
        }
        std::optional<std::string> inline_value;
        if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = a.substr(eq + 1);
            a = a.substr(0, eq);
        }
        if (const auto it = aliases.find(a); it != aliases.end()) a = it->second;
        if (value_options.count(a)) {
            if (inline_value) {
                values_[a] = *inline_value;
            } else {
                if (i + 1 >= argv.size()) throw Error("option " + a + " needs a value");
                values_[a] = argv[++i];
            }
        } else if (flag_options.count(a)) {
            if (inline_value) throw Error("option " + a + " takes no value");
            flags_.insert(a);
        } else {
            throw Error("unknown option " + a);
        }
    }
}

std::optional<std::string> Args::value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::value_or(const std::string& name, const std::string& def) const { return value(name).value_or(def); }

int64_t Args::int64_or(const std::string& name, int64_t def) const {
    const auto v = value(name);
    if (!v) return def;
    errno = 0;
    char* end = nullptr;
    const long long r = std::strtoll(v->c_str(), &end, 10);
    if (errno != 0 || end == v->c_str() || *end != '\0') throw Error("option " + name + ": '" + *v + "' is not an integer");
    return r;
}

int Args::int_or(const std::string& name, int def) const {
    const int64_t r = int64_or(name, def);
    if (r < INT32_MIN || r > INT32_MAX) throw Error("option " + name + ": " + std::to_string(r) + " is out of range");
    return static_cast<int>(r);
}

double Args::float_or(const std::string& name, double def) const {
    const auto v = value(name);
    if (!v) return def;
    errno = 0;
    char* end = nullptr;
    const double r = std::strtod(v->c_str(), &end);
    if (errno != 0 || end == v->c_str() || *end != '\0') throw Error("option " + name + ": '" + *v + "' is not a number");
    return r;
}

std::vector<int> Args::int_list_or(const std::string& name, std::vector<int> def) const {
    const auto v = value(name);
    if (!v) return def;
    std::vector<int> r;
    size_t start = 0;
    while (start <= v->size()) {
        const size_t comma = v->find(',', start);
        const std::string part = v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        char* end = nullptr;
        errno = 0;
        const long x = std::strtol(part.c_str(), &end, 10);
        if (part.empty() || errno != 0 || *end != '\0' || x < INT32_MIN || x > INT32_MAX)
            throw Error("option " + name + ": '" + *v + "' is not a comma-separated list of integers");
        r.push_back(static_cast<int>(x));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return r;
}

}  // namespace snug::cli
