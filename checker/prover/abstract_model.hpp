// The per-block abstraction of the kernel model, written once as a template over a value
// domain D: D = ConcreteDomain (uint64_t / bool) runs it on numbers, the Z3 domain
// (prover.cpp, the only place that sees z3++.h) runs the very same code on symbolic
// bit-vectors. So the prover's encoding and the concrete abstraction cannot drift from
// each other; tests/test_prover_agreement.cpp checks that the concrete instance simulates
// the explicit model (spec/ops) transition by transition on a grid of geometries.
//
// The machine (docs/prover.md): one node, N (1..4) single-block DIMMs next to each other
// above the boot memory, memmap_on_memory enabled, online_policy contig-zones, no
// movable_node, blocks hot-added offline. Block i spans [(i+1)*B, (i+2)*B) in *relative*
// pfns (pfn 0 stays "below every hot-pluggable pfn", as in the kernel's walkers).
//
// Per block: state, DIMM plugged, whether it has vmemmap pages (V of them, a geometry
// function), mem->zone, the memmap of the vmemmap run and of the rest, and the section
// online bits in two groups: sections wholly covered by the vmemmap (A) and the others
// (B); every kernel path sets or clears whole groups. Zones Normal and Movable: span,
// present, managed. node_present_pages (the hot-plugged part), memory-group counters.
#pragma once
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "spec/action.hpp"

namespace hp::prover {

// ---------------------------------------------------------------------------------------
// Variants the abstraction knows. A variant of the registry without an entry here is
// refused by the prover (exit 2), never silently treated as another.
enum class SupportsRule : std::uint8_t {
    V6_1,      // size == block, vmemmap_size % PMD_SIZE == 0, (size - vmemmap_size) % pageblock == 0
    NO_CHECK,  // no alignment check at all (variant no-vmemmap-alignment-check)
    V6_8,      // memmap page-aligned, pages % pageblock == 0, != block pages, PMD-aligned
};
enum class VmemmapCount : std::uint8_t {
    ALLOC_PER_SECTION,  // altmap->alloc after populating section by section (5.13-6.5)
    EXACT,              // memory_block_memmap_on_memory_pages() (6.6+: altmap->free)
};
struct VariantSpec {
    std::string name;
    SupportsRule supports = SupportsRule::V6_1;
    VmemmapCount count = VmemmapCount::ALLOC_PER_SECTION;
    // seed 004's counter-proposal: the vmemmap pages are linked to the zone and accounted
    // where the space is reserved (hot-add) and unlinked at hot-remove, outside online/offline.
    bool account_at_add = false;
};
const std::vector<VariantSpec>& known_variant_specs();
const VariantSpec* find_variant_spec(const std::string& name);

// Encodings of small enumerations.
inline constexpr unsigned ST_ABSENT = 0, ST_OFFLINE = 1, ST_ONLINE = 2;  // = BlockStateKind
inline constexpr unsigned Z_NONE = 0, Z_NORMAL = 1, Z_MOVABLE = 2;        // zone / memmap (0 = poisoned)

// ---------------------------------------------------------------------------------------
struct ConcreteDomain {
    using I = std::uint64_t;
    using B = bool;
    I num(std::uint64_t v) const { return v; }
    B lit(bool b) const { return b; }
    static I ite(bool c, I a, I b) { return c ? a : b; }
    static B ite(bool c, bool a, bool b) { return c ? a : b; }
    static I shl(I a, I s) { return s >= 64 ? 0 : a << s; }
    static I lshr(I a, I s) { return s >= 64 ? 0 : a >> s; }
    static B lt(I a, I b) { return a < b; }
    static B le(I a, I b) { return a <= b; }
};

template <class D>
struct AbsModel {
    using I = typename D::I;
    using B = typename D::B;

