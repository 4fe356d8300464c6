// Hex and base64 (RFC 4648 §4, standard alphabet, padded) encoding of byte strings.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"

namespace oversight {

std::string HexEncode(std::span<const std::uint8_t> bytes);  // lowercase
StatusOr<std::vector<std::uint8_t>> HexDecode(std::string_view hex);

std::string Base64Encode(std::span<const std::uint8_t> bytes);
// Strict: rejects characters outside the alphabet, bad padding and non-canonical trailing bits.
StatusOr<std::vector<std::uint8_t>> Base64Decode(std::string_view text);
// The same into `out`, which must hold text.size() / 4 * 3 bytes; returns the decoded size.
StatusOr<std::size_t> Base64DecodeInto(std::string_view text, std::span<std::uint8_t> out);

inline std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

}  // namespace oversight
