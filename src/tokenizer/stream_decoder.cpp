// tokenizer/stream_decoder.cpp: incremental decode. The clean_spaces passes (detokenize.cpp) each decide about a
// space from the next one or two bytes, so here each pass is a small state machine holding back at most " 'r";
// chained, they give byte for byte what the batch passes give on the whole text. Output then waits only for the
// rest of an unfinished UTF-8 character.
#include "tokenizer/tokenizer.h"

#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace snug {

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool special)
    : tok_(tokenizer), special_(special), clean_spaces_(tokenizer.vocab().clean_spaces) {}

void StreamDecoder::reset() {
    first_ = true;
    s1_ = s2_ = s3_ = Stage{};
    held_.clear();
}

// Pass 3: " 's", " 'm", " 're", " 've" lose the space. Pending: "", " ", " '", " 'r" or " 'v".
void StreamDecoder::push_stage3(char c, std::string& out) {
    std::string& p = s3_.pending;
    if (p == " '") {
        if (c == 's' || c == 'm') {
            out += '\'';
            out += c;
            p.clear();
            return;
        }
        if (c == 'r' || c == 'v') {
            p += c;
            return;
        }
        out += p;
        p.clear();
    } else if (p.size() == 3) {
        if (c == 'e') {
            out += p.substr(1);
            out += c;
            p.clear();
            return;
        }
        out += p;
        p.clear();
    } else if (p == " ") {
        if (c == '\'') {
            p += c;
            return;
        }
        out += p;
        p.clear();
    }
    if (c == ' ') {
        p = " ";
    } else {
        out += c;
    }
}

// Pass 2: " ' " becomes "'"; the dropped space cannot start the next match. Pending: "", " " or " '".
void StreamDecoder::push_stage2(char c, std::string& out) {
    std::string& p = s2_.pending;
    if (p == " '") {
        p.clear();
        if (c == ' ') {
            push_stage3('\'', out);
            return;
        }
        push_stage3(' ', out);
        push_stage3('\'', out);
    } else if (p == " ") {
        if (c == '\'') {
            p += c;
            return;
        }
        p.clear();
        push_stage3(' ', out);
    }
    if (c == ' ') {
        p = " ";
    } else {
        push_stage3(c, out);
    }
}

// Pass 1: a space before ?!., goes. Pending: "" or " ".
void StreamDecoder::push(char c, std::string& out) {
    std::string& p = s1_.pending;
    if (!p.empty()) {
        p.clear();
        if (c != '?' && c != '!' && c != '.' && c != ',') push_stage2(' ', out);
    }
    if (c == ' ') {
        p = " ";
    } else {
        push_stage2(c, out);
    }
}

void StreamDecoder::finish(std::string& out) {
    if (!s1_.pending.empty()) push_stage2(' ', out);
    s1_.pending.clear();
    const std::string p2 = s2_.pending;
    s2_.pending.clear();
    for (char c : p2) push_stage3(c, out);
    out += s3_.pending;
    s3_.pending.clear();
}

std::string StreamDecoder::feed(int32_t id) {
    std::string piece = tok_.token_to_piece(id, special_);
    if (first_ && tok_.vocab().add_space_prefix && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
    first_ = false;
    if (clean_spaces_) {
        for (char c : piece) push(c, held_);
    } else {
        held_ += piece;
    }
    const size_t ready = tok::complete_utf8_prefix(held_);
    std::string out = held_.substr(0, ready);
    held_.erase(0, ready);
    return out;
}

std::string StreamDecoder::flush() {
    if (clean_spaces_) finish(held_);
    std::string out = std::move(held_);
    reset();
    return out;
}

}  // namespace snug
