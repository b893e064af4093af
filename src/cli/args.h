// cli/args.h: a small command-line parser: positionals, --flag, --key VALUE (or --key=VALUE), short aliases.
// Unknown options and malformed numbers are errors that name the option.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace snug::cli {

class Args {
public:
    // value_options: options that take a value; flag_options: options that do not. Aliases map "-p" -> "--prompt".
    Args(const std::vector<std::string>& argv, const std::set<std::string>& value_options,
         const std::set<std::string>& flag_options, const std::map<std::string, std::string>& aliases = {});

    const std::vector<std::string>& positionals() const { return positionals_; }
    bool flag(const std::string& name) const { return flags_.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::string value_or(const std::string& name, const std::string& def) const;
    int int_or(const std::string& name, int def) const;
    int64_t int64_or(const std::string& name, int64_t def) const;
    double float_or(const std::string& name, double def) const;
    std::vector<int> int_list_or(const std::string& name, std::vector<int> def) const;  // "1,2,4"

private:
    std::vector<std::string> positionals_;
    std::set<std::string> flags_;
    std::map<std::string, std::string> values_;
};

}  // namespace snug::cli
