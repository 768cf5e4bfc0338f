// The kernel command line that boots a real kernel into the model's machine parameters
// (memmap_on_memory, movable_node, auto-online type): shared by the email report and the
// reproducer so both say the same thing.
#pragma once
#include <string>

#include "spec/machine.hpp"

namespace hp {

std::string kernel_command_line(const Machine& m);

}  // namespace hp
