// Machine-readable result of one check (--json OUT).
#pragma once
#include <string>

#include "checker/run.hpp"

namespace hp {
std::string format_json(const Scenario& sc, const RunResult& r);
}  // namespace hp
