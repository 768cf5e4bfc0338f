// Which search runs a scenario. By default run_scenario() calls explore() (the
// multicore BFS of explorer.hpp); a process that is one rank of a distributed search
// (hpcheck-mpi, checker/mpi/) installs a backend once at start-up, and every scenario the
// process runs — `check`, the suite — then goes through it.
#pragma once
#include <functional>

#include "checker/explorer.hpp"
#include "checker/kernel_model.hpp"
#include "checker/threaded_model.hpp"

namespace hp {

struct ExploreBackend {
    std::function<ExploreResult(KernelModel&, const Limits&)> kernel;
    std::function<ExploreResult(ThreadedModel&, const Limits&)> threaded;
};

// Null (the default): the in-process explorer. The pointer must outlive every run.
void set_explore_backend(const ExploreBackend* b);
const ExploreBackend* explore_backend();

}  // namespace hp
