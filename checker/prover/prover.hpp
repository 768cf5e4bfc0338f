// `hpcheck prove`: Z3 answers for every geometry in stated bounds and (with induction)
// for operation sequences of any length. Nothing here exposes Z3: prover.cpp is the one
// translation unit that includes z3++.h.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checker/prover/bridge.hpp"

namespace hp::prover {

struct Range {
    unsigned lo, hi;
};

// Bounds on the free geometry parameters (inclusive). The defaults cover every
// configuration of kernel-semantics.md §1 and much more.
struct GeometryBounds {
    Range page_shift{12, 16};        // 4 KiB .. 64 KiB pages
    Range section_bits{21, 30};      // SECTION_SIZE_BITS: 2 MiB .. 1 GiB sections
    Range sections_per_block{1, 16}; // a power of two
    Range pageblock_order{0, 13};    // and pageblock <= section
    Range pmd_bits{21, 30};          // PMD_SIZE 2 MiB .. 1 GiB (every MMU in §1: >= 2 MiB)
    Range struct_page{8, 256};       // sizeof(struct page), a multiple of 8
    // "section_bits=21..27,struct_page=64..64,...": throws std::invalid_argument on bad input.
    static GeometryBounds parse(const std::string& spec);
    static GeometryBounds exactly(const GeoParams& p);
    std::string describe() const;
};

enum class Verdict { PROVED, COUNTEREXAMPLE, UNKNOWN };
const char* verdict_name(Verdict v);

struct ProveOptions {
    std::string variant = "v6.1";
    std::vector<std::string> invariants{"zone-span"};  // zone-span, present-pages
    GeometryBounds bounds;
    bool supported_only = false;  // only geometries where mhp_supports_memmap_on_memory() holds
    unsigned blocks = 2;          // single-block DIMMs on the machine (1..4)
    unsigned depth = 6;           // BMC depth (operations)
    bool induction = false;       // prove for every sequence length
    unsigned induction_k = 2;     // k-induction up to this k
    unsigned timeout_s = 60;      // per solver query
    bool condition = true;        // on a counterexample, look for the geometric condition
};

struct QueryStat {
    std::string what;
    double seconds = 0;
    unsigned assertions = 0;
    std::string result;  // sat / unsat / unknown
};

struct Counterexample {
    GeoParams geometry;
    std::vector<Action> trace;
    std::vector<int> rcs;            // as the abstraction computed them
    std::string invariant;           // which one broke
    bool replayed = false;           // the explicit model reproduces the violation
    std::string replay_detail;       // the explicit model's violation (or why it did not reproduce)
};

struct InductionReport {
    bool attempted = false;
    bool plain_inductive = false;    // the invariant alone is k-inductive
    unsigned k = 0;
    bool with_lemmas = false;        // proved with the auxiliary lemmas (docs/prover.md)
    std::string cti;                 // counterexample to induction, described
};

struct ProveResult {
    Verdict verdict = Verdict::UNKNOWN;
    std::string scope;               // what exactly was proved / searched
    double seconds = 0;
    std::vector<QueryStat> queries;
    std::optional<Counterexample> cex;
    InductionReport induction;
    std::string condition;           // the geometries that break it, as a formula in kernel terms
    std::string unknown_reason;
};

// Throws std::invalid_argument for an unknown variant / invariant or bad options.
ProveResult prove(const ProveOptions& opt);

// Replays a trace in the explicit model (spec/ops) on prover_machine(): returns the
// first violated invariant among `invariants` (empty if none) and fills the rcs.
std::string replay_explicit(const GeoParams& p, unsigned blocks, const std::string& variant,
                            const std::vector<std::string>& invariants, const std::vector<Action>& trace,
                            std::vector<int>* rcs, std::string* detail);

}  // namespace hp::prover
