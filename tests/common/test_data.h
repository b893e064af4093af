// tests/common/test_data.h: where the shared test data lives (SNUG_TEST_DATA, default ../shared beside the repo).
// Missing data skips a test on a developer's machine but fails it under CI=true.
#pragma once
#include <string>

namespace snug::test {

std::string data_dir();
std::string data_path(const std::string& relative);  // data_dir() + "/" + relative
bool in_ci();

}  // namespace snug::test

// Use at the top of a test: returns from it (skip, or failure in CI) when the file is absent.
#define SNUG_REQUIRE_DATA(path_expr)                                                               \
    do {                                                                                           \
        const std::string snug_required_path_ = (path_expr);                                       \
        if (!::snug::test::file_exists(snug_required_path_)) {                                     \
            if (::snug::test::in_ci()) FAIL() << "test data missing under CI: " << snug_required_path_; \
            GTEST_SKIP() << "test data missing: " << snug_required_path_;                          \
        }                                                                                          \
    } while (0)

namespace snug::test {
bool file_exists(const std::string& path);
}
