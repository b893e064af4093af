// sampling/stop_matcher.cpp: the held-back text is at most the longest stop string plus one piece, so plain
// searches over it are cheaper than any automaton would be.
#include "sampling/stop_matcher.h"

#include <algorithm>
#include <utility>

namespace snug {
namespace {

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Length of the UTF-8 sequence that lead byte b starts; 1 for ASCII and for bytes that cannot start a sequence.
size_t sequence_len(unsigned char b) {
    if (b >= 0xF0 && b <= 0xF7) return 4;
    if (b >= 0xE0) return b <= 0xEF ? 3 : 1;
    if (b >= 0xC0) return 2;
    return 1;
}

// Moves cut back so that text[0, cut) does not end inside a UTF-8 character, i.e. not mid-way through a sequence
// whose lead byte is among the last three bytes before cut. Invalid bytes pass through unchanged.
size_t utf8_safe_cut(std::string_view text, size_t cut) {
    for (size_t back = 1; back <= 3 && back <= cut; ++back) {
        const auto b = static_cast<unsigned char>(text[cut - back]);
        if (is_continuation(b)) continue;
        return sequence_len(b) > back ? cut - back : cut;
    }
    return cut;
}

}  // namespace

StopMatcher::StopMatcher(std::vector<std::string> stops) {
    for (std::string& s : stops) {
        if (!s.empty()) stops_.push_back(std::move(s));
    }
}

// The longest suffix of pending_ that is a proper prefix of some stop string: it may yet become a match.
size_t StopMatcher::partial_match_len() const {
    const std::string_view text = pending_;
    size_t best = 0;
    for (const std::string& s : stops_) {
        for (size_t len = std::min(s.size() - 1, text.size()); len > best; --len) {
            if (text.substr(text.size() - len) == std::string_view(s).substr(0, len)) {
                best = len;
                break;
            }
        }
    }
    return best;
}

StopMatcher::Result StopMatcher::feed(std::string_view piece) {
    if (stopped_) return {"", true};
    pending_.append(piece);
    size_t hit = std::string::npos;
    for (const std::string& s : stops_) hit = std::min(hit, pending_.find(s));
    if (hit != std::string::npos) {
        std::string emit = pending_.substr(0, hit);
        pending_.clear();
        stopped_ = true;
        return {std::move(emit), true};
    }
    const size_t cut = utf8_safe_cut(pending_, pending_.size() - partial_match_len());
    std::string emit = pending_.substr(0, cut);
    pending_.erase(0, cut);
    return {std::move(emit), false};
}

std::string StopMatcher::flush() {
    std::string rest = std::move(pending_);
    pending_.clear();
    return rest;
}

}  // namespace snug
