// Scenario TOML: load_scenario() on arbitrary bytes; a scenario that loads is also run,
// bounded (40 states, depth 3, 50 ms), so the machine it describes is exercised too.
#include "checker/run.hpp"
#include "fuzz/harness.hpp"
#include "spec/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string& path = hp::fuzz::input_file(data, size, ".toml");
    try {
        const hp::Scenario sc = hp::load_scenario(path);
        // Small bounds: the point is the machine the input describes (geometry, boot zones,
        // DIMMs, steps) going through the model, not a deep search; keeps ~1000 runs/s.
        hp::RunOptions opt;
        opt.limits.max_states = 40;
        opt.limits.max_seconds = 0.05;
        opt.limits.max_depth = 3;
        hp::run_scenario(sc, opt);
    } catch (const hp::ScenarioError& e) {
        hp::fuzz::check_error_line(e.what(), path);
    }
    return 0;
}
