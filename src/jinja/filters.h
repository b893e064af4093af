// jinja/filters.h: what filters.cpp (single values) and filters_seq.cpp (sequences) share. Internal.
#pragma once
#include <string>

#include "jinja/interpreter.h"

namespace snug::jinja {

// The sequence filters: length, join, first, last, list, items, map, select, reject, selectattr, rejectattr,
// unique, sort, dictsort, reverse, min, max, sum, batch. Throws for an unknown filter name.
Value apply_sequence_filter(Interpreter& in, const std::string& name, const Value& v, CallArgs& a);

}  // namespace snug::jinja
