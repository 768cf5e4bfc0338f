// hpcheck-mpi: hpcheck's command line as one rank of an MPI job (docs/cluster.md).
//   mpirun -np N hpcheck-mpi check SCENARIO [options]
// Every rank parses the same command line and loads the same scenario; every search a
// command runs (check, the suite, ...) is the distributed one of explorer_mpi.hpp,
// whose results are those of `hpcheck` with --threads 1. Only rank 0 prints and writes
// files; all ranks exit with the same code.
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "checker/cli/command.hpp"
#include "checker/explore_backend.hpp"
#include "checker/mpi/explorer_mpi.hpp"
#include "checker/output_file.hpp"

namespace {
std::FILE* g_err = stderr;  // this rank's own stderr, even where stderr is silenced

// An exception inside the search would leave the other ranks waiting in a collective:
// say which rank failed and end the whole job.
template <class M>
hp::ExploreResult run_or_abort(M& model, const hp::Limits& lim) {
    try {
        return hp::mpi::explore_mpi(model, lim, MPI_COMM_WORLD);
    } catch (const std::exception& e) {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        std::fprintf(g_err, "hpcheck-mpi: rank %d: %s\n", rank, e.what());
        std::fflush(g_err);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return {};
}
}  // namespace

int main(int argc, char** argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // searches outside explore_mpi may use threads
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    static const hp::ExploreBackend backend{
        [](hp::KernelModel& m, const hp::Limits& l) { return run_or_abort(m, l); },
        [](hp::ThreadedModel& m, const hp::Limits& l) { return run_or_abort(m, l); }};
    hp::set_explore_backend(&backend);
    if (rank != 0) {  // rank 0 speaks for all: the others would print the same (errors too)
        if (std::FILE* e = fdopen(dup(STDERR_FILENO), "w")) g_err = e;
        if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) return 2;
        hp::set_output_files_enabled(false);
    }
    // `sweep` makes independent jobs for a scheduler (hpcheck's, docs/cluster.md); here every
    // rank would run the whole list.
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--scenarios") ++i;
        else if (argv[i][0] != '-') {
            if (std::string(argv[i]) != "sweep") break;
            if (rank == 0) std::fprintf(g_err, "hpcheck-mpi: sweep: use `hpcheck sweep` (its jobs are independent searches; docs/cluster.md)\n");
            MPI_Finalize();
            return 2;
        }
    }
    const int rc = hp::cli::hpcheck_main(argc, argv, false);
    std::fflush(stdout);
    MPI_Finalize();
    return rc;
}
