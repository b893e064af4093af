// tests/unit/server_kv_cache_env_test.cpp: SNUG_KV_CACHE_TYPE (like OLLAMA_KV_CACHE_TYPE) sets the KV cache type of
// every model the server loads; unset it is the engine's f16, and a bad value is an error naming the variable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "base/error.h"
#include "server/http_server.h"

namespace snug::server {
namespace {

struct KvCacheEnv {
    explicit KvCacheEnv(const char* value) {
        if (value) ::setenv("SNUG_KV_CACHE_TYPE", value, 1);
        else ::unsetenv("SNUG_KV_CACHE_TYPE");
    }
    ~KvCacheEnv() { ::unsetenv("SNUG_KV_CACHE_TYPE"); }
};

TEST(ServerKvCacheEnv, SetsEveryModelsCacheType) {
    {
        KvCacheEnv env(nullptr);
        EXPECT_EQ(config_from_env().manager.kv_type, DType::F16);
    }
    {
        KvCacheEnv env("q8_0");
        EXPECT_EQ(config_from_env().manager.kv_type, DType::Q8_0);
    }
    {
        KvCacheEnv env("Q4_0");
        EXPECT_EQ(config_from_env().manager.kv_type, DType::Q4_0);
    }
    KvCacheEnv env("q4_K");
    try {
        config_from_env();
        ADD_FAILURE() << "q4_K accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("SNUG_KV_CACHE_TYPE"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace snug::server
