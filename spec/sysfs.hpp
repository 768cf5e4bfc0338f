// What userspace reads back: /sys/devices/system/memory/memoryN/valid_zones.
#pragma once
#include <string>

#include "spec/kernel.hpp"

namespace hp {

// valid_zones_show() (drivers/base/memory.c, 6.1): the block's zone when online ("none"
// if it spans zones), otherwise the default zone followed by the other allowed ones.
std::string valid_zones(const Machine& m, const KernelOps& ops, const KernelState& s, unsigned block);

}  // namespace hp
