// counterexamples/<variant>/: the shortest violating trace of every known-bad scenario of
// the suite (expect = "violation..."), as text and JSON, deterministic byte for byte (no
// timings), so that tests can compare them with the committed goldens.
#pragma once
#include <string>
#include <vector>

#include "checker/run.hpp"

namespace hp {

struct Counterexample {
    std::string variant, scenario;
    std::string text;   // <scenario>.trace.txt
    std::string json;   // <scenario>.trace.json
    RunResult run;
};

// Explore every scenario of `scenario_dir` whose expectation is a violation and render its
// trace. A scenario whose verdict does not match its expectation throws std::runtime_error:
// a counterexample is written only for a violation the explorer actually found.
std::vector<Counterexample> generate_counterexamples(const std::string& scenario_dir);

// One scenario: exploring it must give a violation.
Counterexample generate_counterexample(const Scenario& sc);

// Relative paths inside counterexamples/.
std::string counterexample_text_path(const Counterexample& c);
std::string counterexample_json_path(const Counterexample& c);

}  // namespace hp
