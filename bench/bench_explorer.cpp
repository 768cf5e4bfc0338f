// Explorer throughput on the kernel model, in CPU seconds (user + system of every thread):
// states and transitions per CPU-second, bytes per state, node interns per state lookup,
// and how the state count grows with the number of one-block DIMMs.
// Run: build/bench/bench_explorer [max_seconds_per_run] [threads] [only_dimms]
//   only_dimms: run just the "every operation" scenario with that many DIMMs.
// Reports, does not assert (timings belong in notes, not tests).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench/cpu_time.hpp"
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
         double max_seconds, unsigned threads) {
    const Machine m = qemu_machine(dimms);
    KernelModel model(m, *find_variant("v6.1"), expand_alphabet(m, kinds, faults), select_invariants({}, "bench"));
    Limits lim;
    lim.max_seconds = max_seconds;
    lim.threads = threads;
    const double cpu0 = bench::cpu_seconds();
    const ExploreResult r = explore(model, lim);
    const double cpu = bench::cpu_seconds() - cpu0;
    std::printf("%-34s %u DIMMs %u thr  %-10s %10llu states %12llu transitions  depth %2u  cpu %7.2f s  wall %7.2f s  "
                "%8.0f states/cpu-s  %9.0f transitions/cpu-s  %5.1f B/state  %5.2f interns/lookup  "
                "%u words/state (%u coded, %u recodes)  rss %.0f MB  %llu refusals answered\n",
                label, dimms, threads, verdict_name(r.verdict), static_cast<unsigned long long>(r.states),
                static_cast<unsigned long long>(r.transitions), r.depth, cpu, r.seconds, r.states / cpu,
                r.transitions / cpu, static_cast<double>(r.visited_bytes) / r.states,
                r.lookups ? static_cast<double>(r.node_lookups) / r.lookups : 0.0, model.packed_words(),
                r.coded_words, r.recodes, r.peak_rss / 1048576.0, static_cast<unsigned long long>(model.refusals_answered()));
    std::fflush(stdout);
}
}  // namespace

int main(int argc, char** argv) {
    const double max_seconds = argc > 1 ? std::atof(argv[1]) : 60;
    const unsigned threads = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 1;
    const unsigned only = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 0;
    const std::vector<ActionKind> small{ActionKind::DIMM_ADD, ActionKind::DIMM_EJECT, ActionKind::ONLINE_MOVABLE,
                                        ActionKind::OFFLINE};
    const std::vector<ActionKind> all{ActionKind::DIMM_ADD,      ActionKind::DIMM_EJECT,     ActionKind::ONLINE,
                                      ActionKind::ONLINE_KERNEL, ActionKind::ONLINE_MOVABLE, ActionKind::OFFLINE};
    if (only) {
        run("all ops + unmovable-pages", only, all, {FaultKind::UNMOVABLE_PAGES}, max_seconds, threads);
        return 0;
    }
    std::printf("# growth: add/eject/online_movable/offline, no faults, limit %.0f s per run\n", max_seconds);
    for (unsigned d : {2u, 4u, 6u, 8u}) run("add+online_movable+offline+eject", d, small, {}, max_seconds, threads);
    std::printf("# every operation, unmovable-pages faults\n");
    for (unsigned d : {2u, 4u, 5u, 6u}) run("all ops + unmovable-pages", d, all, {FaultKind::UNMOVABLE_PAGES}, max_seconds, threads);
    return 0;
}
