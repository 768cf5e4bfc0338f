#include "fuzz/harness.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace hp::fuzz {

const std::string& input_file(const std::uint8_t* data, std::size_t size, const char* ext) {
    static const std::string path = "/tmp/hpcheck-fuzz-" + std::to_string(getpid()) + ext;
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                                  static_cast<std::streamsize>(size));
    return path;
}

void check_error_line(const std::string& msg, const std::string& file) {
    // The field may hold a key from the input (spaces included): one line is what matters.
    static const std::regex contract(R"(^.+:[0-9]+: .+: .+$)");
    if (msg.rfind(file + ":", 0) != 0 || msg.find('\n') != std::string::npos || !std::regex_match(msg, contract)) {
        std::fprintf(stderr, "error message breaks the one-line contract: [%s]\n", msg.c_str());
        std::abort();
    }
}

}  // namespace hp::fuzz
