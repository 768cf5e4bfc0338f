#include "checker/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "spec/input_check.hpp"

namespace hp {

namespace {
mode_t current_umask() {
    const mode_t m = ::umask(0);
    ::umask(m);
    return m;
}
}  // namespace

namespace {
bool g_output_files = true;
}
void set_output_files_enabled(bool on) { g_output_files = on; }

void write_file_atomically(const std::string& path, const std::string& content, mode_t mode) {
    if (!g_output_files) return;
    auto fail = [&](const std::string& why) { throw std::runtime_error(one_line(path + ": " + why)); };
    if (path.empty() || path.find('\0') != std::string::npos) fail("not a usable file name");
    // mkstemp() opens with O_CREAT | O_EXCL and a random name in the target's directory, so
    // the rename below stays on one file system and never follows a link.
    std::vector<char> tmp(path.begin(), path.end());
    for (char c : std::string(".tmp.XXXXXX")) tmp.push_back(c);
    tmp.push_back('\0');
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) fail(std::string("cannot write: ") + std::strerror(errno));
    auto discard = [&](const std::string& why) {
        ::close(fd);
        ::unlink(tmp.data());
        fail(why);
    };
    if (::fchmod(fd, mode & ~current_umask()) != 0) discard(std::string("cannot set permissions: ") + std::strerror(errno));
    for (std::size_t off = 0; off < content.size();) {
        const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
        if (n < 0 && errno == EINTR) continue;  // Ctrl-C sets a flag; the write goes on
        if (n <= 0) discard(std::string("write failed: ") + std::strerror(errno));
        off += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        ::unlink(tmp.data());
        fail(std::string("write failed: ") + std::strerror(errno));
    }
    if (std::rename(tmp.data(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.data());
        fail(std::string("cannot rename into place: ") + std::strerror(e));
    }
}

std::string file_slug(const std::string& name) {
    std::string out;
    for (char c : name) {
        if (out.size() == 100) break;
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                          c == '-' || (c == '.' && !out.empty());
        out += keep ? c : '-';
    }
    return out.empty() ? "scenario" : out;
}

}  // namespace hp
