// Scenario TOML: load_scenario() on arbitrary bytes; a scenario that loads is also run,
// bounded (a few hundred states, 50 ms), so the machine it describes is exercised too.
#include "checker/run.hpp"
#include "fuzz/harness.hpp"
#include "spec/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = hp::fuzz::input_file(data, size, ".toml");
    try {
        const hp::Scenario sc = hp::load_scenario(path);
        hp::RunOptions opt;
        opt.limits.max_states = 300;
        opt.limits.max_seconds = 0.05;
        if (!opt.limits.max_depth) opt.limits.max_depth = 6;
        hp::run_scenario(sc, opt);
    } catch (const hp::ScenarioError& e) {
        hp::fuzz::check_error_line(e.what(), path);
    }
    return 0;
}
