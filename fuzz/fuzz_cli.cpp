// The command-line parser: arbitrary argument vectors (the input split at NUL bytes) through
// every subcommand's options, parse only (nothing runs, nothing is written). Parsing ends in
// 0 (valid) or 2 (usage error); anything else, or an exception, is a finding.
#include <cstdlib>
#include <string>
#include <vector>

#include "checker/cli/command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> args{"hpcheck"};
    std::string cur;
    for (std::size_t i = 0; i < size && args.size() < 24; ++i) {
        if (data[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += static_cast<char>(data[i]);
        }
    }
    if (!cur.empty()) args.push_back(cur);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = hp::cli::hpcheck_main(static_cast<int>(args.size()), argv.data(), true);
    if (rc != 0 && rc != 2) std::abort();
    return 0;
}
