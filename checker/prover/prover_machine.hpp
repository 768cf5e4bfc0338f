// The concrete side of the prover: its geometry parameters as a Geometry, its machine
// for the explicit model (the twin of the symbolic machine in symbolic_search.cpp), and
// counterexamples as scenario TOML that `hpcheck check` runs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checker/prover/geometry_params.hpp"
#include "spec/action.hpp"
#include "spec/machine.hpp"

namespace hp::prover {

Geometry to_geometry(const GeoParams& p);
std::optional<GeoParams> from_geometry(const Geometry& g);  // nullopt if a size is not a power of two
std::string describe(const GeoParams& p);                    // one line, kernel terms

// The first hot-pluggable pfn: 4 GiB, or one block if a block is larger.
std::uint64_t prover_hotplug_base(const Geometry& g);
Machine prover_machine(const Geometry& g, const ProverLayout& layout);

// The operations the prover explores on `m`: every kind, every DIMM / block / removal
// range, with the given fault points (the explorer's expand_alphabet()). Fault indices
// that depend on the geometry (section-enomem) run up to the largest geometry in bounds;
// a fault whose point a geometry never reaches is skipped, as in the explorer.
std::vector<Action> prover_alphabet(const ProverLayout& layout, const std::vector<FaultKind>& faults);

// A litmus scenario: the geometry, the machine, the variant and the steps (with their
// return codes), expecting the given invariant to be violated (or "pass").
std::string scenario_toml(const Machine& m, const std::string& name, const std::string& description,
                          const std::string& variant, const std::string& invariant, const std::vector<Action>& trace,
                          const std::vector<int>& rcs, bool expect_violation);

// The same machine as an explore scenario for `hpcheck check`: every operation kind and every
// fault the prover injects (`faults`: ProveOptions::faults), every invariant, no expectation.
// Its verdict and state count are the explicit model's answer to the question the prover
// answers on this geometry.
std::string explore_scenario_toml(const Machine& m, const std::string& variant, const std::vector<FaultKind>& faults);

}  // namespace hp::prover
