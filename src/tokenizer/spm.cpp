// tokenizer/spm.cpp: SentencePiece-style tokenization as llama.cpp's llm_tokenizer_spm does it. Start from one symbol
// per UTF-8 character, repeatedly merge the adjacent pair whose concatenation is the highest-scoring token (leftmost
// on ties), then emit each symbol's token, or its bytes as <0xXX> tokens when it is none.
#include <algorithm>
#include <cstdint>
#include <queue>
#include <string>

#include "base/error.h"
#include "tokenizer/encoders.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

using Symbol = MergeSymbol;

// 16 bytes: a long prompt queues about two and a half bigrams per character, and a server tokenizes several prompts
// at once, so this is most of the memory a request's tokenization takes (the memory plan does not reserve it).
struct Bigram {
    int32_t left, right;
    float score;
    uint32_t size;  // bytes when queued: a later mismatch means one side has changed since (texts are < 4 GiB)
};

// Highest score first; on equal scores the leftmost pair.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

class SpmSession {
public:
    SpmSession(const Vocab& v, std::string_view text) : v_(v), text_(text) {}

    void run(std::vector<int32_t>& out) {
        symbols_.reserve(text_.size());  // at most one symbol per byte; only the pages used become resident
        split_utf8_symbols(text_, symbols_);
        for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add(i - 1, i);

        while (!queue_.empty()) {
            const Bigram b = queue_.top();
            queue_.pop();
            Symbol& l = symbols_[static_cast<size_t>(b.left)];
            Symbol& r = symbols_[static_cast<size_t>(b.right)];
            if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;  // stale
            l.n += r.n;
            r.n = 0;
            l.next = r.next;
            if (r.next >= 0) symbols_[static_cast<size_t>(r.next)].prev = b.left;
            try_add(l.prev, b.left);
            try_add(b.left, l.next);
        }
        for (int i = symbols_.empty() ? -1 : 0; i != -1; i = symbols_[static_cast<size_t>(i)].next) {
            emit(symbols_[static_cast<size_t>(i)], out);
        }
    }

private:
    std::string_view text_of(const Symbol& s) const { return text_.substr(s.begin, s.n); }

    void try_add(int left, int right) {
        if (left == -1 || right == -1) return;
        const Symbol& l = symbols_[static_cast<size_t>(left)];
        const Symbol& r = symbols_[static_cast<size_t>(right)];
        const std::string_view joined = text_.substr(l.begin, l.n + r.n);
        const int32_t id = v_.find(joined);
        if (id < 0) return;
        queue_.push({left, right, v_.tokens[static_cast<size_t>(id)].score, static_cast<uint32_t>(joined.size())});
    }

    // llama.cpp also keeps a text -> pair map to re-split symbols that are no token, but every merged symbol is a
    // token and the map only holds tokens, so that path never runs: a symbol is a token or a run of bytes.
    void emit(const Symbol& s, std::vector<int32_t>& out) {
        const std::string_view text = text_of(s);
        if (const int32_t id = v_.find(text); id >= 0) {
            out.push_back(id);
            return;
        }
        for (char byte : text) emit_byte(static_cast<uint8_t>(byte), out);
    }

    // <0xXX>, else the byte itself as a token. llama.cpp aborts when neither exists; we fall back to <unk>, or skip.
    void emit_byte(uint8_t byte, std::vector<int32_t>& out) {
        static constexpr char HEX[] = "0123456789ABCDEF";
        const char name[6] = {'<', '0', 'x', HEX[byte >> 4], HEX[byte & 15], '>'};
        int32_t id = v_.find(std::string_view(name, sizeof name));
        if (id < 0) id = v_.find(std::string_view(reinterpret_cast<const char*>(&byte), 1));
        if (id < 0) id = v_.unk;
        if (id >= 0) out.push_back(id);
    }

    const Vocab& v_;
    std::string_view text_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void spm_tokenize(const Vocab& v, std::string_view text, std::vector<int32_t>& out) {
    if (text.size() >= (size_t(1) << 32))
        throw Error("text of " + std::to_string(text.size()) + " bytes is too long to tokenize");
    SpmSession(v, text).run(out);
}

}  // namespace snug::tok
