// tests/unit/sampling_stop_matcher.cpp: stop strings across piece boundaries, several stops, UTF-8-safe holding.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sampling/rng.h"
#include "sampling/stop_matcher.h"

namespace snug {
namespace {

struct Fed {
    std::vector<std::string> emits;  // one per piece
    std::string text;                // all emitted text, flush included when not stopped
    bool stopped = false;
};

Fed feed_all(StopMatcher& m, const std::vector<std::string>& pieces) {
    Fed out;
    for (const std::string& piece : pieces) {
        StopMatcher::Result r = m.feed(piece);
        out.emits.push_back(r.emit);
        out.text += r.emit;
        out.stopped = r.stopped;
    }
    if (!out.stopped) out.text += m.flush();
    return out;
}

TEST(StopMatcher, NoStopsPassesTextThrough) {
    StopMatcher m({});
    const Fed f = feed_all(m, {"Hello", ", ", "world"});
    EXPECT_EQ(f.emits, (std::vector<std::string>{"Hello", ", ", "world"}));
    EXPECT_FALSE(f.stopped);
}

TEST(StopMatcher, StopInsideOnePiece) {
    StopMatcher m({"STOP"});
    const StopMatcher::Result r = m.feed("Hello STOP world");
    EXPECT_EQ(r.emit, "Hello ");
    EXPECT_TRUE(r.stopped);
    EXPECT_TRUE(m.stopped());
}

TEST(StopMatcher, StopAcrossPieces) {
    StopMatcher m({"STOP"});
    const Fed f = feed_all(m, {"Hel", "lo ST", "O", "P and more"});
    EXPECT_EQ(f.emits, (std::vector<std::string>{"Hel", "lo ", "", ""}));
    EXPECT_EQ(f.text, "Hello ");
    EXPECT_TRUE(f.stopped);
}

TEST(StopMatcher, BrokenPartialMatchIsReleased) {
    StopMatcher m({"STOP"});
    const Fed f = feed_all(m, {"a ST", "ART", " S"});
    EXPECT_EQ(f.emits, (std::vector<std::string>{"a ", "START", " "}));
    EXPECT_EQ(f.text, "a START S");  // the trailing "S" comes back from flush()
    EXPECT_FALSE(f.stopped);
}

TEST(StopMatcher, EarliestOfSeveralStopsWins) {
    StopMatcher m({"world", "lo"});
    const StopMatcher::Result r = m.feed("hello world");
    EXPECT_EQ(r.emit, "hel");
    EXPECT_TRUE(r.stopped);
}

TEST(StopMatcher, ShorterStopInsideAHeldLongerOne) {
    // "ab" is held as a prefix of "abcd"; "c" completes the other stop "bc", which starts inside the held text.
    StopMatcher m({"abcd", "bc"});
    const Fed f = feed_all(m, {"xab", "c"});
    EXPECT_EQ(f.emits, (std::vector<std::string>{"x", "a"}));
    EXPECT_TRUE(f.stopped);
}

TEST(StopMatcher, SelfOverlappingStop) {
    StopMatcher m({"aab"});
    const Fed f = feed_all(m, {"a", "a", "a", "b"});  // "aaab": the match starts at the second 'a'
    EXPECT_EQ(f.text, "a");
    EXPECT_TRUE(f.stopped);
}

TEST(StopMatcher, NothingAfterStop) {
    StopMatcher m({"\n\n"});
    EXPECT_EQ(m.feed("one\n").emit, "one");
    const StopMatcher::Result r = m.feed("\ntwo");
    EXPECT_EQ(r.emit, "");
    EXPECT_TRUE(r.stopped);
    const StopMatcher::Result after = m.feed("three");
    EXPECT_EQ(after.emit, "");
    EXPECT_TRUE(after.stopped);
    EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, FlushReturnsHeldText) {
    StopMatcher m({"END"});
    EXPECT_EQ(m.feed("the EN").emit, "the ");
    EXPECT_EQ(m.flush(), "EN");
    EXPECT_EQ(m.flush(), "");
}

TEST(StopMatcher, EmptyStopStringsAreIgnored) {
    StopMatcher m({"", "z"});
    const StopMatcher::Result r = m.feed("abc");
    EXPECT_EQ(r.emit, "abc");
    EXPECT_FALSE(r.stopped);
}

TEST(StopMatcher, HoldsIncompleteUtf8) {
    StopMatcher m({});
    // "café" with é = C3 A9 split between pieces; then a 4-byte emoji F0 9F 98 80 split over three pieces.
    const Fed f = feed_all(m, {"caf\xC3", "\xA9!", "\xF0\x9F", "\x98", "\x80."});
    EXPECT_EQ(f.emits, (std::vector<std::string>{"caf", "\xC3\xA9!", "", "", "\xF0\x9F\x98\x80."}));
}

TEST(StopMatcher, MultiByteStopString) {
    StopMatcher m({"\xE3\x80\x8D"});  // U+300D 」
    const Fed f = feed_all(m, {"\xE3\x80\x8Chi\xE3", "\x80", "\x8D tail"});
    EXPECT_EQ(f.text, "\xE3\x80\x8Chi");
    EXPECT_EQ(f.emits[0], "\xE3\x80\x8Chi");
    EXPECT_TRUE(f.stopped);
}

TEST(StopMatcher, PartialStopNeverSplitsACharacter) {
    // The stop's prefix "\x80" would match a continuation byte of "é"; the cut must not split é in two.
    StopMatcher m({"\x80X"});
    const StopMatcher::Result r = m.feed("a\xE2\x82\xAC\xC3\x80");  // "a€À": the last byte is 0x80
    EXPECT_EQ(r.emit, "a\xE2\x82\xAC");
    EXPECT_FALSE(r.stopped);
    EXPECT_EQ(m.flush(), "\xC3\x80");
}

// Random UTF-8 text split at random byte offsets: the output is the text up to the first stop, and no emitted piece
// ends inside a character.
TEST(StopMatcher, RandomSplitsMatchWholeTextSearch) {
    const std::vector<std::string> alphabet = {"a", "b", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    const std::vector<std::string> stops = {"b \xC3\xA9", "\xE2\x82\xAC\xE2\x82\xAC", "ab\xF0\x9F\x98\x80"};
    Rng rng(2024);
    for (int trial = 0; trial < 500; ++trial) {
        std::string text;
        for (int i = 0; i < 40; ++i) text += alphabet[rng.next_u64() % alphabet.size()];
        size_t first = std::string::npos;
        for (const std::string& s : stops) first = std::min(first, text.find(s));
        const std::string expected = text.substr(0, first);

        std::vector<std::string> pieces;
        for (size_t pos = 0; pos < text.size();) {
            const size_t len = 1 + rng.next_u64() % 5;
            pieces.push_back(text.substr(pos, len));
            pos += len;
        }
        StopMatcher m(stops);
        const Fed f = feed_all(m, pieces);
        ASSERT_EQ(f.text, expected) << "trial " << trial;
        ASSERT_EQ(f.stopped, first != std::string::npos) << "trial " << trial;
        for (const std::string& e : f.emits) {
            if (e.empty()) continue;
            size_t lead = e.size() - 1;
            while (lead > 0 && (static_cast<unsigned char>(e[lead]) & 0xC0) == 0x80) --lead;
            const auto b = static_cast<unsigned char>(e[lead]);
            const size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
            ASSERT_EQ(e.size() - lead, len) << "trial " << trial << ": emit ends inside a character";
        }
    }
}

}  // namespace
}  // namespace snug
