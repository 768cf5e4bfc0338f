// Human-readable output: the result of one check (with the violating trace told in kernel
// terms) and the suite table.
#pragma once
#include <cstdio>
#include <string>

#include "checker/run.hpp"

namespace hp {

std::string describe_machine(const Machine& m);
// The full report of `hpcheck check`.
std::string format_check(const Scenario& sc, const RunResult& r);
// The trace alone, numbered steps: user action, kernel functions, changed fields, rc.
std::string format_trace(const Machine& m, const RunResult& r);
// A threaded run's interleaving: one column per CPU, the locks each holds after its step.
std::string format_interleaving(const RunResult& r);
// Suite table.
std::string suite_header();
std::string suite_row(const RunResult& r);

}  // namespace hp
