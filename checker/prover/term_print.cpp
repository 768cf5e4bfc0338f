#include "checker/prover/term_print.hpp"

#include <fmt/format.h>

namespace hp::prover {

using symbolic::Term;
using O = symbolic::TermOp;

namespace {
// The prover's parameter names (SymbolicGeometry) as the kernel spells them.
std::string kernel_name(const std::string& param) {
    static const std::unordered_map<std::string, std::string> k{
        {"page_shift", "PAGE_SHIFT"},           {"section_bits", "SECTION_SIZE_BITS"},
        {"spb_log", "log2(sections_per_block)"}, {"pageblock_order", "pageblock_order"},
        {"pmd_bits", "PMD_SHIFT"},              {"struct_page", "sizeof(struct page)"}};
    const auto it = k.find(param);
    return it == k.end() ? param : it->second;
}
}  // namespace

void TermPrinter::name(const Term* t, std::string n) {
    if (t && !t->is_num()) names_.emplace(t, std::move(n));
}

std::string TermPrinter::number(std::uint64_t v) {
    return v < 4096 ? fmt::format("{}", v) : fmt::format("{:#x}", v);
}

std::string TermPrinter::operator()(const Term* t) const { return print(t, true); }

std::string TermPrinter::print(const Term* t, bool top) const {
    if (const auto it = names_.find(t); it != names_.end()) return it->second;
    auto p = [&](const Term* x) { return print(x, false); };
    auto wrap = [&](std::string s) { return top ? s : "(" + s + ")"; };
    switch (t->op) {
    case O::NUM: return number(t->imm);
    case O::BOOL_NUM: return t->imm ? "true" : "false";
    case O::PARAM: case O::BOOL_PARAM: return kernel_name(symbolic::term_param_names()[t->imm]);
    case O::ADD:
        if (t->b->op == O::NUM && (t->b->imm >> 63)) return wrap(p(t->a) + " - " + number(~t->b->imm + 1));
        if (t->b->op == O::NEG) return wrap(p(t->a) + " - " + p(t->b->a));
        if (t->a->op == O::NEG) return wrap(p(t->b) + " - " + p(t->a->a));
        return wrap(p(t->a) + " + " + p(t->b));
    case O::MUL: return wrap(p(t->a) + " * " + p(t->b));
    case O::UDIV: return wrap(p(t->a) + " / " + p(t->b));
    case O::UREM: return wrap(p(t->a) + " % " + p(t->b));
    case O::AND:  // a store into a u8/u16/u32 field: C's cast says it shorter than the mask
        if (t->b->op == O::NUM && (t->b->imm == 0xff || t->b->imm == 0xffff || t->b->imm == 0xffffffff))
            return fmt::format("(u{}){}", t->b->imm == 0xff ? 8 : t->b->imm == 0xffff ? 16 : 32, p(t->a));
        return wrap(p(t->a) + " & " + p(t->b));
    case O::OR: return wrap(p(t->a) + " | " + p(t->b));
    case O::XOR: return wrap(p(t->a) + " ^ " + p(t->b));
    case O::SHL:
        if (t->a->op == O::NUM && t->a->imm == 1) return "2^" + p(t->b);
        return wrap(p(t->a) + " << " + p(t->b));
    case O::LSHR: return wrap(p(t->a) + " >> " + p(t->b));
    case O::BNOT: return "~" + p(t->a);
    case O::NEG: return "-" + p(t->a);
    case O::ITE: return wrap(p(t->a) + " ? " + p(t->b) + " : " + p(t->c));
    case O::EQ: return wrap(p(t->a) + " == " + p(t->b));
    case O::ULT: return wrap(p(t->a) + " < " + p(t->b));
    case O::ULE: return wrap(p(t->a) + " <= " + p(t->b));
    case O::NOT:
        if (t->a->op == O::EQ) return wrap(p(t->a->a) + " != " + p(t->a->b));
        return "!" + p(t->a);
    case O::LAND: return wrap(p(t->a) + " && " + p(t->b));
    case O::LOR: return wrap(p(t->a) + " || " + p(t->b));
    }
    return "?";
}

}  // namespace hp::prover
