// Between the explicit model (spec/) and the prover's abstraction: geometries as the
// prover's parameters, the prover's machine, the abstraction function from a KernelState,
// the operation alphabet, and counterexamples as scenario TOML that `hpcheck check` runs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checker/prover/abstract_model.hpp"
#include "spec/machine.hpp"
#include "spec/state.hpp"

namespace hp::prover {

// The free geometry parameters (kernel-semantics.md §1): PAGE_SHIFT, SECTION_SIZE_BITS,
// log2(sections per block), pageblock_order, log2(PMD_SIZE / PAGE_SIZE), sizeof(struct page).
struct GeoParams {
    unsigned page_shift = 12, section_bits = 27, spb_log = 0, pageblock_order = 9, pmd_order = 9, struct_page = 64;
    bool operator==(const GeoParams&) const = default;
};
Geometry to_geometry(const GeoParams& p);
std::optional<GeoParams> from_geometry(const Geometry& g);  // nullopt if a size is not a power of two
std::string describe(const GeoParams& p);                    // one line, kernel terms

using CModel = AbsModel<ConcreteDomain>;
CModel concrete_model(const GeoParams& p, unsigned nblocks, const VariantSpec& v);

// The prover's machine for a geometry: one node with boot memory in DMA32, nblocks
// single-block DIMMs from max(4 GiB, one block) upwards, memmap_on_memory=1.
Machine prover_machine(const Geometry& g, unsigned nblocks);
// Explicit pfn <-> the abstraction's relative pfn (block i starts at (i+1)*B).
std::uint64_t to_relative(const Machine& m, std::uint64_t pfn);
std::uint64_t to_absolute(const Machine& m, std::uint64_t rel);

// alpha(s): the abstraction of an explicit state of prover_machine(); nullopt (and why)
// when the state is outside what the abstraction can represent.
std::optional<CModel::State> abstract_of(const Machine& m, const CModel& am, const KernelState& s, std::string* why);
// Field-by-field comparison; fills *diff with the first difference.
bool same_state(const CModel& am, const CModel::State& a, const CModel::State& b, std::string* diff);

// The operations the prover considers: add, eject, online*, offline, remove with the
// faults unmovable-pages, notifier-veto-online, notifier-veto-offline (the explorer's
// expand_alphabet() order for these kinds and faults).
std::vector<Action> prover_alphabet(const Machine& m);
// What the solver explores: prover_alphabet() without the actions whose every transition
// is also a transition of a kept action from the same state (so reachability, hence every
// verdict, is unchanged; tests/test_prover_agreement.cpp checks it on the grid):
// `online` lands in Normal or Movable exactly like online_kernel / online_movable, and
// offline/eject with unmovable pages or a vetoing notifier fail without a change (or, for
// eject, end like the plain eject).
std::vector<Action> solver_alphabet(const Machine& m);
bool dropped_from_solver(const Action& a);

// A litmus scenario: the geometry, the machine, the variant and the steps (with their
// return codes), expecting the given invariant to be violated (or "pass").
std::string scenario_toml(const Machine& m, const std::string& name, const std::string& description,
                          const std::string& variant, const std::string& invariant, const std::vector<Action>& trace,
                          const std::vector<int>& rcs, bool expect_violation);

}  // namespace hp::prover
