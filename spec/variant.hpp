// A variant is a named, documented version of the kernel model: a kernel release, a
// design from a review thread, or a historical bug. It is the parent's table of kernel
// functions with the functions its patch changes replaced (spec/variants/*.cpp).
#pragma once
#include <string>
#include <vector>

#include "spec/kernel.hpp"

namespace hp::HP_DOMAIN {

struct Variant {
    std::string name;
    std::string parent;       // "" for the baseline
    std::string source;       // kernel version / commit id and title / review thread
    std::string description;  // one paragraph
    KernelOps ops;
};

const std::vector<Variant>& all_variants();
const Variant* find_variant(const std::string& name);

}  // namespace hp::HP_DOMAIN
