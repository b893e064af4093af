// store/sha256.h: streaming SHA-256 (OpenSSL's libcrypto EVP) for naming and verifying blobs.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace snug::store {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t n);
    std::string hex_final();  // lowercase hex; the hasher starts over afterwards
    void reset();

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(const void* data, size_t n);
std::string sha256_file_hex(const std::string& path);  // throws snug::Error naming the path when unreadable

}  // namespace snug::store