    struct Geo {  // the free parameters (exponents and sizeof(struct page)) and what follows
        I page_shift, section_bits, spb_log, pageblock_order, pmd_order, struct_page;
        I ps, sub, pps, spb, blk, pb, pmd, exact, V, a, supports;
    };
    struct Block {
        I st;          // ST_*
        B plugged;     // the platform has DIMM i
        B mom;         // nr_vmemmap_pages != 0
        I zone;        // mem->zone (Z_NONE for NULL)
        I mmv, mmr;    // memmap of [S, S+V) and [S+V, S+B): Z_NONE = poisoned
        B onA, onB;    // section online bits: sections inside the vmemmap / the others
        B valid;       // every section present + valid
    };
    struct Zone { I start, spanned, present, managed; };
    struct State {
        std::vector<Block> b;
        Zone z[2];     // Normal, Movable
        I node_present;
        std::vector<I> gk, gm;  // memory group (DIMM) present_kernel / present_movable
    };
    struct Result {
        State s;
        B enabled;  // action possible and, for a fault choice, the fault fired
        I rc;       // 0 or a positive errno
    };

    const D& d;
    unsigned N;
    VariantSpec v;
    Geo g;

    AbsModel(const D& dom, unsigned nblocks, VariantSpec spec, const I* params /*6 values*/)
        : d(dom), N(nblocks), v(std::move(spec)) {
        g.page_shift = params[0];
        g.section_bits = params[1];
        g.spb_log = params[2];
        g.pageblock_order = params[3];
        g.pmd_order = params[4];
        g.struct_page = params[5];
        const I one = d.num(1), zero = d.num(0);
        const I s = g.section_bits - g.page_shift;  // log2(pages per section)
        const I sc = s + g.spb_log;                  // log2(pages per block)
        g.ps = D::shl(one, g.page_shift);
        g.sub = D::shl(one, d.num(21) - g.page_shift);
        g.pps = D::shl(one, s);
        g.spb = D::shl(one, g.spb_log);
        g.blk = D::shl(one, sc);
        g.pb = D::shl(one, g.pageblock_order);
        g.pmd = D::shl(one, g.pmd_order);
        // Everything in pages and exponents, so that no quantity needs more than ~24 bits:
        // PFN_UP(x * sizeof(struct page)) for x = 2^e pages is sp << (e - p), or
        // ceil(sp / 2^(p - e)) when e < p.
        auto pfn_up = [&](const I& e) {
            return D::ite(D::le(g.page_shift, e), D::shl(g.struct_page, e - g.page_shift),
                          D::lshr(g.struct_page + D::shl(one, g.page_shift - e) - one, g.page_shift - e));
        };
        // "2^e * sizeof(struct page) bytes is a multiple of 2^k bytes", i.e. v2(sp) >= k - e
        auto bytes_aligned = [&](const I& e, const I& k) {
            return D::le(k, e) || (g.struct_page & (D::shl(one, k - e) - one)) == zero;
        };
        g.exact = pfn_up(sc);  // memory_block_memmap_on_memory_pages() / memory_block_memmap_pages()
        if (v.count == VmemmapCount::ALLOC_PER_SECTION) g.V = D::shl(pfn_up(s), g.spb_log);
        else g.V = g.exact;
        g.a = D::lshr(g.V, s);
        const B pmd_aligned = bytes_aligned(sc, g.pmd_order + g.page_shift);  // vmemmap_size % PMD_SIZE == 0
        switch (v.supports) {
            case SupportsRule::V6_1: {
                // (size - vmemmap_size) % pageblock bytes == 0: 2^sc * (2^p - sp) is a
                // multiple of 2^(o + p)
                const I rest = g.ps - g.struct_page;
                const I k = g.pageblock_order + g.page_shift;
                const B pb_ok = D::le(k, sc) || (rest & (D::shl(one, k - sc) - one)) == zero;
                g.supports = D::ite(pmd_aligned && pb_ok, one, zero);
                break;
            }
            case SupportsRule::NO_CHECK: g.supports = one; break;
            case SupportsRule::V6_8:
                g.supports = D::ite(bytes_aligned(sc, g.page_shift) && ((g.exact & (g.pb - one)) == zero) &&
                                        g.exact != g.blk && pmd_aligned,
                                    one, zero);
                break;
        }
    }

