// sampling/stop_matcher.h: finds stop strings in streamed text. Owns only the text held back between pieces; knows
// nothing of tokens. Emitted text never ends inside a UTF-8 character or inside a possible stop string.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace snug {

class StopMatcher {
public:
    // Empty strings are ignored (they would stop before the first byte).
    explicit StopMatcher(std::vector<std::string> stops);

    struct Result {
        std::string emit;  // text that is safe to show now
        bool stopped;      // a stop string was hit: emit holds the text before it; the rest is dropped
    };

    // Appends a piece of generated text (any bytes, possibly a partial UTF-8 character). Once stopped, every further
    // call returns {"", true}. A stop string is found at its earliest start; at equal starts any of them stops.
    Result feed(std::string_view piece);

    // End of generation without a stop: returns the held-back text, as is, and empties the matcher.
    std::string flush();

    bool stopped() const { return stopped_; }

private:
    size_t partial_match_len() const;

    std::vector<std::string> stops_;
    std::string pending_;  // text received but not yet emitted
    bool stopped_ = false;
};

}  // namespace snug
