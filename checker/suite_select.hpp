// Which scenarios a suite run takes (`--only GLOB`, `--tag TAG`) and where the scenario
// directory is when none is given (relative to the binary, then the installed data dir).
#pragma once
#include <string>
#include <vector>

#include "spec/scenario.hpp"

namespace hp {

struct SuiteSelection {
    std::vector<std::string> only;  // shell globs over the scenario name or file name; any matches
    std::vector<std::string> tags;  // every tag must be present (explicit or implicit)
    bool empty() const { return only.empty() && tags.empty(); }
};

// Explicit tags plus the implicit ones: "litmus"/"explore", "pass"/"violation" (the
// expectation), and the scenario's variant name.
std::vector<std::string> scenario_tags(const Scenario& sc);
bool selected(const SuiteSelection& sel, const Scenario& sc);
// Name-only pre-filter (before loading): true if `--only` could match this file.
bool file_may_match(const SuiteSelection& sel, const std::string& file);

// The default scenario directory for the binary at `exe` (/proc/self/exe): the first that
// exists of <exe dir>/../share/hpcheck/scenarios (installed), <exe dir>/../spec/scenarios
// (a build directory inside the source tree), <exe dir>/spec/scenarios, and
// `installed_data_dir`/scenarios (the configured install prefix). Empty if none exists.
std::string default_scenario_dir(const std::string& exe, const std::string& installed_data_dir);

}  // namespace hp