    // ---- helpers -------------------------------------------------------------------------
    I start_of(unsigned i) const {
        I s = g.blk;
        for (unsigned k = 0; k < i; ++k) s = s + g.blk;
        return s;
    }
    I Vof(const Block& b) const { return D::ite(b.mom, g.V, d.num(0)); }
    I Aof(const Block& b) const { return D::ite(b.mom, g.a, d.num(0)); }
    I maxi(I a, I b) const { return D::ite(D::lt(a, b), b, a); }
    I mini(I a, I b) const { return D::ite(D::lt(a, b), a, b); }
    I roundup_sub(I x) const { return (x + g.sub - d.num(1)) & (d.num(0) - g.sub); }
    Zone getz(const State& s, I z) const {
        const B n = z == d.num(Z_NORMAL);
        return Zone{D::ite(n, s.z[0].start, s.z[1].start), D::ite(n, s.z[0].spanned, s.z[1].spanned),
                    D::ite(n, s.z[0].present, s.z[1].present), D::ite(n, s.z[0].managed, s.z[1].managed)};
    }
    void setz(State& s, I z, const Zone& nz) const {
        for (unsigned k = 0; k < 2; ++k) {
            const B here = z == d.num(k + 1);
            s.z[k] = Zone{D::ite(here, nz.start, s.z[k].start), D::ite(here, nz.spanned, s.z[k].spanned),
                          D::ite(here, nz.present, s.z[k].present), D::ite(here, nz.managed, s.z[k].managed)};
        }
    }
    Block mergeb(B c, const Block& t, const Block& e) const {
        return Block{D::ite(c, t.st, e.st),       D::ite(c, t.plugged, e.plugged), D::ite(c, t.mom, e.mom),
                     D::ite(c, t.zone, e.zone),   D::ite(c, t.mmv, e.mmv),         D::ite(c, t.mmr, e.mmr),
                     D::ite(c, t.onA, e.onA),     D::ite(c, t.onB, e.onB),         D::ite(c, t.valid, e.valid)};
    }
    State merge(B c, const State& t, const State& e) const {
        State r = e;
        for (unsigned i = 0; i < N; ++i) {
            r.b[i] = mergeb(c, t.b[i], e.b[i]);
            r.gk[i] = D::ite(c, t.gk[i], e.gk[i]);
            r.gm[i] = D::ite(c, t.gm[i], e.gm[i]);
        }
        for (unsigned k = 0; k < 2; ++k)
            r.z[k] = Zone{D::ite(c, t.z[k].start, e.z[k].start), D::ite(c, t.z[k].spanned, e.z[k].spanned),
                          D::ite(c, t.z[k].present, e.z[k].present), D::ite(c, t.z[k].managed, e.z[k].managed)};
        r.node_present = D::ite(c, t.node_present, e.node_present);
        return r;
    }

    // The runs of block i that answer alike to pfn_to_online_page() + page_zone().
    struct Piece { I lo, hi; B online; I memmap; };
    void pieces(const State& s, unsigned i, Piece out[3]) const {
        const Block& b = s.b[i];
        const I S = start_of(i), V = Vof(b), A = D::shl(Aof(b), g.section_bits - g.page_shift);
        out[0] = Piece{S, S + A, b.valid && b.onA, b.mmv};
        out[1] = Piece{S + A, S + V, b.valid && b.onB, b.mmv};
        out[2] = Piece{S + V, S + g.blk, b.valid && b.onB, b.mmr};
    }
    B matches(const Piece& p, I z) const { return p.online && p.memmap == z; }

