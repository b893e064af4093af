// store/fs_util.h: the file-system moves the store is built from: advisory locks (flock), temporary files committed
// by fsync + rename (so a reader sees the old file or the new one, never half of one), and directory fsync.
#pragma once
#include <cstddef>
#include <memory>
#include <string>

namespace snug::store {

// An flock(2) lock on a file (created when absent), held until destruction. Each FileLock opens its own
// descriptor, so two locks in one process exclude each other exactly as two processes do.
class FileLock {
public:
    enum class Mode { SHARED, EXCLUSIVE };
    // Blocks until the lock is granted.
    explicit FileLock(const std::string& path, Mode mode = Mode::EXCLUSIVE);
    // Returns nullptr instead of waiting when another holder conflicts.
    static std::unique_ptr<FileLock> try_lock(const std::string& path, Mode mode = Mode::EXCLUSIVE);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    FileLock() = default;
    int fd_ = -1;
};

// A uniquely named file in `dir`, removed on destruction unless commit() moved it into place.
class TempFile {
public:
    explicit TempFile(const std::string& dir);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(const void* data, size_t n);  // throws snug::Error on a short write (disk full, ...)
    // fsync, mode 0644, rename over `dest` (same file system as dir), fsync of dest's directory.
    void commit(const std::string& dest);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
    bool committed_ = false;
};

// Writes `data` to `dest` atomically through a TempFile in `tmp_dir`.
void write_file_atomic(const std::string& dest, const std::string& data, const std::string& tmp_dir);

// Whole file as a string; throws snug::Error naming the path.
std::string read_file(const std::string& path);

// fsync a directory so renames and unlinks in it survive a crash; errors are ignored (not every FS supports it).
void fsync_dir(const std::string& dir);

// Makes `dir` and its parents; throws snug::Error naming it when impossible.
void make_dirs(const std::string& dir);

}  // namespace snug::store
