// ops/ops.cpp: the one default implementation the op set has: a host-to-host copy for device crossings.
#include "ops/ops.h"

#include <cstring>

#include "base/error.h"

namespace snug {

void Ops::copy(Tensor dst, Tensor src) {
    if (dst.device != Device::CPU || src.device != Device::CPU)
        throw Error("this backend copies only host memory; a copy between devices needs the device's backend");
    if (dst.n_bytes() != src.n_bytes())
        throw Error("copy between tensors of " + dst.shape_string() + " and " + src.shape_string());
    std::memmove(dst.data, src.data, src.n_bytes());
}

}  // namespace snug