    // find_smallest_section_pfn(): walk [start, end) upwards in subsection steps.
    I find_smallest(const State& s, I z, I start, I end) const {
        I res = d.num(0);
        for (int i = static_cast<int>(N) - 1; i >= 0; --i) {
            Piece p[3];
            pieces(s, static_cast<unsigned>(i), p);
            for (int k = 2; k >= 0; --k) {
                const I q = start + roundup_sub(maxi(p[k].lo, start) - start);
                const B ok = matches(p[k], z) && D::lt(q, p[k].hi) && D::lt(q, end);
                res = D::ite(ok, q, res);
            }
        }
        return res;
    }
    // find_biggest_section_pfn(): walk from end - 1 downwards in subsection steps.
    I find_biggest(const State& s, I z, I start, I end) const {
        I res = d.num(0);
        for (unsigned i = 0; i < N; ++i) {
            Piece p[3];
            pieces(s, i, p);
            for (int k = 0; k < 3; ++k) {
                const I top = mini(p[k].hi, end);
                const I step = roundup_sub(end - top);
                const I L = maxi(p[k].lo, start);
                const B ok = matches(p[k], z) && D::le(step + L + d.num(1), end);
                res = D::ite(ok, end - d.num(1) - step, res);
            }
        }
        return res;
    }
    State shrink_zone_span(const State& s, I z, I start, I end) const {
        const Zone Z = getz(s, z);
        const I zend = Z.start + Z.spanned;
        const B c1 = Z.start == start;
        const B c2 = !c1 && zend == end;
        const I p1 = find_smallest(s, z, end, zend);
        const I p2 = find_biggest(s, z, Z.start, start);
        const I zero = d.num(0);
        Zone nz = Z;
        nz.start = D::ite(c1, D::ite(p1 != zero, p1, zero), D::ite(c2 && p2 == zero, zero, Z.start));
        nz.spanned = D::ite(c1, D::ite(p1 != zero, zend - p1, zero),
                            D::ite(c2, D::ite(p2 != zero, p2 - Z.start + d.num(1), zero), Z.spanned));
        State r = s;
        setz(r, z, nz);
        return r;
    }
    // move_pfn_range_to_zone(): grow the span (memmap set by the caller).
    State grow(const State& s, I z, I start, I n) const {
        Zone Z = getz(s, z);
        const B empty = Z.spanned == d.num(0);
        Z.start = D::ite(empty, start, Z.start);
        const I old_end = Z.start + Z.spanned;
        Z.start = D::ite(empty || D::lt(start, Z.start), start, Z.start);
        Z.spanned = maxi(start + n, old_end) - Z.start;
        State r = s;
        setz(r, z, Z);
        return r;
    }
    // adjust_present_page_count() on a page whose memmap says `mm`.
    State adjust_present(const State& s, unsigned i, I mm, I delta) const {
        State r = s;
        const B init = mm != d.num(Z_NONE);
        Zone Z = getz(s, mm);
        Z.present = Z.present + delta;
        State t = r;
        setz(t, mm, Z);
        t.node_present = t.node_present + delta;
        const B mov = mm == d.num(Z_MOVABLE);
        t.gm[i] = D::ite(mov, t.gm[i] + delta, t.gm[i]);
        t.gk[i] = D::ite(mov, t.gk[i], t.gk[i] + delta);
        return merge(init, t, r);
    }
    Zone add_managed(const Zone& Z, I delta) const { return Zone{Z.start, Z.spanned, Z.present, Z.managed + delta}; }

    // mhp_deinit_memmap_on_memory(S, V)
    State mhp_deinit(const State& s, unsigned i) const {
        State r = s;
        const I V = Vof(s.b[i]);
        r.b[i].onA = D::ite(D::le(g.pps, V), d.lit(false), r.b[i].onA);
        const I mm = r.b[i].mmv;
        State t = r;
        t.b[i].mmv = d.num(Z_NONE);
        t = shrink_zone_span(t, mm, start_of(i), start_of(i) + V);
        return merge(mm != d.num(Z_NONE), t, r);
    }

