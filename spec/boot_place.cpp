// memblock_place(): see spec/boot_place.hpp. Compiled twice (CMakeLists.txt lists it with
// the symbolic model sources).
#include "spec/boot_place.hpp"

namespace hp::HP_DOMAIN {

namespace {
struct Reserved {
    pfn_t start = 0, end = 0;
    flag valid = false;
};

struct Found {
    flag found = false;
    pfn_t pfn = 0;
};

// [c, c + n) lies in region r (above the first page) and overlaps no reserved range.
flag fits(const MbRegion& r, const Reserved* res, int nr_res, const pfn_t& c, const u64& n) {
    // __memblock_find_range_*(): "avoid allocating the first page" (start = max(start, PAGE_SIZE))
    flag ok = flag_and(flag_and(c >= r.base, c >= 1u), flag_and(c + n <= r.end, c + n > c));
    for (int i = 0; i < nr_res; ++i)
        ok = flag_and(ok, !flag_and(res[i].valid, flag_and(res[i].start < c + n, c < res[i].end)));
    return ok;
}

// memblock_find_in_range_node() for one allocation: nid -1 = any node; skip: should_skip_region()
// drops hotpluggable regions (movable_node after SRAT); mirror_only: it drops non-mirrored ones.
Found find_in_range(const MbLayout& l, const Reserved* res, int nr_res, const u64& n, int nid, bool skip, bool bottom_up,
                    bool mirror_only) {
    Found f;
    for (int ri = 0; ri < l.nr_regions; ++ri) {
        const MbRegion& r = l.region[ri];
        if (nid >= 0 && r.nid != nid) continue;
        if (mirror_only && !r.mirror) continue;
        const flag eligible = skip ? !r.hotplug : flag(true);
        // Candidates: region boundaries and reserved boundaries (see the header).
        for (int ci = -1; ci < nr_res; ++ci) {
            flag ok = false;
            pfn_t pos;
            if (bottom_up) {
                pos = ci < 0 ? r.base : res[ci].end;
                ok = ci < 0 ? fits(r, res, nr_res, pos, n) : flag_and(res[ci].valid, fits(r, res, nr_res, pos, n));
                ok = flag_and(ok, eligible);
                f.pfn = mb_select(flag_and(ok, flag_or(!f.found, pos < f.pfn)), pos, f.pfn);
            } else {
                const pfn_t e = ci < 0 ? r.end : res[ci].start;
                pos = e - n;
                ok = flag_and(e >= n, fits(r, res, nr_res, pos, n));
                if (ci >= 0) ok = flag_and(ok, res[ci].valid);
                ok = flag_and(ok, eligible);
                f.pfn = mb_select(flag_and(ok, flag_or(!f.found, pos > f.pfn)), pos, f.pfn);
            }
            f.found = flag_or(f.found, ok);
        }
        // bottom-up from the first page: a region based at pfn 0 starts its candidates at 1
        if (bottom_up) {
            const pfn_t pos = 1u;
            const flag ok = flag_and(flag_and(r.base == 0u, eligible), fits(r, res, nr_res, pos, n));
            f.pfn = mb_select(flag_and(ok, flag_or(!f.found, pos < f.pfn)), pos, f.pfn);
            f.found = flag_or(f.found, ok);
        }
    }
    return f;
}
}  // namespace

void memblock_place(MbLayout& l) {
    Reserved res[2 + MB_MAX_ALLOCS];
    int nr = 0;
    res[nr++] = {0u, 256u, true};  // x86: the first 1 MiB is reserved early (real mode, BIOS)
    res[nr++] = {l.kernel_start, l.kernel_end, l.kernel_end > l.kernel_start};
    // setup_arch(): if (movable_node_is_enabled()) memblock_set_bottom_up(true); numa_init()
    // sets it back to top-down once SRAT is parsed.
    const bool bottom_up_before_srat = l.movable_node && l.bottom_up_for_movable_node;
    for (int i = 0; i < l.nr_allocs; ++i) {
        MbAlloc& a = l.alloc[i];
        const bool bottom_up = a.before_srat && bottom_up_before_srat;
        const bool skip = !a.before_srat && l.movable_node;
        // memblock_alloc_range_nid(): this node, then any node; with MEMBLOCK_MIRROR first
        // (choose_memblock_flags()), then again without it.
        Found f;
        for (int pass = l.has_mirror ? 0 : 1; pass < 2; ++pass) {
            const bool mirror_only = pass == 0;
            const Found own = find_in_range(l, res, nr, a.pages, a.nid, skip, bottom_up, mirror_only);
            f.pfn = mb_select(f.found, f.pfn, own.pfn);
            f.found = flag_or(f.found, own.found);
            if (a.nid >= 0) {  // no room on the node: any node
                const Found any = find_in_range(l, res, nr, a.pages, -1, skip, bottom_up, mirror_only);
                f.pfn = mb_select(f.found, f.pfn, any.pfn);
                f.found = flag_or(f.found, any.found);
            }
        }
        a.placed = f.found;
        a.pfn = f.pfn;
        res[nr++] = {f.pfn, f.pfn + a.pages, f.found};
    }
}

flag memblock_alloc_ok(const MbLayout& l, int i) {
    if (!l.movable_node) return true;
    flag ok = true;
    const MbAlloc& a = l.alloc[i];
    for (int r = 0; r < l.nr_regions; ++r) {
        const MbRegion& m = l.region[r];
        ok = flag_and(ok, !flag_and(flag_and(a.placed, m.hotplug), flag_and(a.pfn < m.end, m.base < a.pfn + a.pages)));
    }
    return ok;
}

flag memblock_placement_ok(const MbLayout& l) {
    flag ok = true;
    for (int i = 0; i < l.nr_allocs; ++i) ok = flag_and(ok, memblock_alloc_ok(l, i));
    return ok;
}

}  // namespace hp::HP_DOMAIN
