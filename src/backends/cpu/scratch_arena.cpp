#include "backends/cpu/scratch_arena.h"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace snug {
namespace {
constexpr size_t ALIGN = 64;
constexpr size_t MIN_CHUNK = size_t(1) << 20;

void free_chunk(std::byte* p) { std::free(p); }
}  // namespace

void* ScratchArena::alloc(size_t bytes) {
    bytes = (bytes + ALIGN - 1) / ALIGN * ALIGN;
    if (chunks_.empty() || chunks_.back().size - chunks_.back().used < bytes) {
        Chunk c;
        c.size = std::max(MIN_CHUNK, bytes);
        auto* p = static_cast<std::byte*>(std::aligned_alloc(ALIGN, c.size));
        if (!p) throw std::bad_alloc();
        c.mem = {p, free_chunk};
        chunks_.push_back(std::move(c));
    }
    Chunk& c = chunks_.back();
    void* p = c.mem.get() + c.used;
    c.used += bytes;
    in_use_ += bytes;
    high_water_ = std::max(high_water_, in_use_);
    return p;
}

void ScratchArena::reset() {
    if (chunks_.size() > 1) {
        size_t total = 0;
        for (const auto& c : chunks_) total += c.size;
        chunks_.clear();
        Chunk c;
        c.size = total;
        auto* p = static_cast<std::byte*>(std::aligned_alloc(ALIGN, c.size));
        if (!p) throw std::bad_alloc();
        c.mem = {p, free_chunk};
        chunks_.push_back(std::move(c));
    }
    for (auto& c : chunks_) c.used = 0;
    in_use_ = 0;
}

}  // namespace snug
