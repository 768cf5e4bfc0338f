// CPU seconds of this process (user + system, all threads): the measure the benchmarks
// report, because wall time on a shared machine says more about the neighbours.
#pragma once
#include <sys/resource.h>

namespace hp::bench {

inline double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

}  // namespace hp::bench
