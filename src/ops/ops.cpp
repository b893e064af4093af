// ops/ops.cpp: anchors the op-set library; the interface is header-only.
#include "ops/ops.h"