    // ---- the user-visible operations -----------------------------------------------------
    Result online(const State& s0, unsigned i, OnlineType type, bool veto) const {
        const Block& b0 = s0.b[i];
        const I S = start_of(i), V = Vof(b0), Bk = g.blk;
        I zone;
        if (type == MMOP_ONLINE_KERNEL) zone = d.num(Z_NORMAL);
        else if (type == MMOP_ONLINE_MOVABLE) zone = d.num(Z_MOVABLE);
        else {
            auto inter = [&](const Zone& Z) {
                return Z.spanned != d.num(0) && !(D::le(Z.start + Z.spanned, S) || D::le(S + Bk, Z.start));
            };
            const B ink = inter(s0.z[0]), inm = inter(s0.z[1]);
            zone = D::ite(ink != inm, D::ite(ink, d.num(Z_NORMAL), d.num(Z_MOVABLE)), d.num(Z_NORMAL));
        }
        // v6.1: mhp_init/deinit_memmap_on_memory() and the vmemmap present_pages adjustment
        // around online_pages(); hocko-2021: online_pages() only skips the vmemmap pages.
        const B has_v = b0.mom && !v.account_at_add;
        // mhp_init_memmap_on_memory()
        State s1 = s0;
        {
            State t = grow(s0, zone, S, V);
            t.b[i].mmv = zone;
            t.b[i].onA = D::ite(D::le(g.pps, V), d.lit(true), t.b[i].onA);
            s1 = merge(has_v, t, s0);
        }
        // online_pages(S + V, B - V)
        const B aligned = ((S + V) & (g.pb - d.num(1))) == d.num(0);
        State s2 = grow(s1, zone, S + V, Bk - V);
        s2.b[i].mmr = zone;
        // veto: MEM_CANCEL_ONLINE -> remove_pfn_range_from_zone(), then mhp_deinit
        State sv = s2;
        sv.b[i].mmr = d.num(Z_NONE);
        sv = shrink_zone_span(sv, zone, S + V, S + Bk);
        sv = merge(has_v, mhp_deinit(sv, i), sv);
        // success
        State so = s2;
        {
            Zone Z = getz(so, zone);
            setz(so, zone, add_managed(Z, Bk - V));
            so.b[i].onB = d.lit(true);
            so = adjust_present(so, i, zone, Bk - V);
            so = merge(has_v, adjust_present(so, i, zone, V), so);
            so.b[i].zone = zone;
            so.b[i].st = d.num(ST_ONLINE);
        }
        // misaligned: -EINVAL, mhp_deinit
        State sm = merge(has_v, mhp_deinit(s1, i), s1);
        const B offline = b0.st == d.num(ST_OFFLINE);
        Result r;
        r.s = merge(offline && aligned, veto ? sv : so, merge(offline, sm, s0));
        r.enabled = b0.st != d.num(ST_ABSENT) && (veto ? (offline && aligned) : d.lit(true));
        r.rc = D::ite(offline && aligned, d.num(veto ? EBUSY : 0), d.num(EINVAL));
        return r;
    }

    // device_offline() of an online block; `fail` = the fault that fires at isolation or
    // the notifier. Returns the state and whether offline_pages() was reached (fault point).
    struct OffRes { State s; B ok; B reached; };
    OffRes offline_online_block(const State& s0, unsigned i, bool unmovable, bool veto) const {
        const Block& b0 = s0.b[i];
        const I S = start_of(i), V = Vof(b0), Bk = g.blk;
        const I zone = b0.zone;
        const B has_v = b0.mom && !v.account_at_add;
        const I Voff = V;  // offline_pages() always skips the vmemmap pages
        const B nozone = zone == d.num(Z_NONE);
        State s1 = merge(has_v, adjust_present(s0, i, b0.mmv, d.num(0) - V), s0);
        const B aligned = ((S + Voff) & (g.pb - d.num(1))) == d.num(0);
        const B samezone = b0.mmr == zone;
        const B reach = !nozone && aligned && samezone;
        B fail = d.lit(false);
        B reached = d.lit(false);
        if (unmovable) {
            fail = zone != d.num(Z_MOVABLE);
            reached = reach && fail;
        } else if (veto) {
            fail = d.lit(true);
            reached = reach;
        }
        State so = s1;
        so.b[i].onB = d.lit(false);
        {
            Zone Z = getz(so, zone);
            setz(so, zone, add_managed(Z, d.num(0) - (Bk - Voff)));
        }
        so = adjust_present(so, i, zone, d.num(0) - (Bk - Voff));
        so.b[i].mmr = d.num(Z_NONE);
        so = shrink_zone_span(so, zone, S + Voff, S + Bk);
        so = merge(has_v, mhp_deinit(so, i), so);
        so.b[i].zone = d.num(Z_NONE);
        so.b[i].st = d.num(ST_OFFLINE);
        const B ok = reach && !fail;
        // failure inside offline_pages(): account the vmemmap pages back
        State sf = merge(has_v, adjust_present(s1, i, b0.mmv, V), s1);
        return OffRes{merge(nozone, s0, merge(ok, so, sf)), ok, reached};
    }

    Result offline(const State& s0, unsigned i, bool unmovable, bool veto) const {
        const B on = s0.b[i].st == d.num(ST_ONLINE);
        const OffRes o = offline_online_block(s0, i, unmovable, veto);
        Result r;
        r.s = merge(on, o.s, s0);
        r.enabled = s0.b[i].st != d.num(ST_ABSENT) && ((unmovable || veto) ? (on && o.reached) : d.lit(true));
        r.rc = D::ite(on && o.ok, d.num(0), D::ite(on && o.reached, d.num(EBUSY), d.num(EINVAL)));
        return r;
    }

