// A kernel return code as traces and reports print it: "0" or "-EBUSY".
#pragma once
#include <string>

#include "spec/names.hpp"

namespace hp {

inline std::string rc_name(int rc) { return rc == 0 ? "0" : "-" + std::string(errno_name(rc)); }

}  // namespace hp
