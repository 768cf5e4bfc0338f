#include "spec/names.hpp"

#include <cstdlib>

namespace hp {

std::string_view zone_name(unsigned z) {
    switch (z) {
        case ZONE_DMA: return "DMA";
        case ZONE_DMA32: return "DMA32";
        case ZONE_NORMAL: return "Normal";
        case ZONE_MOVABLE: return "Movable";
        case ZONE_DEVICE_IDX: return "Device";
        default: return "none";
    }
}

std::string_view block_state_name(unsigned s) {
    switch (s) {
        case MEM_OFFLINE: return "offline";
        case MEM_ONLINE: return "online";
        default: return "absent";
    }
}

std::string_view online_type_name(unsigned t) {
    switch (t) {
        case MMOP_ONLINE: return "online";
        case MMOP_ONLINE_KERNEL: return "online_kernel";
        case MMOP_ONLINE_MOVABLE: return "online_movable";
        default: return "offline";
    }
}

std::string_view errno_name(int e) {
    switch (std::abs(e)) {
        case 0: return "0";
        case E2BIG: return "E2BIG";
        case ENOMEM: return "ENOMEM";
        case EBUSY: return "EBUSY";
        case EEXIST: return "EEXIST";
        case ENODEV: return "ENODEV";
        case EINVAL: return "EINVAL";
        case EHWPOISON: return "EHWPOISON";
        case EIO: return "EIO";      // soft_offline_page(): not an online page
        case ENXIO: return "ENXIO";  // soft_offline_page(): !pfn_valid()
        default: return "E?";
    }
}

}  // namespace hp
