// Reports of a threaded run (docs/interleavings.md, "Reports"): the ITF trace that carries
// the thread (CPU) of every step and the locks every thread holds after it, its exact
// re-execution (`hpcheck replay`), the story (`explain`) and the picture (`svg`): one column
// per CPU, as a kernel developer draws a race in an email.
#pragma once
#include <string>
#include <vector>

#include "checker/report_itf.hpp"

namespace hp {

// The ITF document of a threaded run (#meta.mode "threads"); r.thread_trace is the run.
std::string format_itf_threaded(const Scenario& sc, const RunResult& r, const std::vector<std::string>& invariants);

// Re-execute a threaded trace with the threaded model (no reduction, no bound): each step's
// thread must be able to step, every kernel field, thread position, lock and page-table
// field must be equal, and the final violation the same.
ReplayReport replay_itf_threaded(const LoadedTrace& t);

// One column per CPU (col_width characters each), a row per step: what the thread did and,
// under it, [the locks it holds after the step].
std::string format_interleaving_columns(const std::vector<std::string>& names, const std::vector<InterleavingRow>& rows,
                                        std::size_t col_width);

// "cpu1 pfn_walker: pfn_to_online_page(0x104000) then the struct page, no lock"
std::string describe_thread(const Machine& m, const ThreadSpec& t);

std::string format_explain_threaded(const LoadedTrace& t, const ReplayReport& rep, bool diff_only);
// The interleaving as an SVG sequence diagram: a lane per CPU, a box per step, the lock
// bars of every thread beside it.
std::string format_svg_threaded(const LoadedTrace& t, const ReplayReport& rep);

}  // namespace hp
