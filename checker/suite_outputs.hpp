// Machine-readable results of `hpcheck suite` for CI: JSON (schema docs/suite-result.schema.json,
// versioned by "schema_version"), JUnit XML (one test case per scenario) and SARIF 2.1.0 (a
// violation as a result at the source line of the kernel function that broke the invariant).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checker/run.hpp"

namespace hp {

inline constexpr int kSuiteSchemaVersion = 1;

struct SuiteEntry {
    std::string file;
    std::string error;                 // the scenario did not load or run (ScenarioError), else ""
    std::optional<Scenario> scenario;  // when loaded
    RunResult run;                     // when it ran
    enum Status { PASS, FAIL, ERROR } status = ERROR;
    // Why a FAIL failed: "verdict" (does not match the expectation), "incomplete", or
    // "vacuous" (--strict and a vacuity warning).
    std::string failure;
};
const char* status_name(SuiteEntry::Status s);  // "pass", "fail", "error"

struct SuiteRun {
    std::string scenario_dir;
    bool strict = false;
    std::vector<std::string> only, tags;
    std::vector<SuiteEntry> entries;
    double seconds = 0;
};

std::string format_suite_json(const SuiteRun& s);
std::string format_suite_junit(const SuiteRun& s);
std::string format_suite_sarif(const SuiteRun& s);

}  // namespace hp
