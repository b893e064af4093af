// tests/unit/planner_fixtures.h: files the planner tests plan for, made at test time in a temporary folder: synthetic
// models with published shapes from ../shared/tools/synth_gguf.py (sparse: gigabytes of holes cost no disk), and a
// Gemma 3 vision projector written here as a GGUF header followed by a hole (its real shapes, no data).
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/test_data.h"

namespace snug::test {

// One temporary folder per test process, removed at exit.
inline const std::string& planner_tmp_dir() {
    static const std::string dir = [] {
        std::string templ = (std::filesystem::temp_directory_path() / "snug-planner-XXXXXX").string();
        if (!::mkdtemp(templ.data())) return std::string();
        static struct Cleanup {
            std::string path;
            ~Cleanup() {
                std::error_code ec;
                if (!path.empty()) std::filesystem::remove_all(path, ec);
            }
        } cleanup{templ};
        return templ;
    }();
    return dir;
}

// Path of a sparse synthetic model (generated once per process), or "" when the generator cannot run here.
inline std::string synth_model(const std::string& preset, const std::string& type) {
    static std::map<std::string, std::string> made;
    const std::string key = preset + "-" + type;
    if (auto it = made.find(key); it != made.end()) return it->second;
    const std::string tool = data_path("tools/synth_gguf.py");
    const std::string out = planner_tmp_dir() + "/" + key + ".gguf";
    std::string path;
    if (file_exists(tool) && file_exists("/usr/bin/python3")) {
        const std::string cmd = "/usr/bin/python3 '" + tool + "' --preset " + preset + " --type " + type +
                                " --sparse --out '" + out + "' > /dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0 && file_exists(out)) path = out;
    }
    made[key] = path;
    return path;
}

// A minimal GGUF v3 serializer for headers whose tensor data is a hole: enough for the projector fixture.
class SparseGguf {
public:
    void str(const std::string& k, const std::string& v) { kv(k, 8, bytes_of_string(v)); }
    void u32(const std::string& k, uint32_t v) { kv(k, 4, raw(&v, 4)); }
    void f32(const std::string& k, float v) { kv(k, 6, raw(&v, 4)); }
    void boolean(const std::string& k, bool v) { kv(k, 7, std::string(1, v ? '\1' : '\0')); }
    // shape outermost first; type: 0 = F32, 1 = F16.
    void tensor(const std::string& name, uint32_t type, std::vector<uint64_t> shape) {
        uint64_t n = 1;
        for (auto d : shape) n *= d;
        const uint64_t bytes = n * (type == 0 ? 4 : 2);
        std::string t = bytes_of_string(name);
        const uint32_t n_dims = static_cast<uint32_t>(shape.size());
        t += raw(&n_dims, 4);
        for (auto it = shape.rbegin(); it != shape.rend(); ++it) t += raw(&*it, 8);  // GGUF's ne: innermost first
        t += raw(&type, 4);
        t += raw(&data_size_, 8);
        tensors_ += t;
        ++n_tensors_;
        data_size_ += (bytes + 31) / 32 * 32;
    }
    // Writes the header, then extends the file over the data section without writing it.
    void write(const std::string& path) const {
        std::string h = "GGUF";
        const uint32_t version = 3;
        h += raw(&version, 4);
        h += raw(&n_tensors_, 8);
        h += raw(&n_kv_, 8);
        h += kvs_ + tensors_;
        h.resize((h.size() + 31) / 32 * 32, '\0');
        std::ofstream(path, std::ios::binary).write(h.data(), static_cast<std::streamsize>(h.size()));
        if (::truncate(path.c_str(), static_cast<off_t>(h.size() + data_size_)) != 0) std::abort();
    }
    uint64_t data_size() const { return data_size_; }

private:
    static std::string raw(const void* p, size_t n) { return std::string(static_cast<const char*>(p), n); }
    static std::string bytes_of_string(const std::string& s) {
        const uint64_t n = s.size();
        return raw(&n, 8) + s;
    }
    void kv(const std::string& k, uint32_t type, const std::string& value) {
        kvs_ += bytes_of_string(k) + raw(&type, 4) + value;
        ++n_kv_;
    }
    std::string kvs_, tensors_;
    uint64_t n_kv_ = 0, n_tensors_ = 0, data_size_ = 0;
};

// Gemma 3's vision tower and projector (SigLIP so400m/14 at 896 px: 27 blocks, width 1152, MLP 4304, 16 heads;
// projection into the 2560-wide gemma-3-4b), with llama.cpp's tensor names and types (matrices F16, vectors F32).
// Hand count: F16 elements 677,376 (patch) + 4,718,592 (positions) + 27 x 15,224,832 (blocks) + 2,949,120
// (projection) = 419,415,552 -> 838,831,104 bytes; F32 elements 400,752 -> 1,603,008 bytes. Of those, mm.* holds
// 2,949,120 x 2 + 1,152 x 4 = 5,902,848 bytes and v.* the other 834,531,264.
inline std::string gemma3_mmproj() {
    const std::string path = planner_tmp_dir() + "/mmproj-gemma3-4b-f16.gguf";
    if (file_exists(path)) return path;
    SparseGguf g;
    g.str("general.architecture", "clip");
    g.str("clip.projector_type", "gemma3");
    g.boolean("clip.has_vision_encoder", true);
    g.u32("clip.vision.image_size", 896);
    g.u32("clip.vision.patch_size", 14);
    g.u32("clip.vision.embedding_length", 1152);
    g.u32("clip.vision.feed_forward_length", 4304);
    g.u32("clip.vision.block_count", 27);
    g.u32("clip.vision.attention.head_count", 16);
    g.u32("clip.vision.projection_dim", 2560);
    g.f32("clip.vision.attention.layer_norm_epsilon", 1e-6f);
    g.tensor("v.patch_embd.weight", 1, {1152, 3, 14, 14});
    g.tensor("v.patch_embd.bias", 0, {1152});
    g.tensor("v.position_embd.weight", 1, {4096, 1152});
    for (int b = 0; b < 27; ++b) {
        const std::string p = "v.blk." + std::to_string(b) + ".";
        for (const char* n : {"ln1", "ln2"}) {
            g.tensor(p + n + ".weight", 0, {1152});
            g.tensor(p + n + ".bias", 0, {1152});
        }
        for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
            g.tensor(p + n + ".weight", 1, {1152, 1152});
            g.tensor(p + n + ".bias", 0, {1152});
        }
        g.tensor(p + "ffn_up.weight", 1, {4304, 1152});
        g.tensor(p + "ffn_up.bias", 0, {4304});
        g.tensor(p + "ffn_down.weight", 1, {1152, 4304});
        g.tensor(p + "ffn_down.bias", 0, {1152});
    }
    g.tensor("v.post_ln.weight", 0, {1152});
    g.tensor("v.post_ln.bias", 0, {1152});
    g.tensor("mm.input_projection.weight", 1, {1152, 2560});
    g.tensor("mm.soft_emb_norm.weight", 0, {1152});
    g.write(path);
    return path;
}

}  // namespace snug::test
