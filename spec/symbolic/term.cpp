#include "spec/symbolic/term.hpp"

#include <deque>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

namespace hp::symbolic {

const Term* term_mk_uncached(TermOp op, const Term* a, const Term* b, const Term* c);

namespace {

struct Key {
    TermOp op;
    const Term* a;
    const Term* b;
    const Term* c;
    std::uint64_t imm;
};
std::uint64_t hash_of(const Key& k) {
    auto id = [](const Term* t) -> std::uint64_t { return t ? t->id : 0; };
    std::uint64_t h = static_cast<std::uint64_t>(k.op) + id(k.a) * 0x9e3779b97f4a7c15ull + id(k.b) * 0xc2b2ae3d27d4eb4full +
                      id(k.c) * 0x165667b19e3779f9ull + k.imm * 0x27d4eb2f165667c5ull;
    h ^= h >> 33;  // MurmurHash3's finaliser: every input bit reaches the low bits the table indexes by
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}
bool matches(const Term* t, const Key& k) {
    return t->op == k.op && t->a == k.a && t->b == k.b && t->c == k.c && t->imm == k.imm;
}

// One per thread: the symbolic model runs on one thread per search, and its terms never
// cross threads. Hash-consing is an open-addressing table of node pointers (linear
// probing, at most half full): most lookups find the node already there, and a chained
// std::unordered_map cost a cache miss per bucket (it was half of a class search).
struct Table {
    std::deque<Term> nodes;  // stable addresses
    std::vector<const Term*> slots = std::vector<const Term*>(1 << 16, nullptr);
    std::vector<std::string> param_names;
    std::vector<std::uint64_t> param_values;
    std::vector<bool> param_set;
    std::uint32_t epoch = 1;

