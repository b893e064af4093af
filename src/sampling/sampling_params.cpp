// sampling/sampling_params.cpp: range checks of SamplingParams, one message per bad value.
#include <cmath>
#include <sstream>
#include <string>

#include "base/error.h"
#include "sampling/sampler.h"

namespace snug {
namespace {

template <class T>
[[noreturn]] void fail(const char* name, const char* rule, T value) {
    std::ostringstream msg;
    msg << name << " must be " << rule << ", got " << value;
    throw Error(msg.str());
}

// Written as !(in range) so NaN is rejected too.
void check_unit_interval(const char* name, float v) {
    if (!(v >= 0.0f && v <= 1.0f)) fail(name, "in [0, 1]", v);
}

void check_finite(const char* name, float v) {
    if (!std::isfinite(v)) fail(name, "finite", v);
}

}  // namespace

void SamplingParams::validate() const {
    check_finite("temperature", temperature);
    check_unit_interval("top_p", top_p);
    check_unit_interval("min_p", min_p);
    check_unit_interval("typical_p", typical_p);
    if (!(repeat_penalty > 0.0f && std::isfinite(repeat_penalty)))
        fail("repeat_penalty", "finite and > 0", repeat_penalty);
    if (repeat_last_n < -1) fail("repeat_last_n", ">= -1 (0 disables, -1 = whole context)", repeat_last_n);
    check_finite("presence_penalty", presence_penalty);
    check_finite("frequency_penalty", frequency_penalty);
}

}  // namespace snug
