// Small file helpers shared by the matcher's loaders.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "oversight/common/status.h"

namespace oversight::matcher::internal {

// Reads a whole regular file. NotFound if it does not exist; ResourceExhausted above
// `max_bytes` (a guard against being pointed at something huge).
StatusOr<std::vector<std::uint8_t>> ReadWholeFile(const std::string& path,
                                                  std::uint64_t max_bytes = 64u << 20);

}  // namespace oversight::matcher::internal
