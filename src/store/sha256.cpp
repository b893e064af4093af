// store/sha256.cpp: EVP digest context wrapper.
#include "store/sha256.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <vector>

#include "base/error.h"

namespace snug::store {

struct Sha256::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md) throw std::bad_alloc();
    reset();
}

Sha256::~Sha256() = default;

void Sha256::reset() {
    if (EVP_DigestInit_ex(ctx_->md, EVP_sha256(), nullptr) != 1)
        throw Error("sha256: cannot initialise OpenSSL digest");
}

void Sha256::update(const void* data, size_t n) {
    if (n && EVP_DigestUpdate(ctx_->md, data, n) != 1) throw Error("sha256: OpenSSL digest update failed");
}

std::string Sha256::hex_final() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_->md, out, &len) != 1) throw Error("sha256: OpenSSL digest final failed");
    static const char* HEX = "0123456789abcdef";
    std::string hex;
    for (unsigned i = 0; i < len; ++i) {
        hex += HEX[out[i] >> 4];
        hex += HEX[out[i] & 15];
    }
    reset();
    return hex;
}

std::string sha256_hex(const void* data, size_t n) {
    Sha256 h;
    h.update(data, n);
    return h.hex_final();
}

std::string sha256_file_hex(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error("cannot open '" + path + "': " + std::strerror(errno));
    Sha256 h;
    std::vector<char> buf(size_t(1) << 20);
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.update(buf.data(), n);
    const bool failed = std::ferror(f) != 0;
    std::fclose(f);
    if (failed) throw Error("cannot read '" + path + "'");
    return h.hex_final();
}

}  // namespace snug::store
