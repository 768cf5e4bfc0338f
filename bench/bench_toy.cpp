// The SPIN performance anchor (bench/toy.pml) explored by hpcheck. Prints one line of
// key=value figures that bench/vs-spin.sh reads; exits 1 if the counts are not SPIN's.
// Run: build/bench/bench_toy [threads] [nsec]
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "bench/cpu_time.hpp"
#include "bench/toy_model.hpp"
#include "checker/explorer.hpp"

int main(int argc, char** argv) {
    const unsigned threads = argc > 1 ? static_cast<unsigned>(std::atoi(argv[1])) : 1;
    const unsigned nsec = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 6;
    hp::bench::ToyModel model(nsec);
    hp::Limits lim;
    lim.threads = threads;
    const double cpu0 = hp::bench::cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    const hp::ExploreResult r = hp::explore(model, lim);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = hp::bench::cpu_seconds() - cpu0;
    std::printf("hpcheck toy: threads=%u verdict=%s states=%llu transitions=%llu depth=%u cpu_s=%.2f wall_s=%.2f "
                "states_per_cpu_s=%.0f transitions_per_cpu_s=%.0f states_per_wall_s=%.0f bytes_per_state=%.1f "
                "rss_mb=%.0f\n",
                threads, hp::verdict_name(r.verdict), static_cast<unsigned long long>(r.states),
                static_cast<unsigned long long>(r.transitions), r.depth, cpu, wall, r.states / cpu,
                r.transitions / cpu, r.states / wall, static_cast<double>(r.visited_bytes) / r.states,
                r.peak_rss / 1048576.0);
    if (nsec == 6 && (r.states != 8051785 || r.transitions != 19602512)) {
        std::fprintf(stderr, "bench_toy: counts differ from SPIN's (8051785 states, 19602512 transitions)\n");
        return 1;
    }
    return 0;
}
