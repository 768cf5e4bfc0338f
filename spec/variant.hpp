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
    // Boot (spec/boot.hpp): setup_arch() switches memblock bottom-up under movable_node
    // (the 3.13 series, seed 003). false: always top-down, the behaviour before it.
    bool memblock_bottom_up_for_movable_node = true;
    // find_zone_movable_pfns_for_nodes() ignores kernelcore=mirror when no memory is mirrored
    // (memblock_has_mirror(), 0db31d63f27e "mm: disable kernelcore=mirror when no mirror
    // memory", 6.6). Before it every non-mirrored region above 4 GiB became ZONE_MOVABLE.
    // A variant takes its parent's value (spec/variants/registry.cpp).
    bool kernelcore_mirror_needs_mirrored_memory = false;
};

const std::vector<Variant>& all_variants();
const Variant* find_variant(const std::string& name);

}  // namespace hp::HP_DOMAIN
