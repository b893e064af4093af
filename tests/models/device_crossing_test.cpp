// tests/models/device_crossing_test.cpp: the layer loop's one device crossing (models/blocks.h, DeviceCrossing),
// checked without a GPU: two CPU backends stand for two devices. The backend of each layer and of the output head
// is the step's, the residual stream arrives intact in the new backend's memory, and h is re-taken there.
#include <gtest/gtest.h>

#include "backends/cpu/cpu_backend.h"
#include "models/blocks.h"

namespace snug {
namespace {

TEST(DeviceCrossing, MovesTheResidualStreamWhenTheBackendChanges) {
    CpuBackend a(1), b(1);
    StepInput step;
    step.layer_ops = {&a, &a, &b, &b};
    step.output_ops = &b;
    Tensor x = a.alloc({3, 5});
    Tensor h = a.alloc({3, 5});
    for (int i = 0; i < 15; ++i) x.f32()[i] = static_cast<float>(i) * 0.5f;
    DeviceCrossing dev(a, step);
    EXPECT_EQ(&dev.enter_layer(0, x, h), &a);
    const void* x_in_a = x.data;
    EXPECT_EQ(&dev.enter_layer(1, x, h), &a);
    EXPECT_EQ(x.data, x_in_a) << "no copy while the backend stays";
    const size_t b_before = b.scratch_high_water();
    EXPECT_EQ(&dev.enter_layer(2, x, h), &b);
    EXPECT_NE(x.data, x_in_a);
    EXPECT_GT(b.scratch_high_water(), b_before) << "x (and h) now live in b's arena";
    EXPECT_EQ(x.dim(0), 3);
    EXPECT_EQ(x.cols(), 5);
    EXPECT_EQ(h.dim(0), 3);
    EXPECT_EQ(h.cols(), 5);
    for (int i = 0; i < 15; ++i) EXPECT_EQ(x.f32()[i], static_cast<float>(i) * 0.5f);
    EXPECT_EQ(&dev.enter_layer(3, x, h), &b);
    EXPECT_EQ(&dev.enter_output(x), &b);
}

TEST(DeviceCrossing, WithoutPlacementEverythingStaysOnTheInputBackend) {
    CpuBackend a(1);
    StepInput step;
    Tensor x = a.alloc({2, 4}), h = a.alloc({2, 4});
    const void* before = x.data;
    DeviceCrossing dev(a, step);
    EXPECT_EQ(&dev.enter_layer(0, x, h), &a);
    EXPECT_EQ(&dev.enter_output(x), &a);
    EXPECT_EQ(x.data, before);
}

}  // namespace
}  // namespace snug
