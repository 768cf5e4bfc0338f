// The kernel's enumerations, with the kernel's spelling, shared by model and reporters.
#pragma once
#include <cstdint>
#include <cerrno>
#include <string_view>

namespace hp {

// enum zone_type (x86_64 / arm64 order; ZONE_DEVICE is not modelled).
enum ZoneIdx : std::uint8_t { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, MAX_NR_ZONES };
// ZONE_DEVICE is kept out of nodes[].zones[] (KernelState::dev_zone holds its span); kernel
// functions taking a zone index are passed this for it (spec/ops/subsection.cpp).
inline constexpr unsigned ZONE_DEVICE_IDX = MAX_NR_ZONES;
inline constexpr std::uint8_t NO_ZONE = 0xf;  // mem->zone == NULL
std::string_view zone_name(unsigned z);        // "DMA", "DMA32", "Normal", "Movable" as /proc/zoneinfo

// Memory block state as shown in sysfs; BLOCK_ABSENT = no memory block device.
enum BlockStateKind : std::uint8_t { BLOCK_ABSENT, MEM_OFFLINE, MEM_ONLINE };
std::string_view block_state_name(unsigned s);  // "absent", "offline", "online"

// MMOP_* online types (include/linux/memory_hotplug.h).
enum OnlineType : std::uint8_t { MMOP_OFFLINE, MMOP_ONLINE, MMOP_ONLINE_KERNEL, MMOP_ONLINE_MOVABLE };
std::string_view online_type_name(unsigned t);  // "offline", "online", "online_kernel", "online_movable"

// memory_hotplug.memmap_on_memory (bool before 6.6, "force" since 6.6).
enum class MemmapMode : std::uint8_t { DISABLE, ENABLE, FORCE };

// memory_hotplug.online_policy: where MMOP_ONLINE ("online") puts a block.
enum class OnlinePolicy : std::uint8_t { CONTIG_ZONES, AUTO_MOVABLE };

// Kernel errnos: Linux's userspace <cerrno> has the kernel's numbers (EINVAL 22, EBUSY 16,
// ...). Kernel paths return 0 or -errno, like the kernel.
std::string_view errno_name(int negative_or_positive_errno);  // "EINVAL", "0" for success

}  // namespace hp
