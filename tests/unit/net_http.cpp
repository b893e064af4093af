// tests/unit/net_http.cpp: the libcurl client against a local server that serves, refuses, cuts and stalls.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "base/error.h"
#include "net/hf.h"
#include "net/http.h"
#include "net_test_server.h"

namespace snug::net {
namespace {

using test::TestServer;

std::string pattern(size_t n) {  // bytes whose value depends on the position, so a misplaced slice shows
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 251) & 0xff);
    return s;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Http, GetJsonAndStatusErrors) {
    TestServer srv([](const TestServer::Request& r) {
        TestServer::Reply rep;
        if (r.target == "/ok") rep.body = R"({"a": [1, 2]})";
        else if (r.target == "/broken") rep.body = "<html>";
        else if (r.target == "/boom") rep.status = 500, rep.body = "internal failure";
        else rep.status = 404, rep.body = R"({"error":"Repository not found"})";
        return rep;
    });
    EXPECT_EQ(get_json(srv.url("/ok"))["a"][1], 2);
    EXPECT_NE(error_of([&] { get_json(srv.url("/broken")); }).find("not JSON"), std::string::npos);
    try {
        get_string(srv.url("/missing"));
        FAIL();
    } catch (const HttpError& e) {
        EXPECT_EQ(e.status(), 404);
        const std::string msg = e.what();
        EXPECT_NE(msg.find(srv.url("/missing")), std::string::npos) << msg;
        EXPECT_NE(msg.find("Repository not found"), std::string::npos) << msg;
    }
    try {
        get_string(srv.url("/boom"));
        FAIL();
    } catch (const HttpError& e) {
        EXPECT_EQ(e.status(), 500);
    }
}

TEST(Http, FetchRangeReadsExactlyTheSlice) {
    const std::string data = pattern(100000);
    for (bool ranges : {true, false}) {
        TestServer srv([&](const TestServer::Request&) {
            TestServer::Reply rep;
            rep.body = data;
            rep.ranges = ranges;
            return rep;
        });
        EXPECT_EQ(fetch_range(srv.url("/f"), 1000, 5000), data.substr(1000, 5000)) << ranges;
        EXPECT_EQ(fetch_range(srv.url("/f"), 0, 16), data.substr(0, 16)) << ranges;
        EXPECT_EQ(fetch_range(srv.url("/f"), 99990, 100), data.substr(99990)) << "crossing the end";
        EXPECT_EQ(fetch_range(srv.url("/f"), 100000, 10), "") << "starting at the end";
        EXPECT_EQ(fetch_range(srv.url("/f"), 5, 0), "");
        const auto reqs = srv.requests();
        ASSERT_GE(reqs.size(), 1u);
        EXPECT_EQ(reqs[0].header("range"), "bytes=1000-5999");
        if (ranges) {
            EXPECT_EQ(reqs[0].body_bytes_sent, 5000);
        }
    }
}

TEST(Http, ContentLengthFromHead) {
    TestServer srv([](const TestServer::Request&) {
        TestServer::Reply rep;
        rep.body = std::string(12345, 'x');
        return rep;
    });
    EXPECT_EQ(content_length(srv.url("/f")), 12345);
    EXPECT_EQ(srv.requests().at(0).method, "HEAD");
}

TEST(Http, StreamReportsWhereTheBodyStarts) {
    const std::string data = pattern(50000);
    for (bool ranges : {true, false}) {
        TestServer srv([&](const TestServer::Request&) {
            TestServer::Reply rep;
            rep.body = data;
            rep.ranges = ranges;
            return rep;
        });
        BodyInfo info{-2, -2};
        std::string got;
        get_stream(srv.url("/f"), 20000, [&](const BodyInfo& b) { info = b; },
                   [&](const char* p, size_t n) { got.append(p, n); });
        EXPECT_EQ(info.offset, ranges ? 20000 : 0);
        EXPECT_EQ(info.total, 50000);
        EXPECT_EQ(got, ranges ? data.substr(20000) : data);
    }
}

TEST(Http, CutConnectionIsAnError) {
    TestServer srv([](const TestServer::Request&) {
        TestServer::Reply rep;
        rep.body = pattern(100000);
        rep.cut_after = 30000;
        return rep;
    });
    size_t received = 0;
    const std::string e =
        error_of([&] { get_stream(srv.url("/f"), 0, {}, [&](const char*, size_t n) { received += n; }); });
    EXPECT_NE(e.find("closed"), std::string::npos) << e;
    EXPECT_EQ(received, 30000u);
}

TEST(Http, StalledServerTimesOutQuickly) {
    TestServer srv([](const TestServer::Request&) {
        TestServer::Reply rep;
        rep.body = pattern(100000);
        rep.stall_after = 1000;
        return rep;
    });
    HttpOptions o;
    o.stall_timeout_s = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = error_of([&] { get_stream(srv.url("/f"), 0, {}, {}, o); });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_NE(e.find("stalled"), std::string::npos) << e;
    EXPECT_LT(secs, 6.0);
}

TEST(Http, SilentServerTimesOutQuickly) {
    TestServer srv([](const TestServer::Request&) {
        TestServer::Reply rep;
        rep.silent = true;
        return rep;
    });
    HttpOptions o;
    o.stall_timeout_s = 1;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string e = error_of([&] { get_json(srv.url("/api"), o); });
    EXPECT_NE(e.find("stalled"), std::string::npos) << e;
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 6.0);
}

TEST(Http, NothingButHttp) {
    EXPECT_NE(error_of([] { get_string("file:///etc/hostname"); }), "");
    EXPECT_NE(error_of([] { get_string("ftp://127.0.0.1:1/x"); }), "");
}

TEST(Http, RefusedConnectionNamesTheUrl) {
    int port;
    {
        TestServer probe([](const TestServer::Request&) { return TestServer::Reply{}; });
        port = probe.port();
    }  // closed again: nothing listens there now
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    EXPECT_NE(error_of([&] { get_string(url); }).find(url), std::string::npos);
}

TEST(Http, CallbackExceptionsPropagateUnchanged) {
    TestServer srv([](const TestServer::Request&) {
        TestServer::Reply rep;
        rep.body = pattern(100000);
        return rep;
    });
    EXPECT_THROW(get_stream(srv.url("/f"), 0, {}, [](const char*, size_t) { throw std::out_of_range("stop"); }),
                 std::out_of_range);
}

TEST(Http, HeadersAndTheHubToken) {
    TestServer hub([](const TestServer::Request&) { return TestServer::Reply{200, "{}"}; });
    TestServer other([](const TestServer::Request&) { return TestServer::Reply{200, "{}"}; });
    ::setenv("HF_TOKEN", "hf_test_token", 1);
    ::setenv("SNUG_HF_ENDPOINT", hub.base().c_str(), 1);
    HttpOptions o;
    o.headers.push_back("X-Snug-Test: 1");
    get_json(hub.url("/api/models/a/b"), o);
    get_json(other.url("/x"), o);
    ::unsetenv("HF_TOKEN");
    ::unsetenv("SNUG_HF_ENDPOINT");
    EXPECT_EQ(hub.requests().at(0).header("authorization"), "Bearer hf_test_token");
    EXPECT_EQ(hub.requests().at(0).header("x-snug-test"), "1");
    EXPECT_EQ(other.requests().at(0).header("authorization"), "");
}

}  // namespace
}  // namespace snug::net
