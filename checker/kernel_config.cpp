#include "checker/kernel_config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace hp {

const std::vector<ConfigRequirement>& harness_config_requirements() {
    static const std::vector<ConfigRequirement> r{
        {"CONFIG_MEMORY_HOTPLUG", "add_memory() and the memory block devices"},
        {"CONFIG_MEMORY_HOTREMOVE", "offline_pages() and remove_memory() (offline, eject)"},
        {"CONFIG_SPARSEMEM_VMEMMAP", "the vmemmap the model's memmap is"},
        {"CONFIG_MHP_MEMMAP_ON_MEMORY", "memory_hotplug.memmap_on_memory=1"},
        {"CONFIG_MIGRATION", "offlining movable memory migrates pages"},
        // Found by the first run on a tinyconfig kernel: without it pageblock_order is
        // MAX_ORDER - 1 (1024 pages), mhp_supports_memmap_on_memory() refuses 128 MiB blocks
        // (126 MiB is not 4 MiB-aligned) and every managed count differs from the model's
        // x86_64 geometry (pageblocks of 512 pages = HUGETLB_PAGE_ORDER).
        {"CONFIG_HUGETLB_PAGE", "pageblock_order = HUGETLB_PAGE_ORDER (512 pages) as in the model's x86_64 geometry; "
                                "enable CONFIG_HUGETLBFS"},
        {"CONFIG_ACPI", "QEMU's pc-dimm is plugged through ACPI"},
        {"CONFIG_ACPI_HOTPLUG_MEMORY", "acpi_memory_device_add()/remove: DIMM plug and eject (built in: no modules)"},
        {"CONFIG_BLK_DEV_INITRD", "the busybox initramfs"},
        {"CONFIG_RD_GZIP", "the initramfs is gzip-compressed"},
        {"CONFIG_DEVTMPFS", "the guest init mounts devtmpfs"},
        {"CONFIG_PROC_FS", "/proc/zoneinfo"},
        {"CONFIG_SYSFS", "/sys/devices/system/memory"},
        {"CONFIG_SERIAL_8250", "the console and the control channel are serial ports"},
        {"CONFIG_SERIAL_8250_CONSOLE", "console=ttyS0"},
        {"CONFIG_BINFMT_ELF", "busybox"},
        {"CONFIG_BINFMT_SCRIPT", "the guest init is a shell script"},
    };
    return r;
}

ConfigCheck check_kernel_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot be read");
    std::set<std::string> yes;
    ConfigCheck c;
    std::string line;
    while (std::getline(in, line)) {
        const std::string head = "# Linux/";
        if (line.rfind(head, 0) == 0 && c.kernel_version.empty()) {
            const auto sp = line.find(' ', head.size());
            const auto end = line.find(' ', sp + 1);
            if (sp != std::string::npos) c.kernel_version = line.substr(sp + 1, end - sp - 1);
        }
        const auto eq = line.find('=');
        if (line.rfind("CONFIG_", 0) == 0 && eq != std::string::npos && line.substr(eq + 1) == "y")
            yes.insert(line.substr(0, eq));
    }
    for (const ConfigRequirement& r : harness_config_requirements())
        if (!yes.count(r.option)) c.missing.push_back(r);
    return c;
}

std::string find_config_for_image(const std::string& image) {
    const fs::path p = fs::absolute(image).parent_path();
    for (const fs::path& c : {p / ".config", p / ".." / ".." / ".." / ".config"}) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
    }
    return "";
}

}  // namespace hp
