#include "kv/kv_cache.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "base/error.h"

namespace snug {

KvCache::KvCache(KvCacheConfig cfg) : cfg_(std::move(cfg)) {
    if (cfg_.block_size <= 0) throw Error("KV block size must be positive");
    if (cfg_.max_positions <= 0) throw Error("context size must be positive, got " + std::to_string(cfg_.max_positions));
    if (cfg_.max_sequences <= 0) throw Error("the KV cache needs at least one sequence");
    const int64_t blocks_per_seq = (cfg_.max_positions + cfg_.block_size - 1) / cfg_.block_size;
    const int64_t full_contexts = cfg_.max_full_contexts > 0 ? cfg_.max_full_contexts : cfg_.max_sequences;
    for (size_t il = 0; il < cfg_.layers.size(); ++il) {
        const auto& l = cfg_.layers[il];
        check_kv_type(cfg_.dtype, l.head_dim);
        const size_t bytes = row_bytes(cfg_.dtype, static_cast<int64_t>(l.n_kv_heads) * l.head_dim) *
                             static_cast<size_t>(cfg_.block_size);
        int g = -1;
        for (size_t k = 0; k < groups_.size(); ++k)
            if (groups_[k].window == l.window && groups_[k].bytes_per_block == bytes) g = static_cast<int>(k);
        if (g < 0) {
            groups_.push_back(Group{l.window, nullptr, {}, bytes});
            g = static_cast<int>(groups_.size() - 1);
        }
        layer_group_.push_back(g);
        layer_index_.push_back(static_cast<int>(groups_[static_cast<size_t>(g)].layers.size()));
        groups_[static_cast<size_t>(g)].layers.push_back(static_cast<int>(il));
    }
    if (!cfg_.layer_allocators.empty() && cfg_.layer_allocators.size() != cfg_.layers.size())
        throw Error("the KV cache has " + std::to_string(cfg_.layers.size()) + " layers but " +
                    std::to_string(cfg_.layer_allocators.size()) + " layer allocators");
    for (auto& g : groups_) {
        std::vector<DeviceAllocator*> allocators;
        if (!cfg_.layer_allocators.empty())
            for (int il : g.layers) allocators.push_back(cfg_.layer_allocators[static_cast<size_t>(il)]);
        // A window needs at most ceil(window / block) + 1 blocks at once, plus one step's new tokens (bounded by
        // the context): the context bound is the safe cap for both.
        g.pool = std::make_unique<BlockPool>(g.bytes_per_block, static_cast<int>(g.layers.size()),
                                             blocks_per_seq * full_contexts, std::move(allocators));
    }
}

int KvCache::add_sequence() {
    for (size_t s = 0; s < seqs_.size(); ++s)
        if (!seqs_[s].live) {
            seqs_[s].live = true;
            seqs_[s].tables.assign(groups_.size(), {});
            return static_cast<int>(s);
        }
    if (static_cast<int>(seqs_.size()) >= cfg_.max_sequences)
        throw Error("too many sequences: the KV cache was configured for " + std::to_string(cfg_.max_sequences));
    seqs_.push_back(Sequence{true, std::vector<std::vector<int32_t>>(groups_.size())});
    return static_cast<int>(seqs_.size() - 1);
}

void KvCache::release_from(int seq, int group, size_t first_block) {
    auto& table = seqs_[static_cast<size_t>(seq)].tables[static_cast<size_t>(group)];
    for (size_t b = first_block; b < table.size(); ++b)
        if (table[b] >= 0) groups_[static_cast<size_t>(group)].pool->release(table[b]);
    table.resize(std::min(first_block, table.size()));
}

void KvCache::clear_sequence(int seq) {
    for (size_t g = 0; g < groups_.size(); ++g) release_from(seq, static_cast<int>(g), 0);
}

void KvCache::remove_sequence(int seq) {
    clear_sequence(seq);
    seqs_[static_cast<size_t>(seq)].live = false;
}

bool KvCache::prepare(int seq, int32_t first_pos, int32_t end_pos) {
    if (end_pos > cfg_.max_positions)
        throw Error("sequence needs " + std::to_string(end_pos) + " positions but the context size is " +
                    std::to_string(cfg_.max_positions));
    auto& s = seqs_[static_cast<size_t>(seq)];
    const size_t need = static_cast<size_t>((end_pos + cfg_.block_size - 1) / cfg_.block_size);
    for (size_t g = 0; g < groups_.size(); ++g) {
        auto& group = groups_[g];
        auto& table = s.tables[g];
        if (group.window > 0) {
            // Keys at p0 <= first_pos - window are invisible to every query from first_pos on.
            const int32_t last_dead = first_pos - group.window;
            const int64_t dead_blocks = last_dead < 0 ? 0 : (last_dead + 1) / cfg_.block_size;
            for (int64_t b = 0; b < std::min<int64_t>(dead_blocks, static_cast<int64_t>(table.size())); ++b)
                if (table[static_cast<size_t>(b)] >= 0) {
                    group.pool->release(table[static_cast<size_t>(b)]);
                    table[static_cast<size_t>(b)] = -1;
                }
        }
        const size_t old = table.size();
        while (table.size() < need) {
            const int32_t id = group.pool->allocate();
            if (id < 0) {
                for (size_t b = old; b < table.size(); ++b) group.pool->release(table[b]);
                table.resize(old);
                return false;
            }
            table.push_back(id);
        }
    }
    return true;
}

bool KvCache::window_blocks_held(int seq, int group, int32_t n_positions) const {
    const auto& g = groups_[static_cast<size_t>(group)];
    const auto& table = seqs_[static_cast<size_t>(seq)].tables[static_cast<size_t>(group)];
    if (static_cast<int64_t>(table.size()) * cfg_.block_size < n_positions) return false;
    // The next query (at n_positions) sees keys from n_positions - window + 1 on.
    const int32_t first_seen = g.window > 0 ? std::max(0, n_positions - g.window + 1) : 0;
    for (int32_t b = first_seen / cfg_.block_size; b * cfg_.block_size < n_positions; ++b)
        if (table[static_cast<size_t>(b)] < 0) return false;
    return true;
}

int32_t KvCache::share_prefix(int src, int dst, int32_t n_positions) {
    if (src == dst) throw Error("a sequence cannot share a prefix with itself");
    auto& d = seqs_[static_cast<size_t>(dst)];
    for (const auto& t : d.tables)
        if (!t.empty()) throw Error("share_prefix needs an empty destination sequence");
    int32_t n = std::min(n_positions, cfg_.max_positions) / cfg_.block_size * cfg_.block_size;
    for (; n > 0; n -= cfg_.block_size) {
        bool ok = true;
        for (size_t g = 0; g < groups_.size() && ok; ++g) ok = window_blocks_held(src, static_cast<int>(g), n);
        if (ok) break;
    }
    if (n <= 0) return 0;
    const auto& s = seqs_[static_cast<size_t>(src)];
    for (size_t g = 0; g < groups_.size(); ++g) {
        auto& table = d.tables[g];
        table.assign(s.tables[g].begin(), s.tables[g].begin() + n / cfg_.block_size);
        for (int32_t& id : table) {
            if (id < 0) continue;
            // A sliding-window group's block the next query cannot see is not shared: it would only pin memory.
            const int32_t block_end = static_cast<int32_t>(&id - table.data() + 1) * cfg_.block_size;
            if (groups_[g].window > 0 && block_end <= n - groups_[g].window + 1) {
                id = -1;
                continue;
            }
            groups_[g].pool->retain(id);
        }
    }
    return n;
}

KvLayer KvCache::layer(int il) const {
    const auto& g = groups_[static_cast<size_t>(layer_group_[static_cast<size_t>(il)])];
    const auto& spec = cfg_.layers[static_cast<size_t>(il)];
    KvLayer l;
    l.dtype = cfg_.dtype;
    l.block_size = cfg_.block_size;
    l.n_kv_heads = spec.n_kv_heads;
    l.head_dim = spec.head_dim;
    l.k_blocks = g.pool->k_blocks(layer_index_[static_cast<size_t>(il)]);
    l.v_blocks = g.pool->v_blocks(layer_index_[static_cast<size_t>(il)]);
    return l;
}

SeqSlice KvCache::slice(int seq, int il, int begin, int end) const {
    const auto& table = seqs_[static_cast<size_t>(seq)].tables[static_cast<size_t>(layer_group_[static_cast<size_t>(il)])];
    return SeqSlice{begin, end, table.data(), static_cast<int>(table.size())};
}

size_t KvCache::bytes_allocated() const {
    size_t n = 0;
    for (const auto& g : groups_) n += g.pool->bytes_allocated();
    return n;
}

size_t KvCache::bytes_in_use() const {
    size_t n = 0;
    for (const auto& g : groups_)
        n += g.bytes_per_block * 2 * g.layers.size() * static_cast<size_t>(g.pool->n_in_use());
    return n;
}

}  // namespace snug
