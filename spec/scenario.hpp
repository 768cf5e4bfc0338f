// A scenario: a machine, a variant, what to explore (an operation alphabet and faults to a
// depth, or a fixed litmus sequence) and the expected verdict. Loaded from TOML
// (docs/scenario-format.md); every error names file, line and field.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "spec/boot.hpp"
#include "spec/action.hpp"
#include "spec/threads.hpp"

namespace hp {

struct ScenarioError : std::runtime_error {
    ScenarioError(const std::string& file, long line, const std::string& field, const std::string& msg);
};

struct ZoneExpect {
    int node = 0;
    unsigned zone = 0;
    std::optional<std::uint64_t> start_pfn, spanned, present, managed;
};

struct LitmusStep {
    Action action;
    long line = 0;
    std::optional<int> expect_rc;            // 0 or a positive errno
    std::vector<ZoneExpect> expect_zones;
    std::optional<std::string> expect_state;        // the block's state after the step
    std::optional<std::string> expect_valid_zones;  // the block's valid_zones after the step
};

struct Scenario {
    std::string path;
    std::string name;
    std::string description;
    std::string variant = "v6.1";
    std::string expect = "pass";   // "pass" | "violation" | "violation: <invariant>"
    Machine machine;
    std::vector<ActionKind> actions;  // explorer alphabet
    std::vector<FaultKind> faults;    // fault points the explorer may fire
    unsigned max_depth = 0;           // 0 = until the state space is exhausted
    std::vector<std::string> invariants;  // empty = all
    std::vector<std::string> tags;        // `hpcheck suite --tag` (docs/scenario-format.md)
    std::vector<LitmusStep> steps;    // non-empty: a litmus test, run exactly
    std::optional<BootInput> memblock;  // [memblock]: the boot layout checked before exploring (spec/boot.hpp)
    bool boot_bottom_up = true;         // the allocation direction machine's pinned blocks were computed with
    bool boot_mirror_needs_mirror = false;  // Variant::kernelcore_mirror_needs_mirrored_memory the layout used
    std::vector<BootZone> boot_uncarved;    // the boot zones before ZONE_MOVABLE was carved (layout_boot())
    ThreadsConfig threads;            // non-empty: a threaded scenario (docs/interleavings.md)
    std::map<std::string, long> key_lines;  // line of each top-level key, for errors found later
    bool litmus() const { return !steps.empty(); }
    // The line of a top-level key ("variant", "invariants"), 1 when the key is absent.
    long line_of(const std::string& key) const {
        auto it = key_lines.find(key);
        return it == key_lines.end() ? 1 : it->second;
    }
};

// Throws ScenarioError on any problem.
Scenario load_scenario(const std::string& path);
// Validates a machine (used by the loader and by callers building machines in code) before
// finalize(): the DIMM table is checked before any per-block table is allocated.
// `line_of` maps a field ("dimm[1].base_pfn") to its line in `file` (default: line 1).
void validate_machine(const Machine& m, const std::string& file,
                      const std::function<long(const std::string& field)>& line_of = nullptr);

}  // namespace hp