    // try_remove_memory() of one block that exists and is offline (+ arch_remove_memory).
    State remove_block(const State& s0, unsigned i) const {
        State r = s0;
        Block& b = r.b[i];
        if (v.account_at_add) {
            // the reservation goes away: unaccount and unlink the vmemmap pages
            const I V = Vof(s0.b[i]);
            State t = adjust_present(r, i, s0.b[i].mmv, d.num(0) - V);
            t.b[i].mmv = d.num(Z_NONE);
            t = shrink_zone_span(t, s0.b[i].mmv, start_of(i), start_of(i) + V);
            r = merge(s0.b[i].mom && s0.b[i].mmv != d.num(Z_NONE), t, r);
        }
        Block& bb = r.b[i];
        bb.st = d.num(ST_ABSENT);
        bb.zone = d.num(Z_NONE);
        bb.mom = d.lit(false);
        bb.mmv = bb.mmr;
        bb.valid = d.lit(false);
        bb.onA = d.lit(false);
        bb.onB = d.lit(false);
        (void)b;
        return r;
    }

    Result remove(const State& s0, unsigned i) const {
        const B off = s0.b[i].st == d.num(ST_OFFLINE);
        Result r;
        r.s = merge(off, remove_block(s0, i), s0);
        r.enabled = s0.b[i].st != d.num(ST_ABSENT);
        r.rc = D::ite(off, d.num(0), d.num(EBUSY));
        return r;
    }

    Result add(const State& s0, unsigned i) const {
        State r = s0;
        Block& b = r.b[i];
        b.plugged = d.lit(true);
        const B mom = g.supports == d.num(1);
        b.st = d.num(ST_OFFLINE);
        b.zone = d.num(Z_NONE);
        b.mom = mom;
        b.mmv = d.num(Z_NONE);
        b.mmr = d.num(Z_NONE);
        b.valid = d.lit(true);
        if (v.account_at_add) {
            // the vmemmap pages are linked to the default kernel zone and accounted now
            const I S = start_of(i);
            State t = grow(r, d.num(Z_NORMAL), S, g.V);
            t.b[i].mmv = d.num(Z_NORMAL);
            t = adjust_present(t, i, d.num(Z_NORMAL), g.V);
            r = merge(mom, t, r);
        }
        Result res;
        res.s = r;
        res.enabled = !s0.b[i].plugged;
        res.rc = d.num(0);
        return res;
    }

    Result eject(const State& s0, unsigned i, bool unmovable, bool veto) const {
        const B present = s0.b[i].st != d.num(ST_ABSENT);
        const B on = s0.b[i].st == d.num(ST_ONLINE);
        // first pass: visit 0 of the veto point; second pass: visit 1 (no veto then)
        const OffRes p1 = offline_online_block(s0, i, unmovable, veto);
        const OffRes p2 = offline_online_block(s0, i, unmovable, false);
        // unmovable pages fail both passes: -EBUSY, nothing changed
        const B busy = on && !p1.ok && !p2.ok;
        const State off = merge(on, merge(p1.ok, p1.s, p2.s), s0);
        State gone = merge(present, remove_block(off, i), off);
        gone.b[i].plugged = d.lit(false);
        Result r;
        r.s = merge(busy, s0, gone);
        r.enabled = s0.b[i].plugged && ((unmovable || veto) ? (on && p1.reached) : d.lit(true));
        r.rc = D::ite(busy, d.num(EBUSY), d.num(0));
        return r;
    }

