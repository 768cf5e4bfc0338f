// Terms of the symbolic model (spec/symbolic/term.hpp) printed in kernel terms: the geometry
// parameters as the kernel's constants (PAGE_SHIFT, SECTION_SIZE_BITS, ...), the machine's
// sizes and DIMM start pfns by name, and infix C operators. What `prove --print-invariant`
// shows a reviewer.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include "spec/symbolic/term.hpp"

namespace hp::prover {

class TermPrinter {
public:
    // A term printed as `name` wherever it occurs (a geometry size, a DIMM's start pfn).
    void name(const symbolic::Term* t, std::string n);
    std::string operator()(const symbolic::Term* t) const;
    static std::string number(std::uint64_t v);

private:
    std::string print(const symbolic::Term* t, bool top) const;
    std::unordered_map<const symbolic::Term*, std::string> names_;
};

}  // namespace hp::prover
