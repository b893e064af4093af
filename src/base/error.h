// base/error.h: the one error type snug throws across module boundaries. Messages name the value and what is wrong.
#pragma once
#include <stdexcept>
#include <string>

namespace snug {

// Thrown for bad input (malformed files, bad requests, impossible budgets). Programmer errors use assert instead.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace snug