    Result apply(const State& s, const Action& a) const {
        const unsigned i = a.target;
        if (i >= N) return Result{s, d.lit(false), d.num(EINVAL)};
        const bool unmovable = a.fault.kind == FaultKind::UNMOVABLE_PAGES;
        const bool veto_on = a.fault.kind == FaultKind::NOTIFIER_VETO_ONLINE;
        const bool veto_off = a.fault.kind == FaultKind::NOTIFIER_VETO_OFFLINE && a.fault.index == 0;
        Result r;
        switch (a.kind) {
            case ActionKind::DIMM_ADD: r = add(s, i); break;
            case ActionKind::DIMM_EJECT: r = eject(s, i, unmovable, veto_off); break;
            case ActionKind::ONLINE: r = online(s, i, MMOP_ONLINE, veto_on); break;
            case ActionKind::ONLINE_KERNEL: r = online(s, i, MMOP_ONLINE_KERNEL, veto_on); break;
            case ActionKind::ONLINE_MOVABLE: r = online(s, i, MMOP_ONLINE_MOVABLE, veto_on); break;
            case ActionKind::OFFLINE: r = offline(s, i, unmovable, veto_off); break;
            case ActionKind::REMOVE_MEMORY: r = remove(s, i); break;
            default: r = Result{s, d.lit(false), d.num(EINVAL)};
        }
        // fault choices the abstraction does not model are never enabled
        const bool offlines = a.kind == ActionKind::OFFLINE || a.kind == ActionKind::DIMM_EJECT;
        const bool onlines = a.kind == ActionKind::ONLINE || a.kind == ActionKind::ONLINE_KERNEL ||
                             a.kind == ActionKind::ONLINE_MOVABLE;
        const bool modelled = a.fault.kind == FaultKind::NONE || (unmovable && offlines && a.fault.index == a.target) ||
                              (veto_on && onlines) || (veto_off && offlines);
        if (!modelled || i >= N || (a.kind == ActionKind::REMOVE_MEMORY && a.count != 1)) r.enabled = d.lit(false);
        return r;
    }

    // ---- initial state and invariants ----------------------------------------------------
    State initial() const {
        State s;
        const I z = d.num(0);
        for (unsigned i = 0; i < N; ++i) {
            s.b.push_back(Block{d.num(ST_ABSENT), d.lit(false), d.lit(false), z, z, z, d.lit(false), d.lit(false),
                                d.lit(false)});
            s.gk.push_back(z);
            s.gm.push_back(z);
        }
        s.z[0] = s.z[1] = Zone{z, z, z, z};
        s.node_present = z;
        return s;
    }

    // Auxiliary lemmas for induction (docs/prover.md): what every reachable state of the
    // baseline looks like, block by block, and zone spans = hull of their online blocks.
    B lemmas(const State& s) const {
        B ok = d.lit(true);
        const I zero = d.num(0);
        I present[2] = {zero, zero}, managed[2] = {zero, zero};
        B any[2] = {d.lit(false), d.lit(false)};
        I lo[2] = {zero, zero}, hi[2] = {zero, zero};
        for (unsigned i = 0; i < N; ++i) {
            const Block& b = s.b[i];
            const B absent = b.st == d.num(ST_ABSENT), off = b.st == d.num(ST_OFFLINE), on = b.st == d.num(ST_ONLINE);
            const B hasA = Aof(b) != zero;
            ok = ok && (absent || b.plugged) && (!b.mom || (g.supports == d.num(1) && !absent));
            ok = ok && (!absent || (!b.valid && !b.onA && !b.onB && b.zone == zero && s.gk[i] == zero && s.gm[i] == zero));
            ok = ok && (!off || (b.valid && !b.onA && !b.onB && b.zone == zero && b.mmr == zero &&
                                 (!b.mom || b.mmv == zero) && s.gk[i] == zero && s.gm[i] == zero));
            const B mov = b.zone == d.num(Z_MOVABLE);
            ok = ok && (!on || (b.valid && b.onB && b.onA == hasA && (b.zone == d.num(Z_NORMAL) || mov) &&
                                b.mmr == b.zone && (!b.mom || b.mmv == b.zone) &&
                                s.gm[i] == D::ite(mov, g.blk, zero) && s.gk[i] == D::ite(mov, zero, g.blk)));
            for (unsigned k = 0; k < 2; ++k) {
                const B in = on && b.zone == d.num(k + 1);
                present[k] = present[k] + D::ite(in, g.blk, zero);
                managed[k] = managed[k] + D::ite(in, g.blk - Vof(b), zero);
                lo[k] = D::ite(in && !any[k], start_of(i), lo[k]);  // blocks in ascending pfn order
                hi[k] = D::ite(in, start_of(i) + g.blk, hi[k]);
                any[k] = any[k] || in;
            }
        }
        for (unsigned k = 0; k < 2; ++k) {
            const Zone& Z = s.z[k];
            ok = ok && Z.present == present[k] && Z.managed == managed[k] && ((Z.spanned != zero) == any[k]) &&
                 (!any[k] || (Z.start == lo[k] && Z.start + Z.spanned == hi[k]));
        }
        return ok && s.node_present == s.z[0].present + s.z[1].present;
    }

