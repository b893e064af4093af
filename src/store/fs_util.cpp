// store/fs_util.cpp: POSIX implementations of the store's file moves.
#include "store/fs_util.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/error.h"

namespace snug::store {
namespace {

std::string errno_text() { return std::strerror(errno); }

int open_lock_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot open lock file '" + path + "': " + errno_text());
    return fd;
}

int flock_retry(int fd, int op) {  // flock is interrupted by signals; retry those
    int rc;
    do rc = ::flock(fd, op);
    while (rc != 0 && errno == EINTR);
    return rc;
}

}  // namespace

FileLock::FileLock(const std::string& path, Mode mode) {
    fd_ = open_lock_file(path);
    if (flock_retry(fd_, mode == Mode::SHARED ? LOCK_SH : LOCK_EX) != 0) {
        const std::string why = errno_text();
        ::close(fd_);
        throw Error("cannot lock '" + path + "': " + why);
    }
}

std::unique_ptr<FileLock> FileLock::try_lock(const std::string& path, Mode mode) {
    std::unique_ptr<FileLock> lock(new FileLock());
    lock->fd_ = open_lock_file(path);
    if (flock_retry(lock->fd_, (mode == Mode::SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) return nullptr;
        throw Error("cannot lock '" + path + "': " + errno_text());
    }
    return lock;
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

TempFile::TempFile(const std::string& dir) {
    std::string templ = dir + "/tmp-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd_ = ::mkostemp(buf.data(), O_CLOEXEC);
    if (fd_ < 0) throw Error("cannot create a temporary file in '" + dir + "': " + errno_text());
    path_ = buf.data();
}

TempFile::~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
}

void TempFile::write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw Error("cannot write '" + path_ + "': " + errno_text());
        p += w;
        n -= static_cast<size_t>(w);
    }
}

void TempFile::commit(const std::string& dest) {
    if (::fsync(fd_) != 0) throw Error("cannot flush '" + path_ + "': " + errno_text());
    ::fchmod(fd_, 0644);
    ::close(fd_);
    fd_ = -1;
    if (::rename(path_.c_str(), dest.c_str()) != 0)
        throw Error("cannot move '" + path_ + "' to '" + dest + "': " + errno_text());
    committed_ = true;
    fsync_dir(std::filesystem::path(dest).parent_path().string());
}

void write_file_atomic(const std::string& dest, const std::string& data, const std::string& tmp_dir) {
    TempFile t(tmp_dir);
    t.write(data.data(), data.size());
    t.commit(dest);
}

std::string read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open '" + path + "': " + errno_text());
    std::string out;
    char buf[65536];
    for (;;) {
        const ssize_t r = ::read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            const std::string why = errno_text();
            ::close(fd);
            throw Error("cannot read '" + path + "': " + why);
        }
        if (r == 0) break;
        out.append(buf, static_cast<size_t>(r));
    }
    ::close(fd);
    return out;
}

void fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void make_dirs(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir))
        throw Error("cannot create directory '" + dir + "': " + (ec ? ec.message() : "not a directory"));
}

}  // namespace snug::store
