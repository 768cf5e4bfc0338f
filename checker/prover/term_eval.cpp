#include "checker/prover/term_eval.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <unordered_map>

namespace hp::prover {

enum class TermProgram::Op : std::uint8_t {
    NUM, PARAM, Z3,  // leaves (Z3: evaluated by Z3, see eval_by_z3)
    TRUE, FALSE, NOT, AND, OR, XOR, IMPLIES, EQ, DISTINCT, ITE,
    ADD, SUB, NEG, MUL, UDIV, UREM, SHL, LSHR, ASHR, BAND, BOR, BXOR, BNOT,
    ULE, ULT, UGE, UGT, SLE, SLT, SGE, SGT, EXTRACT, CONCAT, ZEXT, SEXT,
};

namespace {
std::uint64_t mask(unsigned width) { return width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1; }
// Two's complement value of the low `width` bits.
std::int64_t as_signed(std::uint64_t v, unsigned width) {
    if (width >= 64) return static_cast<std::int64_t>(v);
    const std::uint64_t sign = std::uint64_t{1} << (width - 1);
    return static_cast<std::int64_t>((v ^ sign) - sign);
}
}  // namespace

TermProgram::TermProgram(z3::context& c, std::vector<z3::expr> params) : c_(c), params_(std::move(params)) {
    param_values_.assign(params_.size(), 0);
}

unsigned TermProgram::add(const z3::expr& e) { return compile(e); }

void TermProgram::at(const std::vector<std::uint64_t>& values) {
    if (values.size() != params_.size()) throw std::logic_error("TermProgram::at: wrong number of parameter values");
    param_values_ = values;
    if (++generation_ == 0) {  // wrapped: every stamp could look current
        std::fill(stamp_.begin(), stamp_.end(), 0);
        generation_ = 1;
    }
}

std::uint64_t TermProgram::value(unsigned handle) { return eval(handle); }

unsigned TermProgram::compile(const z3::expr& e) {
    const unsigned id = e.id();
    if (id < index_of_ast_.size() && index_of_ast_[id]) return index_of_ast_[id] - 1;

    Node node{};
    node.width = e.is_bool() ? 1 : e.get_sort().bv_size();
    auto leaf_by_z3 = [&] {
        node.op = Op::Z3;
        node.fallback = static_cast<int>(fallback_.size());
        fallback_.push_back(e);
    };
    std::vector<unsigned> kids;
    if (!e.is_bool() && !e.is_bv()) throw std::logic_error("TermProgram: a term that is neither Boolean nor a bit-vector");
    if (node.width > 64) {
        leaf_by_z3();
    } else if (e.is_numeral()) {
        node.op = Op::NUM;
        if (!e.is_numeral_u64(node.imm)) leaf_by_z3();
    } else if (e.is_app()) {
        const z3::func_decl d = e.decl();
        bool known = true;
        switch (d.decl_kind()) {
        case Z3_OP_TRUE: node.op = Op::TRUE; break;
        case Z3_OP_FALSE: node.op = Op::FALSE; break;
        case Z3_OP_NOT: node.op = Op::NOT; break;
        case Z3_OP_AND: node.op = Op::AND; break;
        case Z3_OP_OR: node.op = Op::OR; break;
        case Z3_OP_XOR: node.op = Op::XOR; break;
        case Z3_OP_IMPLIES: node.op = Op::IMPLIES; break;
        case Z3_OP_EQ: case Z3_OP_IFF: node.op = Op::EQ; break;
        case Z3_OP_DISTINCT: node.op = Op::DISTINCT; break;
        case Z3_OP_ITE: node.op = Op::ITE; break;
        case Z3_OP_BADD: node.op = Op::ADD; break;
        case Z3_OP_BSUB: node.op = Op::SUB; break;
        case Z3_OP_BNEG: node.op = Op::NEG; break;
        case Z3_OP_BMUL: node.op = Op::MUL; break;
        case Z3_OP_BUDIV: case Z3_OP_BUDIV_I: node.op = Op::UDIV; break;
        case Z3_OP_BUREM: case Z3_OP_BUREM_I: node.op = Op::UREM; break;
        case Z3_OP_BSHL: node.op = Op::SHL; break;
        case Z3_OP_BLSHR: node.op = Op::LSHR; break;
        case Z3_OP_BASHR: node.op = Op::ASHR; break;
        case Z3_OP_BAND: node.op = Op::BAND; break;
        case Z3_OP_BOR: node.op = Op::BOR; break;
        case Z3_OP_BXOR: node.op = Op::BXOR; break;
        case Z3_OP_BNOT: node.op = Op::BNOT; break;
        case Z3_OP_ULEQ: node.op = Op::ULE; break;
        case Z3_OP_ULT: node.op = Op::ULT; break;
        case Z3_OP_UGEQ: node.op = Op::UGE; break;
        case Z3_OP_UGT: node.op = Op::UGT; break;
        case Z3_OP_SLEQ: node.op = Op::SLE; break;
        case Z3_OP_SLT: node.op = Op::SLT; break;
        case Z3_OP_SGEQ: node.op = Op::SGE; break;
        case Z3_OP_SGT: node.op = Op::SGT; break;
        case Z3_OP_EXTRACT:
            node.op = Op::EXTRACT;
            node.imm = static_cast<unsigned>(Z3_get_decl_int_parameter(c_, d, 1));  // low bit
            break;
        case Z3_OP_CONCAT: node.op = Op::CONCAT; break;
        case Z3_OP_ZERO_EXT: node.op = Op::ZEXT; break;
        case Z3_OP_SIGN_EXT: node.op = Op::SEXT; break;
        case Z3_OP_UNINTERPRETED:
            known = false;
            if (e.num_args() == 0)
                for (size_t i = 0; i < params_.size(); ++i)
                    if (params_[i].is_const() && !params_[i].is_numeral() && z3::eq(params_[i], e)) {
                        node.op = Op::PARAM;
                        node.imm = i;
                        known = true;
                    }
            break;
        default: known = false;
        }
        if (!known) {
            leaf_by_z3();
        } else if (node.op != Op::PARAM) {
            for (unsigned i = 0; i < e.num_args(); ++i) {
                const z3::expr a = e.arg(i);
                if (!a.is_bool() && (!a.is_bv() || a.get_sort().bv_size() > 64)) {  // e.g. a 128-bit concat operand
                    kids.clear();
                    leaf_by_z3();
                    break;
                }
                kids.push_back(compile(a));
            }
        }
    } else {
        leaf_by_z3();  // quantifiers and variables do not occur in the model's terms
    }
    node.first = static_cast<unsigned>(args_.size());
    node.count = static_cast<unsigned>(kids.size());
    if (node.op == Op::PARAM) node.support = 1u << node.imm;
    else if (node.op == Op::Z3) node.support = (1u << params_.size()) - 1;
    for (unsigned k : kids) node.support |= nodes_[k].support;
    args_.insert(args_.end(), kids.begin(), kids.end());
    const unsigned n = static_cast<unsigned>(nodes_.size());
    nodes_.push_back(node);
    memo_.push_back(0);
    stamp_.push_back(0);
    if (id >= index_of_ast_.size()) index_of_ast_.resize(id + 1, 0);
    index_of_ast_[id] = n + 1;
    compiled_.push_back(e);
    return n;
}

std::uint64_t TermProgram::eval_by_z3(const Node& node) {
    z3::expr_vector from(c_), to(c_);
    for (size_t i = 0; i < params_.size(); ++i)
        if (!params_[i].is_numeral()) {
            from.push_back(params_[i]);
            to.push_back(c_.bv_val(param_values_[i], params_[i].get_sort().bv_size()));
        }
    z3::expr e = fallback_[node.fallback];
    const z3::expr v = e.substitute(from, to).simplify();
    if (v.is_true()) return 1;
    if (v.is_false()) return 0;
    std::uint64_t out = 0;
    if (!v.is_numeral_u64(out))
        throw std::logic_error("TermProgram: Z3 does not fold a term to a number at a concrete geometry");
    return out;
}

std::uint64_t TermProgram::eval(unsigned n) {
    if (stamp_[n] == generation_) return memo_[n];
    const Node& node = nodes_[n];
    const unsigned* a = args_.data() + node.first;
    auto arg = [&](unsigned i) { return eval(a[i]); };
    const std::uint64_t m = mask(node.width);
    std::uint64_t v = 0;
    switch (node.op) {
    case Op::NUM: v = node.imm; break;
    case Op::PARAM: v = param_values_[node.imm]; break;
    case Op::Z3: v = eval_by_z3(node); break;
    case Op::TRUE: v = 1; break;
    case Op::FALSE: v = 0; break;
    case Op::NOT: v = !arg(0); break;
    case Op::AND:  // short-circuit: the class sweep's main saving
        v = 1;
        for (unsigned i = 0; i < node.count && v; ++i) v = arg(i);
        break;
    case Op::OR:
        v = 0;
        for (unsigned i = 0; i < node.count && !v; ++i) v = arg(i);
        break;
    case Op::XOR:
        for (unsigned i = 0; i < node.count; ++i) v ^= arg(i);
        break;
    case Op::IMPLIES: v = !arg(0) || arg(1); break;
    case Op::EQ: v = arg(0) == arg(1); break;
    case Op::DISTINCT: {
        v = 1;
        for (unsigned i = 0; i < node.count && v; ++i)
            for (unsigned j = i + 1; j < node.count && v; ++j) v = arg(i) != arg(j);
        break;
    }
    case Op::ITE: v = arg(0) ? arg(1) : arg(2); break;
    case Op::ADD:
        for (unsigned i = 0; i < node.count; ++i) v += arg(i);
        break;
    case Op::SUB:
        v = arg(0);
        for (unsigned i = 1; i < node.count; ++i) v -= arg(i);
        break;
    case Op::NEG: v = 0 - arg(0); break;
    case Op::MUL:
        v = 1;
        for (unsigned i = 0; i < node.count; ++i) v = (v * arg(i)) & m;
        break;
    case Op::UDIV: {
        const std::uint64_t x = arg(0), y = arg(1);
        v = y == 0 ? m : x / y;  // SMT-LIB: bvudiv x 0 = all ones
        break;
    }
    case Op::UREM: {
        const std::uint64_t x = arg(0), y = arg(1);
        v = y == 0 ? x : x % y;  // SMT-LIB: bvurem x 0 = x
        break;
    }
    case Op::SHL: {
        const std::uint64_t x = arg(0), s = arg(1);
        v = s >= node.width ? 0 : x << s;
        break;
    }
    case Op::LSHR: {
        const std::uint64_t x = arg(0), s = arg(1);
        v = s >= node.width ? 0 : x >> s;
        break;
    }
    case Op::ASHR: {
        const std::int64_t x = as_signed(arg(0), node.width);
        const std::uint64_t s = arg(1);
        v = static_cast<std::uint64_t>(s >= node.width ? (x < 0 ? -1 : 0) : x >> s);
        break;
    }
    case Op::BAND:
        v = m;
        for (unsigned i = 0; i < node.count; ++i) v &= arg(i);
        break;
    case Op::BOR:
        for (unsigned i = 0; i < node.count; ++i) v |= arg(i);
        break;
    case Op::BXOR:
        for (unsigned i = 0; i < node.count; ++i) v ^= arg(i);
        break;
    case Op::BNOT: v = ~arg(0); break;
    case Op::ULE: v = arg(0) <= arg(1); break;
    case Op::ULT: v = arg(0) < arg(1); break;
    case Op::UGE: v = arg(0) >= arg(1); break;
    case Op::UGT: v = arg(0) > arg(1); break;
    case Op::SLE: case Op::SLT: case Op::SGE: case Op::SGT: {
        const unsigned w = nodes_[a[0]].width;
        const std::int64_t x = as_signed(arg(0), w), y = as_signed(arg(1), w);
        v = node.op == Op::SLE ? x <= y : node.op == Op::SLT ? x < y : node.op == Op::SGE ? x >= y : x > y;
        break;
    }
    case Op::EXTRACT: v = arg(0) >> node.imm; break;
    case Op::CONCAT:  // widths add up to at most 64 (compile() checked the result)
        for (unsigned i = 0; i < node.count; ++i) {
            const unsigned w = nodes_[a[i]].width;
            v = (w >= 64 ? 0 : v << w) | arg(i);
        }
        break;
    case Op::ZEXT: v = arg(0); break;
    case Op::SEXT: v = static_cast<std::uint64_t>(as_signed(arg(0), nodes_[a[0]].width)); break;
    }
    v &= m;
    memo_[n] = v;
    stamp_[n] = generation_;
    return v;
}

// (term_eval.hpp) A class has thousands of literals, but each depends on a few of the
// six parameters: literals are grouped by the parameters they depend on, and a group's
// answer is kept per value of those parameters, so most geometries cost a few lookups, not
// thousands of evaluations. Within a group, the literal that failed last is tried first.
void remove_where_all_hold(std::vector<std::vector<std::uint64_t>>& remaining, TermProgram& prog,
                           const std::vector<z3::expr>& literals) {
    struct Group {
        std::uint32_t support;
        std::vector<unsigned> handles;
        std::unordered_map<std::uint64_t, bool> holds;  // by the values of the support's parameters
    };
    std::vector<Group> groups;
    for (const z3::expr& l : literals) {
        const unsigned h = prog.add(l);
        const std::uint32_t sup = prog.support(h);
        auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.support == sup; });
        if (it == groups.end()) it = groups.insert(groups.end(), Group{sup, {}, {}});
        it->handles.push_back(h);
    }
    // fewer parameters first: their answers are shared by the most geometries
    std::stable_sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) {
        return std::popcount(x.support) < std::popcount(y.support);
    });
    auto key_of = [](const std::vector<std::uint64_t>& g, std::uint32_t support) {
        std::uint64_t key = 0;
        for (size_t i = 0; i < g.size(); ++i)
            if (support & (1u << i)) key = key * 1024 + g[i];  // every parameter is below 1024
        return key;
    };
    size_t keep = 0;
    for (size_t gi = 0; gi < remaining.size(); ++gi) {
        const std::vector<std::uint64_t>& g = remaining[gi];
        bool evaluated_here = false, covered = true;
        for (Group& grp : groups) {
            const std::uint64_t key = key_of(g, grp.support);
            auto known = grp.holds.find(key);
            if (known == grp.holds.end()) {
                if (!evaluated_here) prog.at(g);
                evaluated_here = true;
                bool all = true;
                for (size_t li = 0; li < grp.handles.size(); ++li)
                    if (!prog.value(grp.handles[li])) {
                        std::rotate(grp.handles.begin(), grp.handles.begin() + static_cast<std::ptrdiff_t>(li),
                                    grp.handles.begin() + static_cast<std::ptrdiff_t>(li) + 1);
                        all = false;
                        break;
                    }
                known = grp.holds.emplace(key, all).first;
            }
            if (!known->second) {
                covered = false;
                break;
            }
        }
        if (!covered) {
            if (keep != gi) remaining[keep] = std::move(remaining[gi]);  // a self-move would empty it
            ++keep;
        }
    }
    remaining.resize(keep);
}

}  // namespace hp::prover
