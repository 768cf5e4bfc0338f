// prove_boot(): see boot_prover.hpp.
#define HP_SYMBOLIC 1
#include "checker/prover/boot_prover.hpp"

#include <fmt/format.h>

#include <ctime>
#include <stdexcept>

#include "checker/prover/bitblast.hpp"
#include "checker/prover/path_executor.hpp"
#include "spec/boot_place.hpp"

namespace hp::prover {

namespace S = hp::sym;

BootProveResult prove_boot(const BootProveOptions& opt) {
    if (opt.regions < 2 || opt.regions > 4) throw std::invalid_argument("--boot-regions: 2..4");
    const std::clock_t t0 = std::clock();
    z3::context c;
    const unsigned R = opt.regions;
    auto bv = [&](const std::string& n) { return c.bv_const(n.c_str(), 64); };
    auto num = [&](std::uint64_t v) { return c.bv_val(v, 64); };
    std::vector<z3::expr> base, end, hot;
    for (unsigned i = 0; i < R; ++i) {
        base.push_back(bv(fmt::format("region{}.base", i)));
        end.push_back(bv(fmt::format("region{}.end", i)));
        hot.push_back(c.bool_const(fmt::format("region{}.hotplug", i).c_str()));
    }
    const z3::expr ks = bv("kernel_start"), ke = bv("kernel_end");
    struct AllocSpec { std::string name; bool before; int nid; };
    std::vector<AllocSpec> specs{{"page tables (init_mem_mapping)", true, -1}, {"log_buf (setup_log_buf)", true, -1}};
    for (unsigned n = 0; n < R; ++n) specs.push_back({fmt::format("NODE_DATA({})", n), false, static_cast<int>(n)});
    for (unsigned n = 0; n < R; ++n) specs.push_back({fmt::format("memmap of node {} (sparse_init)", n), false, static_cast<int>(n)});
    std::vector<z3::expr> pages;
    for (const AllocSpec& a : specs) pages.push_back(bv("pages: " + a.name));

    // The bounds (boot_prover.hpp).
    z3::expr bg = c.bool_val(true);
    for (unsigned i = 0; i < R; ++i) {
        bg = bg && z3::ult(base[i], end[i]);
        if (i + 1 < R) bg = bg && z3::ule(end[i], base[i + 1]);
    }
    bg = bg && z3::ule(end[R - 1], num(1ull << 32));
    bg = bg && !hot[0];
    bg = bg && z3::ule(num(256), ks) && z3::ule(base[0], ks) && z3::ult(ks, ke) && z3::ule(ke, end[0]);
    z3::expr before_sum = num(0);
    for (size_t j = 0; j < specs.size(); ++j) {
        bg = bg && z3::ule(num(1), pages[j]) && z3::ule(pages[j], num(1ull << 20));
        if (specs[j].before) before_sum = before_sum + pages[j];
    }
    bg = bg && z3::ule(before_sum, end[0] - ke);

    PathExecutor ex(c, bg, opt.rlimit);
    DeciderScope scope(ex);
    BootProveResult res;
    res.bounds = fmt::format(
        "{} memblock regions (sorted, disjoint, below pfn 2^32; region i = node i); region 0 holds the kernel image above "
        "the first MiB and is not hotpluggable, regions 1..{} may be; early allocations: 2 before SRAT (any node), "
        "NODE_DATA and memmap per node after SRAT, 1..2^20 pages each; the before-SRAT ones fit in region 0 above the "
        "kernel image; movable_node; memblock {} before SRAT",
        R, R - 1, opt.bottom_up_for_movable_node ? "bottom-up" : "top-down");
    std::vector<z3::expr> ok_terms;  // per allocation: one query each (smaller for Z3)
    std::vector<z3::expr> pfn_terms, placed_terms;
    ex.explore(
        PathCondition{},
        [&] {
            S::MbLayout l;
            l.nr_regions = static_cast<int>(R);
            for (unsigned i = 0; i < R; ++i)
                l.region[i] = {S::u64(base[i]), S::u64(end[i]), i == 0 ? S::flag(false) : S::flag(hot[i]), static_cast<int>(i)};
            l.kernel_start = S::u64(ks);
            l.kernel_end = S::u64(ke);
            l.nr_allocs = static_cast<int>(specs.size());
            for (size_t j = 0; j < specs.size(); ++j)
                l.alloc[j] = {S::u64(pages[j]), specs[j].before, specs[j].nid, S::u64(0u), S::flag(false)};
            l.movable_node = true;
            l.bottom_up_for_movable_node = opt.bottom_up_for_movable_node;
            S::memblock_place(l);
            ok_terms.clear();
            for (size_t j = 0; j < specs.size(); ++j) ok_terms.push_back(S::memblock_alloc_ok(l, static_cast<int>(j)).term());
            pfn_terms.clear();
            placed_terms.clear();
            for (size_t j = 0; j < specs.size(); ++j) {
                pfn_terms.push_back(l.alloc[j].pfn.term());
                placed_terms.push_back(l.alloc[j].placed.term());
            }
        },
        [&](const PathCondition& pc) {
            ++res.paths;
            if (res.verdict == BootProveResult::COUNTEREXAMPLE) return;
            // Each allocation separately (the invariant is their conjunction): proved when every
            // query is unsat; the first sat one is the counterexample.
            std::optional<z3::expr> bad;
            std::optional<z3::model> model;
            bool unknown = false;
            for (const z3::expr& ok : ok_terms) {
                const z3::expr q = pc.conjunction(c) && !ok;
                const z3::check_result r = check_by_bitblasting(c, bg, q, opt.rlimit, &model);
                ++res.queries;
                if (r == z3::sat) {
                    bad = q;
                    break;
                }
                unknown = unknown || r == z3::unknown;
            }
            if (!bad) {
                if (unknown) res.verdict = BootProveResult::UNKNOWN;
                else if (res.paths == 1 || res.verdict == BootProveResult::PROVED) res.verdict = BootProveResult::PROVED;
                return;
            }
            const z3::model& mdl = *model;
            auto val = [&](const z3::expr& e) { return mdl.eval(e, true).get_numeral_uint64(); };
            BootLayoutValues v;
            for (unsigned i = 0; i < R; ++i)
                v.regions.push_back({val(base[i]), val(end[i]), i != 0 && mdl.eval(hot[i], true).is_true(), static_cast<int>(i)});
            v.kernel_start = val(ks);
            v.kernel_end = val(ke);
            for (size_t j = 0; j < specs.size(); ++j)
                v.allocs.push_back({specs[j].name, val(pages[j]), specs[j].before, specs[j].nid, val(pfn_terms[j]),
                                    mdl.eval(placed_terms[j], true).is_true()});
            res.cex = v;
            res.verdict = BootProveResult::COUNTEREXAMPLE;
        });
    res.seconds = static_cast<double>(std::clock() - t0) / CLOCKS_PER_SEC;
    return res;
}

}  // namespace hp::prover
