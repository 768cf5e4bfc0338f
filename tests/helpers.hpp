// Shared test helpers: build machines in code, explore with a custom kernel table.
#pragma once
#include <string>

#include "checker/explorer.hpp"
#include "checker/kernel_model.hpp"
#include "checker/run.hpp"
#include "spec/ops/base.hpp"
#include "spec/scenario.hpp"

namespace hp::test {

// 1 GiB boot RAM under QEMU's pc machine (as the real 6.1 kernel reported it) and
// `dimms` DIMMs of `blocks` 128 MiB blocks each, placed from 4 GiB.
inline Machine qemu_machine(unsigned dimms, unsigned blocks = 1, bool mom = true, int nodes = 1) {
    Machine m;
    m.geo = *geometry_preset("x86_64");
    m.nr_nodes = nodes;
    m.cpus_per_node.assign(nodes, 0);
    m.cpus_per_node[0] = 1;
    m.boot.push_back({0, ZONE_DMA, 1, 4096, 3998, 3840});
    m.boot.push_back({0, ZONE_DMA32, 4096, 262112, 258016, 225520});
    pfn_t base = 1ull << 20;
    for (unsigned d = 0; d < dimms; ++d) {
        m.dimms.push_back({"d" + std::to_string(d), static_cast<int>(d % nodes), base, blocks});
        base += blocks * m.geo.pages_per_block;
    }
    m.params.memmap_on_memory = mom ? MemmapMode::ENABLE : MemmapMode::DISABLE;
    m.finalize();
    return m;
}

inline std::vector<ActionKind> every_action() {
    return {ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT, ActionKind::ONLINE, ActionKind::ONLINE_KERNEL,
            ActionKind::ONLINE_MOVABLE, ActionKind::OFFLINE};
}

inline ExploreResult explore_with(const Machine& m, const Variant& v, std::vector<ActionKind> kinds = every_action(),
                                  std::vector<FaultKind> faults = {}, Limits lim = {}) {
    KernelModel model(m, v, expand_alphabet(m, kinds, faults), select_invariants({}, "test"));
    return explore(model, lim);
}

// The baseline with some kernel functions replaced, like a variant file does.
inline Variant mutant(const char* name) {
    Variant v = *find_variant("v6.1");
    v.name = name;
    v.parent = "v6.1";
    return v;
}

// A file of spec/scenarios.
inline std::string scenario_path(const std::string& file) {
    return std::string(HPCHECK_SOURCE_DIR) + "/spec/scenarios/" + file;
}

// The verdict of exploring a suite scenario under `variant`: "pass", "violation: <invariant>", ...
inline std::string verdict_as(const std::string& file, const std::string& variant) {
    RunOptions opt;
    opt.variant_override = variant;
    const RunResult r = run_scenario(load_scenario(scenario_path(file)), opt);
    if (r.explore.verdict == Verdict::VIOLATION && r.explore.violation) return "violation: " + r.explore.violation->invariant;
    return verdict_name(r.explore.verdict);
}

// Did a step make an observation of this kind / log a line containing `text`?
inline bool observed(const StepResult& r, Observation::Kind kind) {
    for (int i = 0; i < r.nobs; ++i)
        if (r.obs[i].kind == kind) return true;
    return false;
}
inline bool logged(const CallLog& log, const std::string& text) {
    for (const CallLog::Entry& e : log.entries)
        if (e.text.find(text) != std::string::npos) return true;
    return false;
}

}  // namespace hp::test
