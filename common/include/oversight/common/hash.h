// SHA-256 and HMAC-SHA-256 over byte strings (OpenSSL EVP underneath).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight {

using Hash256 = std::array<std::uint8_t, 32>;

Hash256 Sha256(std::span<const std::uint8_t> data);
Hash256 Sha256(std::string_view data);
// SHA-256(prefix || data) without copying: the RFC 6962 leaf and node hashes use it.
Hash256 Sha256Prefixed(std::uint8_t prefix, std::span<const std::uint8_t> data);
Hash256 Sha256Prefixed(std::uint8_t prefix, std::span<const std::uint8_t> a,
                       std::span<const std::uint8_t> b);

// SHA-256 of the bytes base64 `text` decodes to (Base64Decode's strict rules), decoded a
// cache-sized piece at a time: for a large payload of which only the digest is kept.
StatusOr<Hash256> Sha256OfBase64(std::string_view text, std::size_t* decoded_size);

Hash256 HmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data);

}  // namespace oversight
