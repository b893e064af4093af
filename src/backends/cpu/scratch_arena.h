// backends/cpu/scratch_arena.h: bump allocator for one step's activations. Chunks never move while a step runs;
// after a step that needed more than one chunk, the next reset merges them into one, so steady-state decoding
// allocates nothing.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

namespace snug {

class ScratchArena {
public:
    void* alloc(size_t bytes);  // 64-byte aligned
    void reset();
    size_t high_water() const { return high_water_; }

private:
    struct Chunk {
        std::unique_ptr<std::byte[], void (*)(std::byte*)> mem{nullptr, nullptr};
        size_t size = 0;
        size_t used = 0;
    };
    std::vector<Chunk> chunks_;
    size_t in_use_ = 0;
    size_t high_water_ = 0;
};

}  // namespace snug
