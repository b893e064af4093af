// backends/cuda/cuda_backend.cpp: the op table: argument checks, uploads of host-side step data (positions, ids,
// block tables) through pinned staging, and kernel launches. Matmul is in cuda_matmul.cpp.
#include "backends/cuda/cuda_backend.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "backends/cuda/cuda_check.h"

namespace snug {

using cuda::check;

CudaBackend::CudaBackend(int device_id) : device_id_(device_id) {
    std::string why;
    const auto devices = cuda::list_devices(&why);
    const auto it = std::find_if(devices.begin(), devices.end(), [&](const auto& d) { return d.id == device_id; });
    if (it == devices.end()) throw Error("CUDA device " + std::to_string(device_id) + " is not usable: " + why);
    info_ = *it;
    check(cudaSetDevice(device_id_), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cublasCreate(&cublas_), "cublasCreate");
    check(cublasSetStream(cublas_, stream_), "cublasSetStream");
    // An explicit workspace: its size is the planner's constant, not whatever cuBLAS would pick per call.
    check(cudaMalloc(&cublas_workspace_, cuda::CUBLAS_WORKSPACE_BYTES), "cudaMalloc (cuBLAS workspace)");
    check(cublasSetWorkspace(cublas_, cublas_workspace_, cuda::CUBLAS_WORKSPACE_BYTES), "cublasSetWorkspace");
}

CudaBackend::~CudaBackend() {
    if (stream_) cudaStreamSynchronize(stream_);
    if (cublas_) cublasDestroy(cublas_);
    if (cublas_workspace_) cudaFree(cublas_workspace_);
    if (stream_) cudaStreamDestroy(stream_);
}

void CudaBackend::synchronize() { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

void CudaBackend::check_last(const char* what) { cuda::check_launch(what); }

void CudaBackend::reset_scratch() {
    check(cudaSetDevice(device_id_), "cudaSetDevice");  // the step may run on another thread than the load
    synchronize();
    arena_.reset();
    staging_.reset();
    int_uploads_.clear();
    tables_.clear();
}

Tensor CudaBackend::alloc(std::initializer_list<int64_t> shape) {
    Tensor t(DType::F32, shape, nullptr, Device::CUDA);
    t.data = arena_.alloc(static_cast<size_t>(t.n_elements()) * sizeof(float));
    return t;
}

void* CudaBackend::upload(const void* host, size_t n) {
    void* pinned = staging_.alloc(n);
    std::memcpy(pinned, host, n);
    void* dev = arena_.alloc(n);
    check(cudaMemcpyAsync(dev, pinned, n, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (upload)");
    return dev;
}

const int32_t* CudaBackend::upload_ints(std::span<const int32_t> v) {
    const auto key = std::make_pair(static_cast<const void*>(v.data()), v.size());
    auto it = int_uploads_.find(key);
    if (it != int_uploads_.end()) return it->second;
    const auto* dev = static_cast<const int32_t*>(upload(v.data(), v.size_bytes()));
    int_uploads_.emplace(key, dev);
    return dev;
}

const cuda::PagedKv& CudaBackend::paged(const KvLayer& kv, std::span<const SeqSlice> seqs) {
    const auto key = std::make_tuple(static_cast<const void*>(kv.k_blocks), static_cast<const void*>(seqs.data()),
                                     seqs.size());
    auto it = tables_.find(key);
    if (it != tables_.end()) return it->second;
    size_t n_entries = 0;
    int n_tokens = 0;
    for (const auto& s : seqs) n_entries += static_cast<size_t>(s.n_blocks), n_tokens = std::max(n_tokens, s.end);
    // [k pointers | v pointers | token -> first entry of its sequence], one upload.
    const size_t ptr_bytes = n_entries * sizeof(void*);
    const size_t bytes = 2 * ptr_bytes + static_cast<size_t>(n_tokens) * sizeof(int32_t);
    auto* host = static_cast<uint8_t*>(staging_.alloc(bytes));
    auto* kp = reinterpret_cast<uint8_t**>(host);
    auto* vp = reinterpret_cast<uint8_t**>(host + ptr_bytes);
    auto* tok = reinterpret_cast<int32_t*>(host + 2 * ptr_bytes);
    std::fill(tok, tok + n_tokens, 0);
    int32_t at = 0;
    for (const auto& s : seqs) {
        for (int b = 0; b < s.n_blocks; ++b) {
            const int32_t id = s.block_table[b];
            kp[at + b] = id < 0 ? nullptr : static_cast<uint8_t*>(kv.k_blocks[id]);
            vp[at + b] = id < 0 ? nullptr : static_cast<uint8_t*>(kv.v_blocks[id]);
        }
        for (int t = s.begin; t < s.end; ++t) tok[t] = at;
        at += s.n_blocks;
    }
    auto* dev = static_cast<uint8_t*>(arena_.alloc(bytes));
    check(cudaMemcpyAsync(dev, host, bytes, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (block tables)");
    cuda::PagedKv p;
    p.dtype = kv.dtype;
    p.block_size = kv.block_size;
    p.n_kv_heads = kv.n_kv_heads;
    p.head_dim = kv.head_dim;
    p.head_bytes = row_bytes(kv.dtype, kv.head_dim);
    p.pos_bytes = p.head_bytes * static_cast<size_t>(kv.n_kv_heads);
    p.k_blocks = reinterpret_cast<uint8_t* const*>(dev);
    p.v_blocks = reinterpret_cast<uint8_t* const*>(dev + ptr_bytes);
    p.tok_table = reinterpret_cast<const int32_t*>(dev + 2 * ptr_bytes);
    return tables_.emplace(key, p).first->second;
}

float* CudaBackend::output_ptr(const Tensor& y) {
    if (y.device == Device::CUDA) return y.f32();
    return static_cast<float*>(arena_.alloc(y.n_bytes()));
}

void CudaBackend::finish_output(const Tensor& y, const float* dev) {
    if (y.device == Device::CUDA) return;
    void* pinned = staging_.alloc(y.n_bytes());
    check(cudaMemcpyAsync(pinned, dev, y.n_bytes(), cudaMemcpyDeviceToHost, stream_), "cudaMemcpyAsync (download)");
    synchronize();
    std::memcpy(y.data, pinned, y.n_bytes());
}

void CudaBackend::copy(Tensor dst, Tensor src) {
    const size_t n = src.n_bytes();
    if (dst.n_bytes() != n) throw Error("copy between tensors of " + dst.shape_string() + " and " + src.shape_string());
    if (dst.device == Device::CPU && src.device == Device::CPU) {
        std::memmove(dst.data, src.data, n);
    } else if (dst.device == Device::CUDA && src.device == Device::CUDA) {
        check(cudaMemcpyAsync(dst.data, src.data, n, cudaMemcpyDeviceToDevice, stream_), "cudaMemcpyAsync (d2d)");
    } else if (dst.device == Device::CUDA) {
        void* pinned = staging_.alloc(n);  // the CPU's arena may be reused before the DMA runs: stage it
        std::memcpy(pinned, src.data, n);
        check(cudaMemcpyAsync(dst.data, pinned, n, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync (h2d)");
    } else {
        finish_output(dst, src.f32());
    }
}

void CudaBackend::get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) {
    assert(y.device == Device::CUDA);
    const auto* t = table.device == Device::CUDA ? static_cast<const uint8_t*>(table.data) : weight(table);
    cuda::get_rows(table.dtype, t, table.row_bytes(), table.cols(), upload_ints(ids), 0,
                   static_cast<int64_t>(ids.size()), y.f32(), stream_);
    check_last("get_rows");
}

void CudaBackend::rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) {
    const int64_t k = w.cols();
    float* yd = output_ptr(y);
    cuda::rms_norm(x.f32(), reinterpret_cast<const float*>(weight(w)), yd, x.n_elements() / k, k, eps, stream_);
    check_last("rms_norm");
    finish_output(y, yd);
}

void CudaBackend::add(Tensor y, Tensor a, Tensor b) {
    const float* bd = b.device == Device::CUDA ? b.f32() : reinterpret_cast<const float*>(weight(b));
    cuda::add(a.f32(), bd, y.f32(), a.n_elements(), b.n_elements(), stream_);
    check_last("add");
}

void CudaBackend::scale(Tensor y, Tensor x, float s) {
    cuda::scale(x.f32(), s, y.f32(), x.n_elements(), stream_);
    check_last("scale");
}

void CudaBackend::act_mul(Tensor y, Tensor gate, Tensor up, Activation act) {
    cuda::act_mul(gate.f32(), up.f32(), y.f32(), gate.n_elements(), act, stream_);
    check_last("act_mul");
}

void CudaBackend::rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) {
    const float* ff = p.freq_factors
                          ? static_cast<const float*>(weights_.device_copy(p.freq_factors, sizeof(float) * (p.n_rot / 2), stream_))
                          : nullptr;
    cuda::rope(x.f32(), upload_ints(positions), x.dim(0), static_cast<int>(x.dim(1)), static_cast<int>(x.dim(2)), p,
               ff, stream_);
    check_last("rope");
}

void CudaBackend::kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions,
                           Tensor k, Tensor v) {
    const cuda::PagedKv& pk = paged(kv, seqs);
    cuda::kv_store(pk, upload_ints(positions), k.dim(0), k.f32(), v.f32(), stream_);
    check_last("kv_store");
}

void CudaBackend::attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                            std::span<const int32_t> positions, const AttnParams& p) {
    const cuda::PagedKv& pk = paged(kv, seqs);
    cuda::AttnLaunch a;
    a.n_tokens = q.dim(0);
    a.n_heads = static_cast<int>(q.dim(1));
    a.p = p;
    int max_keys = 1;
    for (const auto& s : seqs)
        for (int t = s.begin; t < s.end; ++t) {
            const int32_t pos = positions[static_cast<size_t>(t)];
            const int32_t lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
            max_keys = std::max(max_keys, pos - lo + 1);
        }
    // Split the keys when (token, head) pairs alone leave SMs idle: aim at two blocks per SM, with at least
    // MIN_SPLIT_KEYS keys per split so the merge stays cheap.
    constexpr int MIN_SPLIT_KEYS = 128;
    const int64_t pairs = a.n_tokens * a.n_heads;
    const int64_t want = std::max<int64_t>(1, (2 * info_.n_sm + pairs - 1) / pairs);
    a.n_splits = static_cast<int>(std::clamp<int64_t>(want, 1, (max_keys + MIN_SPLIT_KEYS - 1) / MIN_SPLIT_KEYS));
    a.split_len = (max_keys + a.n_splits - 1) / a.n_splits;
    float* partial = nullptr;
    if (a.n_splits > 1)
        partial = static_cast<float*>(
            arena_.alloc(sizeof(float) * static_cast<size_t>(pairs * a.n_splits * (kv.head_dim + 2))));
    cuda::attention(pk, q.f32(), upload_ints(positions), a, out.f32(), partial, stream_);
    check_last("attention");
}

}  // namespace snug
