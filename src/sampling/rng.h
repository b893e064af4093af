// sampling/rng.h: the sampler's own seeded random generator (xoshiro256** seeded through splitmix64).
// We never use std::*_distribution: their output differs between standard libraries, and a seed must reproduce the
// same tokens everywhere. ref: https://prng.di.unimi.it/xoshiro256starstar.c, https://prng.di.unimi.it/splitmix64.c
#pragma once
#include <cstdint>

namespace snug {

class Rng {
public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }

    // xoshiro's state must not be all zero; splitmix64 expands any seed (0 included) into a well-mixed state.
    void reseed(uint64_t seed) {
        uint64_t x = seed;
        for (uint64_t& s : state_) s = splitmix64(x);
    }

    uint64_t next_u64() {
        const uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

    // Uniform in [0, 1) with 53 random bits: every value is exactly representable, and 1.0 is never returned.
    double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    static uint64_t splitmix64(uint64_t& x) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

    uint64_t state_[4];
};

}  // namespace snug
