// An allocator for the visited set's large tables: blocks of 2 MiB or more are aligned to
// 2 MiB and marked MADV_HUGEPAGE, so that random lookups over hundreds of megabytes miss
// the TLB far less often (transparent huge pages are "madvise" on Debian by default).
// Smaller blocks come from the ordinary heap.
#pragma once
#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace hp {

template <class T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr std::size_t kHuge = std::size_t{2} << 20;
    HugePageAllocator() = default;
    template <class U>
    HugePageAllocator(const HugePageAllocator<U>&) {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHuge) return std::allocator<T>{}.allocate(n);
        void* p = std::aligned_alloc(kHuge, (bytes + kHuge - 1) / kHuge * kHuge);
        if (!p) throw std::bad_alloc();
        madvise(p, bytes, MADV_HUGEPAGE);  // advice only: a refusal changes nothing but speed
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) {
        if (n * sizeof(T) < kHuge) return std::allocator<T>{}.deallocate(p, n);
        std::free(p);
    }
    template <class U>
    bool operator==(const HugePageAllocator<U>&) const { return true; }
};

}  // namespace hp
