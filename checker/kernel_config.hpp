// What a user-built kernel needs for the conformance harness (conformance/: QEMU pc machine,
// ACPI DIMM hotplug, a busybox initramfs without modules, sysfs memory blocks): the CONFIG_
// options that must be built in, checked against the kernel's .config.
#pragma once
#include <string>
#include <vector>

namespace hp {

struct ConfigRequirement {
    const char* option;  // "CONFIG_MEMORY_HOTPLUG"
    const char* why;
};
const std::vector<ConfigRequirement>& harness_config_requirements();

struct ConfigCheck {
    std::vector<ConfigRequirement> missing;  // not "=y" in the .config
    std::string kernel_version;              // from the "# Linux/x86 6.1.192 Kernel Configuration" header, if any
};

// Throws std::runtime_error("<path>: cannot be read") when the file cannot be read.
ConfigCheck check_kernel_config(const std::string& config_path);

// A .config next to a kernel image in its build tree (arch/x86/boot/bzImage -> ../../../.config,
// vmlinux -> ./.config), or "" if none.
std::string find_config_for_image(const std::string& image);

}  // namespace hp