    // The state the lemmas determine from the block fields (state, plugged, vmemmap,
    // mem->zone) and the fields they leave free (stale values): lemmas(s) implies
    // canonical(s) == s, so an induction step may start from canonical(free variables).
    State canonical(const State& s) const {
        State r = s;
        const I zero = d.num(0);
        I present[2] = {zero, zero}, managed[2] = {zero, zero};
        B any[2] = {d.lit(false), d.lit(false)};
        I lo[2] = {zero, zero}, hi[2] = {zero, zero};
        for (unsigned i = 0; i < N; ++i) {
            Block& b = r.b[i];
            const B absent = b.st == d.num(ST_ABSENT), off = b.st == d.num(ST_OFFLINE), on = b.st == d.num(ST_ONLINE);
            const B mov = b.zone == d.num(Z_MOVABLE);
            b.valid = !absent;
            b.onA = on && Aof(b) != zero;
            b.onB = on;
            b.mmr = D::ite(on, b.zone, D::ite(off, zero, b.mmr));
            b.mmv = D::ite(b.mom, D::ite(on, b.zone, zero), b.mmv);
            b.zone = D::ite(on, b.zone, zero);
            r.gm[i] = D::ite(on && mov, g.blk, zero);
            r.gk[i] = D::ite(on && !mov, g.blk, zero);
            for (unsigned k = 0; k < 2; ++k) {
                const B in = on && b.zone == d.num(k + 1);
                present[k] = present[k] + D::ite(in, g.blk, zero);
                managed[k] = managed[k] + D::ite(in, g.blk - Vof(b), zero);
                lo[k] = D::ite(in && !any[k], start_of(i), lo[k]);
                hi[k] = D::ite(in, start_of(i) + g.blk, hi[k]);
                any[k] = any[k] || in;
            }
        }
        for (unsigned k = 0; k < 2; ++k) {
            r.z[k].present = present[k];
            r.z[k].managed = managed[k];
            r.z[k].start = D::ite(any[k], lo[k], s.z[k].start);
            r.z[k].spanned = D::ite(any[k], hi[k] - lo[k], zero);
        }
        r.node_present = present[0] + present[1];
        return r;
    }

    B spans(const Zone& Z, I p) const { return D::le(Z.start, p) && D::lt(p, Z.start + Z.spanned); }

    // I1 zone-span (invariants/zone_span.cpp)
    B zone_span(const State& s) const {
        B ok = d.lit(true);
        for (unsigned i = 0; i < N; ++i) {
            Piece p[3];
            pieces(s, i, p);
            for (const Piece& q : p) {
                const B live = D::lt(q.lo, q.hi) && q.online && q.memmap != d.num(Z_NONE);
                const Zone Z = getz(s, q.memmap);
                ok = ok && (!live || (spans(Z, q.lo) && spans(Z, q.hi - d.num(1))));
            }
            const Block& b = s.b[i];
            const B on = b.st == d.num(ST_ONLINE) && b.zone != d.num(Z_NONE);
            const Zone Z = getz(s, b.zone);
            ok = ok && (!on || (spans(Z, start_of(i)) && spans(Z, start_of(i) + g.blk - d.num(1))));
        }
        return ok;
    }
    // I5 present-pages (invariants/present_pages.cpp)
    B present_pages(const State& s) const {
        I zp[2] = {d.num(0), d.num(0)};
        B ok = d.lit(true);
        for (unsigned i = 0; i < N; ++i) {
            Piece p[3];
            pieces(s, i, p);
            I k = d.num(0), m = d.num(0);
            for (const Piece& q : p) {
                const I n = D::ite(D::lt(q.lo, q.hi) && q.online, q.hi - q.lo, d.num(0));
                const I nn = D::ite(q.memmap == d.num(Z_NORMAL), n, d.num(0));
                const I nm = D::ite(q.memmap == d.num(Z_MOVABLE), n, d.num(0));
                zp[0] = zp[0] + nn;
                zp[1] = zp[1] + nm;
                k = k + nn;
                m = m + nm;
            }
            ok = ok && s.gk[i] == k && s.gm[i] == m;
        }
        return ok && s.z[0].present == zp[0] && s.z[1].present == zp[1] &&
               s.node_present == s.z[0].present + s.z[1].present;
    }
};

}  // namespace hp::prover
