// One constructor per variant file; registry.cpp lists them in order.
#pragma once
#include "spec/variant.hpp"

namespace hp::variants {
Variant v6_1();
}  // namespace hp::variants
