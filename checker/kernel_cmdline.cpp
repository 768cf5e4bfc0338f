#include "checker/kernel_cmdline.hpp"

#include <fmt/format.h>

namespace hp {

std::string kernel_command_line(const Machine& m) {
    return fmt::format("memhp_default_state={} memory_hotplug.memmap_on_memory={}{}",
                       m.params.default_online_type == MMOP_OFFLINE ? "offline" : online_type_name(m.params.default_online_type),
                       m.params.memmap_on_memory == MemmapMode::DISABLE ? 0 : 1, m.params.movable_node ? " movable_node" : "");
}

}  // namespace hp
