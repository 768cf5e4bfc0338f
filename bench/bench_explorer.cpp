// Explorer throughput and visited-set memory: states/second and bytes/state, and how the
// state count grows with 2, 4, 6, 8 one-block DIMMs. Run: build/bench/bench_explorer
// [max_seconds_per_run]. Reports, does not assert (timings belong in notes, not tests).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "checker/explorer.hpp"
#include "checker/kernel_model.hpp"

using namespace hp;

namespace {
Machine qemu_machine(unsigned dimms) {
    Machine m;
    m.geo = *geometry_preset("x86_64");
    m.nr_nodes = 1;
    m.cpus_per_node = {1};
    m.boot.push_back({0, ZONE_DMA, 1, 4096, 3998, 3840});
    m.boot.push_back({0, ZONE_DMA32, 4096, 262112, 258016, 225520});
    for (unsigned d = 0; d < dimms; ++d)
        m.dimms.push_back({"d" + std::to_string(d), 0, (1ull << 20) + d * m.geo.pages_per_block, 1});
    m.params.memmap_on_memory = MemmapMode::ENABLE;
    m.finalize();
    return m;
}

void run(const char* label, unsigned dimms, const std::vector<ActionKind>& kinds, const std::vector<FaultKind>& faults,
         double max_seconds) {
    const Machine m = qemu_machine(dimms);
    KernelModel model(m, *find_variant("v6.1"), expand_alphabet(m, kinds, faults), select_invariants({}, "bench"));
    Limits lim;
    lim.max_seconds = max_seconds;
    const ExploreResult r = explore(model, lim);
    std::printf("%-34s %2u DIMMs  %-10s %11llu states %13llu transitions  depth %3u  %8.2f s  %10.0f states/s  "
                "%10.0f transitions/s  %5.1f bytes/state  (%u words/state unpacked)\n",
                label, dimms, verdict_name(r.verdict), static_cast<unsigned long long>(r.states),
                static_cast<unsigned long long>(r.transitions), r.depth, r.seconds, r.states / r.seconds,
                r.transitions / r.seconds, static_cast<double>(r.visited_bytes) / r.states, packed_words(m));
    std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
    const double max_seconds = argc > 1 ? std::atof(argv[1]) : 60;
    const std::vector<ActionKind> small{ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT, ActionKind::ONLINE_MOVABLE,
                                        ActionKind::OFFLINE};
    const std::vector<ActionKind> all{ActionKind::DIMM_ADD,      ActionKind::DIMM_EJECT,     ActionKind::ONLINE,
                                      ActionKind::ONLINE_KERNEL, ActionKind::ONLINE_MOVABLE, ActionKind::OFFLINE};
    std::printf("# scaling: add/eject/online_movable/offline, no faults, limit %.0f s per run\n", max_seconds);
    for (unsigned d : {2u, 4u, 6u, 8u}) run("add+online_movable+offline+eject", d, small, {}, max_seconds);
    std::printf("# every operation, unmovable-pages faults\n");
    for (unsigned d : {2u, 4u, 5u}) run("all ops + unmovable-pages", d, all, {FaultKind::UNMOVABLE_PAGES}, max_seconds);
    return 0;
}
