#include "test_data.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace snug::test {

std::string data_dir() {
    const char* env = std::getenv("SNUG_TEST_DATA");
    if (env && *env) return env;
    return SNUG_DEFAULT_TEST_DATA;
}

std::string data_path(const std::string& relative) { return data_dir() + "/" + relative; }

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci && (std::strcmp(ci, "true") == 0 || std::strcmp(ci, "1") == 0);
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

}  // namespace snug::test
