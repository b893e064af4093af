// tests/unit/store_blobs.cpp: blob uploads (digest checked, nothing left behind), garbage collection, vision
// projectors, and the store lock under concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/test_data.h"
#include "gguf/gguf_writer.h"
#include "store/fs_util.h"
#include "store/sha256.h"
#include "store/store.h"
#include "store_test_util.h"

namespace snug::store {
namespace {

using test::files_in;

class StoreBlobs : public ::testing::Test {
protected:
    void SetUp() override { st = std::make_unique<Store>(dir.sub("store")); }
    test::TempDir dir;
    std::unique_ptr<Store> st;
};

TEST_F(StoreBlobs, UploadVerifiesTheDigest) {
    const std::string data = "blob contents, sent in two parts";
    const std::string digest = "sha256:" + sha256_hex(data.data(), data.size());
    EXPECT_FALSE(st->has_blob(digest));
    {
        auto up = st->begin_blob(digest);
        up->write(data.data(), 10);
        up->write(data.data() + 10, data.size() - 10);
        up->commit();
        EXPECT_EQ(up->size(), static_cast<int64_t>(data.size()));
    }
    EXPECT_TRUE(st->has_blob(digest));
    EXPECT_EQ(test::read_bytes(st->blob_path(digest)), data);

    const std::string other = "sha256:" + std::string(64, 'e');
    {
        auto up = st->begin_blob(other);
        up->write("wrong bytes", 11);
        try {
            up->commit();
            FAIL();
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("digest mismatch"), std::string::npos) << e.what();
        }
    }
    { st->begin_blob("sha256:" + std::string(64, 'f'))->write("abandoned", 9); }  // dropped without commit
    EXPECT_FALSE(st->has_blob(other));
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);
    EXPECT_EQ(files_in(st->root() + "/tmp"), std::vector<std::string>{});
    EXPECT_THROW(st->begin_blob("sha256:../../x"), Error);
    EXPECT_THROW(st->has_blob("sha256-" + std::string(63, 'a') + "/"), Error);
}

TEST_F(StoreBlobs, GarbageCollection) {
    const std::string stories = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(stories);
    st->create("kept", parse_modelfile("FROM " + stories + "\n"), dir.path());
    const std::string data(1000, 'z');
    const std::string digest = "sha256:" + sha256_hex(data.data(), data.size());
    auto up = st->begin_blob(digest);
    up->write(data.data(), data.size());
    up->commit();
    test::write_bytes(st->root() + "/blobs/notes.txt", "not a blob name");

    EXPECT_EQ(st->gc(std::chrono::hours(1)).n_blobs, 0);  // young: perhaps uploaded for a create in progress
    EXPECT_TRUE(st->has_blob(digest));
    const GcResult r = st->gc();
    EXPECT_EQ(r.n_blobs, 1);
    EXPECT_EQ(r.bytes, 1000);
    EXPECT_FALSE(st->has_blob(digest));
    EXPECT_EQ(files_in(st->root() + "/blobs"),
              (std::vector<std::string>{"notes.txt", "sha256-" + sha256_file_hex(stories)}));
    EXPECT_NO_THROW(st->resolve("kept"));
}

// A minimal llama.cpp-style projector file: architecture "clip".
std::string write_projector(const std::string& path) {
    gguf::Writer w;
    w.set_string("general.architecture", "clip");
    w.set_string("general.type", "mmproj");
    const float v[4] = {1, 2, 3, 4};
    w.add_tensor("mm.0.weight", DType::F32, {2, 2}, v, sizeof v);
    w.write(path);
    return path;
}