    void grow() {
        std::vector<const Term*> bigger(slots.size() * 2, nullptr);
        const size_t mask = bigger.size() - 1;
        for (const Term* t : slots)
            if (t) {
                size_t i = t->hash & mask;
                while (bigger[i]) i = (i + 1) & mask;
                bigger[i] = t;
            }
        slots.swap(bigger);
    }
};
Table& table() {
    thread_local Table t;
    return t;
}

const Term* intern(TermOp op, const Term* a, const Term* b, const Term* c, std::uint64_t imm) {
    Table& tb = table();
    const Key k{op, a, b, c, imm};
    const std::uint64_t h = hash_of(k);
    size_t mask = tb.slots.size() - 1;
    size_t i = h & mask;
    for (; tb.slots[i]; i = (i + 1) & mask)
        if (tb.slots[i]->hash == h && matches(tb.slots[i], k)) return tb.slots[i];
    Term& t = tb.nodes.emplace_back();
    t.op = op;
    t.id = static_cast<std::uint32_t>(tb.nodes.size());
    t.a = a;
    t.b = b;
    t.c = c;
    t.imm = imm;
    t.hash = h;
    tb.slots[i] = &t;
    if (tb.nodes.size() * 2 > tb.slots.size()) tb.grow();
    return &t;
}

std::uint64_t shl64(std::uint64_t a, std::uint64_t n) { return n >= 64 ? 0 : a << n; }
std::uint64_t shr64(std::uint64_t a, std::uint64_t n) { return n >= 64 ? 0 : a >> n; }

bool commutative(TermOp op) {
    switch (op) {
    case TermOp::ADD: case TermOp::MUL: case TermOp::AND: case TermOp::OR: case TermOp::XOR:
    case TermOp::EQ: case TermOp::LAND: case TermOp::LOR: return true;
    default: return false;
    }
}
bool is(const Term* t, TermOp op) { return t && t->op == op; }
bool num_is(const Term* t, std::uint64_t v) { return t->op == TermOp::NUM && t->imm == v; }

// The rewrites: each an identity of 64-bit modular arithmetic (or of Booleans). They keep
// terms small and make equal computations the same node; none is needed for soundness.

const Term* rewrite(TermOp op, const Term* a, const Term* b, const Term* c) {
    using O = TermOp;
    switch (op) {
    case O::ADD:
        if (num_is(b, 0)) return a;
        if (is(a, O::ADD) && a->b->is_num() && b->is_num())  // (x + c1) + c2
            return term_mk(O::ADD, a->a, term_num(a->b->imm + b->imm));
        if (is(a, O::ADD) && a->b->is_num() && !b->is_num())  // (x + c) + y = (x + y) + c
            return term_mk(O::ADD, term_mk(O::ADD, a->a, b), a->b);
        if (is(b, O::ADD) && b->b->is_num())  // x + (y + c) = (x + y) + c
            return term_mk(O::ADD, term_mk(O::ADD, a, b->a), b->b);
        if (is(b, O::NEG) && b->a == a) return term_num(0);  // x + -x
        if (is(a, O::NEG) && a->a == b) return term_num(0);
        if (is(a, O::ADD) && is(b, O::NEG)) {  // (x + y) + -y
            if (a->b == b->a) return a->a;
            if (a->a == b->a) return a->b;
        }
        if (is(b, O::ADD) && is(a, O::NEG)) {
            if (b->b == a->a) return b->a;
            if (b->a == a->a) return b->b;
        }
        break;
    case O::NEG:
        if (is(a, O::NEG)) return a->a;
        if (is(a, O::ADD) && a->b->is_num())  // -(x + c) = -x + -c
            return term_mk(O::ADD, term_mk(O::NEG, a->a), term_num(~a->b->imm + 1));
        break;
    case O::MUL:
        if (num_is(b, 0)) return b;
        if (num_is(b, 1)) return a;
        if (is(a, O::MUL) && a->b->is_num() && b->is_num()) return term_mk(O::MUL, a->a, term_num(a->b->imm * b->imm));
        break;
    case O::UDIV:
        if (num_is(b, 1)) return a;
        break;
    case O::UREM:
        if (num_is(b, 1)) return term_num(0);
        break;
    case O::AND:
        if (num_is(b, 0)) return b;
        if (num_is(b, ~std::uint64_t{0})) return a;
        if (a == b) return a;
        if (is(a, O::AND) && a->b->is_num() && b->is_num()) {
            if ((a->b->imm & b->imm) == a->b->imm) return a;  // the mask keeps what the inner one kept
            return term_mk(O::AND, a->a, term_num(a->b->imm & b->imm));
        }
        break;
    case O::OR:
        if (num_is(b, 0)) return a;
        if (a == b) return a;
        break;
    case O::XOR:
        if (num_is(b, 0)) return a;
        if (a == b) return term_num(0);
        break;
    case O::SHL: case O::LSHR:
        if (num_is(b, 0) || num_is(a, 0)) return a;
        break;
    case O::BNOT:
        if (is(a, O::BNOT)) return a->a;
        break;
    case O::ITE:
        if (b == c) return b;
        if (a->op == O::BOOL_NUM) return a->imm ? b : c;
        break;
    case O::EQ:
        if (a == b) return term_bool(true);
        if (is(a, O::ADD) && a->b->is_num() && b->is_num())  // x + c1 == c2  <=>  x == c2 - c1
            return term_mk(O::EQ, a->a, term_num(b->imm - a->b->imm));
        break;
    case O::ULT:
        if (a == b || num_is(b, 0)) return term_bool(false);
        break;
    case O::ULE:
        if (a == b || num_is(a, 0) || num_is(b, ~std::uint64_t{0})) return term_bool(true);
        break;
    case O::NOT:
        if (is(a, O::NOT)) return a->a;
        break;
    case O::LAND:
        if (a->op == O::BOOL_NUM) return a->imm ? b : a;
        if (b->op == O::BOOL_NUM) return b->imm ? a : b;
        if (a == b) return a;
        break;
    case O::LOR:
        if (a->op == O::BOOL_NUM) return a->imm ? a : b;
        if (b->op == O::BOOL_NUM) return b->imm ? b : a;
        if (a == b) return a;
        break;
    default: break;
    }
    return nullptr;
}

}  // namespace

std::uint64_t term_apply(TermOp op, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    using O = TermOp;
    switch (op) {
    case O::ADD: return a + b;
    case O::MUL: return a * b;
    case O::UDIV: return b == 0 ? ~std::uint64_t{0} : a / b;
    case O::UREM: return b == 0 ? a : a % b;
    case O::AND: return a & b;
    case O::OR: return a | b;
    case O::XOR: return a ^ b;
    case O::SHL: return shl64(a, b);
    case O::LSHR: return shr64(a, b);
    case O::BNOT: return ~a;
    case O::NEG: return ~a + 1;
    case O::ITE: return a ? b : c;
    case O::EQ: return a == b;
    case O::ULT: return a < b;
    case O::ULE: return a <= b;
    case O::NOT: return !a;
    case O::LAND: return a && b;
    case O::LOR: return a || b;
    default: throw std::logic_error("term_apply: not an operator");
    }
}

// Small direct-mapped caches in front of the table. A class search builds billions of terms
// but only tens of thousands of distinct ones (the same kernel computation on the same
// fields, transition after transition); these answer most requests from a few hundred KB
// instead of probing the table and reading the node.
namespace {
struct MkMemo {
    const Term* a;
    const Term* b;
    const Term* c;
    const Term* result;
    TermOp op;
};
constexpr size_t kMkMemo = 1 << 14, kNumMemo = 1 << 10;
thread_local std::vector<MkMemo> mk_memo(kMkMemo, MkMemo{nullptr, nullptr, nullptr, nullptr, TermOp::NUM});
thread_local std::vector<const Term*> num_memo(kNumMemo, nullptr);
size_t memo_slot(TermOp op, const Term* a, const Term* b, const Term* c) {
    std::uint64_t h = (reinterpret_cast<std::uintptr_t>(a) >> 3) * 0x9e3779b97f4a7c15ull ^
                      (reinterpret_cast<std::uintptr_t>(b) >> 3) * 0xc2b2ae3d27d4eb4full ^
                      (reinterpret_cast<std::uintptr_t>(c) >> 3) * 0x165667b19e3779f9ull ^ static_cast<std::uint64_t>(op);
    return (h ^ (h >> 31)) & (kMkMemo - 1);
}
}  // namespace

const Term* term_num(std::uint64_t v) {
    const size_t j = (v * 0x9e3779b97f4a7c15ull >> 40) & (kNumMemo - 1);
    const Term* t = num_memo[j];
    if (t && t->imm == v) return t;
    t = intern(TermOp::NUM, nullptr, nullptr, nullptr, v);
    num_memo[j] = t;
    return t;
}
const Term* term_bool(bool v) { return intern(TermOp::BOOL_NUM, nullptr, nullptr, nullptr, v ? 1 : 0); }

const Term* term_param(const std::string& name, bool is_bool) {
    Table& tb = table();
    size_t i = 0;
    while (i < tb.param_names.size() && tb.param_names[i] != name) ++i;
    if (i == tb.param_names.size()) {
        tb.param_names.push_back(name);
        tb.param_values.push_back(0);
        tb.param_set.push_back(false);
    }
    return intern(is_bool ? TermOp::BOOL_PARAM : TermOp::PARAM, nullptr, nullptr, nullptr, i);
}

const Term* term_mk(TermOp op, const Term* a, const Term* b, const Term* c) {
    MkMemo& m = mk_memo[memo_slot(op, a, b, c)];
    if (m.result && m.op == op && m.a == a && m.b == b && m.c == c) return m.result;
    const Term* r = term_mk_uncached(op, a, b, c);
    m = MkMemo{a, b, c, r, op};
    return r;
}

const Term* term_mk_uncached(TermOp op, const Term* a, const Term* b, const Term* c) {
    if (a->is_num() && (!b || b->is_num()) && (!c || c->is_num())) {
        const std::uint64_t v = term_apply(op, a->imm, b ? b->imm : 0, c ? c->imm : 0);
        return op >= TermOp::BOOL_NUM ? term_bool(v != 0) : term_num(v);
    }
    if (commutative(op) && (a->is_num() || (!b->is_num() && b->id < a->id))) std::swap(a, b);  // constants right
    if (const Term* r = rewrite(op, a, b, c)) return r;
    return intern(op, a, b, c, 0);
}

void term_set_log2(const Term* t, const Term* log2) {
    if (!t->is_num() && !t->log2) t->log2 = log2;
}

const std::vector<std::string>& term_param_names() { return table().param_names; }

void term_set_valuation(const std::unordered_map<std::string, std::uint64_t>& values) {
    Table& tb = table();
    for (size_t i = 0; i < tb.param_names.size(); ++i) {
        const auto it = values.find(tb.param_names[i]);
        tb.param_set[i] = it != values.end();
        tb.param_values[i] = it != values.end() ? it->second : 0;
    }
    if (++tb.epoch == 0) {  // wrapped: every memo could look current
        for (Term& t : tb.nodes) t.epoch = 0;
        tb.epoch = 1;
    }
}

std::uint64_t term_eval(const Term* t) {
    Table& tb = table();
    if (t->epoch == tb.epoch) return t->value;
    std::uint64_t v;
    switch (t->op) {
    case TermOp::NUM: case TermOp::BOOL_NUM: v = t->imm; break;
    case TermOp::PARAM: case TermOp::BOOL_PARAM:
        if (!tb.param_set[t->imm])
            throw std::logic_error(fmt::format("term_eval: parameter '{}' has no value", tb.param_names[t->imm]));
        v = tb.param_values[t->imm];
        if (t->op == TermOp::BOOL_PARAM) v = v != 0;
        break;
    case TermOp::ITE: v = term_eval(t->a) ? term_eval(t->b) : term_eval(t->c); break;
    case TermOp::LAND: v = term_eval(t->a) && term_eval(t->b); break;
    case TermOp::LOR: v = term_eval(t->a) || term_eval(t->b); break;
    default: v = term_apply(t->op, term_eval(t->a), t->b ? term_eval(t->b) : 0, 0);
    }
    t->value = v;
    t->epoch = tb.epoch;
    return v;
}

z3::expr term_to_z3(z3::context& c, const Term* t, std::unordered_map<const Term*, z3::expr>& memo) {
    if (auto it = memo.find(t); it != memo.end()) return it->second;
    using O = TermOp;
    auto sub = [&](const Term* x) { return term_to_z3(c, x, memo); };
    z3::expr e(c);
    switch (t->op) {
    case O::NUM: e = c.bv_val(t->imm, 64); break;
    case O::BOOL_NUM: e = c.bool_val(t->imm != 0); break;
    case O::PARAM: e = c.bv_const(table().param_names[t->imm].c_str(), 64); break;
    case O::BOOL_PARAM: e = c.bool_const(table().param_names[t->imm].c_str()); break;
    case O::ADD: e = sub(t->a) + sub(t->b); break;
    case O::MUL: e = sub(t->a) * sub(t->b); break;
    case O::UDIV: e = z3::udiv(sub(t->a), sub(t->b)); break;
    case O::UREM: e = z3::urem(sub(t->a), sub(t->b)); break;
    case O::AND: e = sub(t->a) & sub(t->b); break;
    case O::OR: e = sub(t->a) | sub(t->b); break;
    case O::XOR: e = sub(t->a) ^ sub(t->b); break;
    case O::SHL: e = z3::shl(sub(t->a), sub(t->b)); break;
    case O::LSHR: e = z3::lshr(sub(t->a), sub(t->b)); break;
    case O::BNOT: e = ~sub(t->a); break;
    case O::NEG: e = -sub(t->a); break;
    case O::ITE: e = z3::ite(sub(t->a), sub(t->b), sub(t->c)); break;
    case O::EQ: e = sub(t->a) == sub(t->b); break;
    case O::ULT: e = z3::ult(sub(t->a), sub(t->b)); break;
    case O::ULE: e = z3::ule(sub(t->a), sub(t->b)); break;
    case O::NOT: e = !sub(t->a); break;
    case O::LAND: e = sub(t->a) && sub(t->b); break;
    case O::LOR: e = sub(t->a) || sub(t->b); break;
    }
    memo.emplace(t, e);
    return e;
}

const Term* term_from_z3(const z3::expr& e) {
    using O = TermOp;
    if (e.is_bool()) {
        if (e.is_true()) return term_bool(true);
        if (e.is_false()) return term_bool(false);
    } else if (!e.is_bv() || e.get_sort().bv_size() != 64) {
        throw std::logic_error(fmt::format("symbolic term of an unsupported sort: {}", e.to_string()));
    }
    std::uint64_t v = 0;
    if (e.is_numeral_u64(v)) return term_num(v);
    if (!e.is_app()) throw std::logic_error(fmt::format("symbolic term not supported: {}", e.to_string()));
    const z3::func_decl d = e.decl();
    if (d.decl_kind() == Z3_OP_UNINTERPRETED && e.num_args() == 0) return term_param(d.name().str(), e.is_bool());
    std::vector<const Term*> args;
    for (unsigned i = 0; i < e.num_args(); ++i) args.push_back(term_from_z3(e.arg(i)));
    auto fold = [&](O op) {  // n-ary, left to right
        const Term* r = args.at(0);
        for (size_t i = 1; i < args.size(); ++i) r = term_mk(op, r, args[i]);
        return r;
    };
    switch (d.decl_kind()) {
    case Z3_OP_BADD: return fold(O::ADD);
    case Z3_OP_BSUB: return term_mk(O::ADD, args.at(0), term_mk(O::NEG, args.at(1)));
    case Z3_OP_BMUL: return fold(O::MUL);
    case Z3_OP_BUDIV: case Z3_OP_BUDIV_I: return term_mk(O::UDIV, args.at(0), args.at(1));
    case Z3_OP_BUREM: case Z3_OP_BUREM_I: return term_mk(O::UREM, args.at(0), args.at(1));
    case Z3_OP_BAND: return fold(O::AND);
    case Z3_OP_BOR: return fold(O::OR);
    case Z3_OP_BXOR: return fold(O::XOR);
    case Z3_OP_BSHL: return term_mk(O::SHL, args.at(0), args.at(1));
    case Z3_OP_BLSHR: return term_mk(O::LSHR, args.at(0), args.at(1));
    case Z3_OP_BNOT: return term_mk(O::BNOT, args.at(0));
    case Z3_OP_BNEG: return term_mk(O::NEG, args.at(0));
    case Z3_OP_ITE: return term_mk(O::ITE, args.at(0), args.at(1), args.at(2));
    case Z3_OP_EQ: case Z3_OP_IFF:
        if (args.at(0)->is_bool())  // Boolean equality: (a && b) || (!a && !b)
            return term_mk(O::LOR, term_mk(O::LAND, args[0], args[1]),
                           term_mk(O::LAND, term_mk(O::NOT, args[0]), term_mk(O::NOT, args[1])));
        return term_mk(O::EQ, args.at(0), args.at(1));
    case Z3_OP_DISTINCT:
        if (args.size() != 2 || args[0]->is_bool()) break;
        return term_mk(O::NOT, term_mk(O::EQ, args[0], args[1]));
    case Z3_OP_ULT: return term_mk(O::ULT, args.at(0), args.at(1));
    case Z3_OP_ULEQ: return term_mk(O::ULE, args.at(0), args.at(1));
    case Z3_OP_UGT: return term_mk(O::ULT, args.at(1), args.at(0));
    case Z3_OP_UGEQ: return term_mk(O::ULE, args.at(1), args.at(0));
    case Z3_OP_NOT: return term_mk(O::NOT, args.at(0));
    case Z3_OP_AND: return fold(O::LAND);
    case Z3_OP_OR: return fold(O::LOR);
    default: break;
    }
    throw std::logic_error(fmt::format("symbolic term not supported: {}", e.to_string()));
}

size_t term_count() { return table().nodes.size(); }

}  // namespace hp::symbolic
