// tokenizer/bpe.cpp: byte-level BPE as llama.cpp's llm_tokenizer_bpe does it. Each pre-tokenized word starts as one
// symbol per character of its byte-encoded form; the adjacent pair with the lowest merge rank (leftmost on ties) is
// merged until none is left; each symbol then becomes its token, or failing that, tokens for its single bytes.
#include <algorithm>
#include <queue>

#include "tokenizer/encoders.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace snug::tok {

namespace {

using Symbol = MergeSymbol;

struct Bigram {
    int left, right;
    int32_t rank;
    std::string text;  // left + right when queued; a mismatch later means the entry is stale
};

// Lowest rank first; on equal ranks the leftmost pair.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

class BpeWord {
public:
    BpeWord(const Vocab& v, std::string_view word) : v_(v), word_(word) {}

    void run(std::vector<int32_t>& out) {
        if (v_.ignore_merges && v_.find(word_) >= 0) {
            symbols_.push_back({-1, -1, 0, word_.size()});
        } else {
            split_utf8_symbols(word_, symbols_);
        }
        for (int i = 1; i < static_cast<int>(symbols_.size()); ++i) try_add(i - 1, i);

        while (!queue_.empty()) {
            const Bigram b = queue_.top();
            queue_.pop();
            Symbol& l = symbols_[static_cast<size_t>(b.left)];
            Symbol& r = symbols_[static_cast<size_t>(b.right)];
            if (l.n == 0 || r.n == 0) continue;
            if (l.n + r.n != b.text.size() || word_.substr(l.begin, l.n + r.n) != b.text) continue;  // stale
            l.n += r.n;
            r.n = 0;
            l.next = r.next;
            if (r.next >= 0) symbols_[static_cast<size_t>(r.next)].prev = b.left;
            try_add(l.prev, b.left);
            try_add(b.left, l.next);
        }
        for (const Symbol& s : symbols_) {
            if (s.n > 0) emit(word_.substr(s.begin, s.n), out);
        }
    }

private:
    void try_add(int left, int right) {
        if (left == -1 || right == -1) return;
        const Symbol& l = symbols_[static_cast<size_t>(left)];
        const Symbol& r = symbols_[static_cast<size_t>(right)];
        const int32_t rank = v_.find_merge(word_.substr(l.begin, l.n), word_.substr(r.begin, r.n));
        if (rank < 0) return;
        queue_.push({left, right, rank, std::string(word_.substr(l.begin, l.n + r.n))});
    }

    // A symbol that is no token becomes the tokens of its single bytes that are tokens (others are dropped), as in
    // llama.cpp; with the byte alphabet's multi-byte characters that keeps only the ASCII ones.
    void emit(std::string_view text, std::vector<int32_t>& out) const {
        if (const int32_t id = v_.find(text); id >= 0) {
            out.push_back(id);
            return;
        }
        for (char byte : text) {
            if (const int32_t id = v_.find(std::string_view(&byte, 1)); id >= 0) out.push_back(id);
        }
    }

    const Vocab& v_;
    std::string_view word_;
    std::vector<Symbol> symbols_;
    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
};

}  // namespace

void bpe_tokenize(const Vocab& v, const PreTokenizer& pre, std::string_view text, std::vector<int32_t>& out) {
    for (const std::string& word : pre.split_byte_encoded(text)) BpeWord(v, word).run(out);
}

}  // namespace snug::tok