TEST_F(StoreBlobs, ProjectorFromASecondFrom) {
    const std::string stories = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(stories);
    const std::string proj = write_projector(dir.sub("mmproj.gguf"));
    st->create("vis", parse_modelfile("FROM ./mmproj.gguf\nFROM " + stories + "\n"), dir.path());
    const Manifest m = st->get("vis");
    ASSERT_TRUE(m.projector);
    EXPECT_EQ(m.projector->digest, "sha256:" + sha256_file_hex(proj));
    EXPECT_EQ(m.model.digest, "sha256:" + sha256_file_hex(stories));
    const ResolvedModel r = st->resolve("vis");
    EXPECT_EQ(r.projector_path, st->blob_path(m.projector->digest));
    const auto show = st->show_json("vis");
    EXPECT_EQ(show["capabilities"], nlohmann::json({"completion", "vision"}));
    EXPECT_EQ(show["projector_info"]["general.architecture"], "clip");
    EXPECT_EQ(parse_modelfile(show["modelfile"].get<std::string>()).from.size(), 2u);
    EXPECT_THROW(st->create("only-proj", parse_modelfile("FROM ./mmproj.gguf\n"), dir.path()), Error);
    EXPECT_THROW(st->create("two", parse_modelfile("FROM " + stories + "\nFROM " + stories + "\n"), dir.path()), Error);
}

TEST_F(StoreBlobs, CreateFromUploadedBlobsLikeTheApi) {
    const std::string stories = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(stories);
    const std::string bytes = test::read_bytes(stories);
    const std::string digest = "sha256:" + sha256_hex(bytes.data(), bytes.size());
    auto up = st->begin_blob(digest);
    up->write(bytes.data(), bytes.size());
    up->commit();
    const nlohmann::json body = {{"model", "uploaded"}, {"files", {{"stories.gguf", digest}}}, {"system", "s"}};
    std::vector<std::string> statuses;
    st->create("uploaded", spec_from_create_request(body), std::nullopt,
               [&](const nlohmann::json& p) { statuses.push_back(p["status"]); });
    EXPECT_EQ(statuses, (std::vector<std::string>{"using existing layer " + digest, "writing manifest", "success"}));
    EXPECT_EQ(st->resolve("uploaded").gguf_path, st->blob_path(digest));
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);
}

TEST_F(StoreBlobs, LockExcludesOtherHolders) {
    const std::string path = dir.sub("lockfile");
    auto held = FileLock::try_lock(path);
    ASSERT_TRUE(held);
    bool other_got_it = true;
    std::thread([&] { other_got_it = FileLock::try_lock(path) != nullptr; }).join();
    EXPECT_FALSE(other_got_it);
    EXPECT_FALSE(FileLock::try_lock(path, FileLock::Mode::SHARED));
    held.reset();
    EXPECT_TRUE(FileLock::try_lock(path));
    auto a = FileLock::try_lock(path, FileLock::Mode::SHARED);
    EXPECT_TRUE(a && FileLock::try_lock(path, FileLock::Mode::SHARED));  // readers share
}

TEST_F(StoreBlobs, ConcurrentCreatesRemovesAndGc) {
    const std::string stories = test::data_path("models/stories260K.gguf");
    SNUG_REQUIRE_DATA(stories);
    const ModelSpec spec = parse_modelfile("FROM " + stories + "\n");
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            try {
                Store mine(st->root());  // its own object, as another process would have
                for (int i = 0; i < 5; ++i) {
                    const std::string name = "m" + std::to_string(t) + "-" + std::to_string(i);
                    mine.create(name, spec, dir.path());
                    if (i % 2) mine.remove(name);
                }
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
            }
        });
    threads.emplace_back([&] {
        for (int i = 0; i < 20; ++i) Store(st->root()).gc();
    });
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, 0);
    const auto models = st->list();
    EXPECT_EQ(models.size(), 12u);  // 4 threads x 3 kept
    for (const auto& m : models) EXPECT_EQ(test::read_bytes(st->resolve(m.name.display()).gguf_path).size(), 1185376u);
    EXPECT_EQ(files_in(st->root() + "/blobs").size(), 1u);
    EXPECT_EQ(files_in(st->root() + "/tmp"), std::vector<std::string>{});
}

}  // namespace
}  // namespace snug::store
