#include "checker/explore_backend.hpp"

namespace hp {

namespace {
const ExploreBackend* g_backend = nullptr;
}

void set_explore_backend(const ExploreBackend* b) { g_backend = b; }
const ExploreBackend* explore_backend() { return g_backend; }

}  // namespace hp
