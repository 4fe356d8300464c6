#include "oversight/common/encoding.h"

#include <array>

namespace oversight {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<std::int8_t, 256> MakeB64Table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kB64[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kB64Table = MakeB64Table();

}  // namespace

std::string HexEncode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xf]);
  }
  return out;
}

StatusOr<std::vector<std::uint8_t>> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has odd length");
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]);
    int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("hex string has a non-hex character");
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

std::string Base64Encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], kB64[v & 63]};
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t v = bytes[i] << 16;
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], '=', '='};
  } else if (rest == 2) {
    std::uint32_t v = bytes[i] << 16 | bytes[i + 1] << 8;
    out += {kB64[v >> 18], kB64[(v >> 12) & 63], kB64[(v >> 6) & 63], '='};
  }
  return out;
}

namespace {

// Decodes the groups before the last (which alone may carry padding) into `out`, 3 bytes per
// 4 characters; false at the first character outside the alphabet. Images are megabytes of
// base64, so this loop is kept branch-light: one sign test per group.
bool DecodeFullGroups(std::string_view text, std::uint8_t* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i + 4 < text.size(); i += 4, out += 3) {
    const std::int32_t a = kB64Table[in[i]], b = kB64Table[in[i + 1]], c = kB64Table[in[i + 2]],
                       d = kB64Table[in[i + 3]];
    if ((a | b | c | d) < 0) return false;
    const auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
    out[0] = static_cast<std::uint8_t>(v >> 16);
    out[1] = static_cast<std::uint8_t>(v >> 8);
    out[2] = static_cast<std::uint8_t>(v);
  }
  return true;
}

}  // namespace

StatusOr<std::vector<std::uint8_t>> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  if (text.empty()) return std::vector<std::uint8_t>{};
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  if (!DecodeFullGroups(text, out.data())) {
    return Status::InvalidArgument("invalid base64 character or padding");
  }
  // The last group: '=' may fill its last one or two places only.
  const std::string_view last = text.substr(text.size() - 4);
  int pad = 0;
  std::uint32_t v = 0;
  for (std::size_t j = 0; j < 4; ++j) {
    if (last[j] == '=' && j >= 2) {
      ++pad;
      v <<= 6;
      continue;
    }
    const std::int8_t d = kB64Table[static_cast<unsigned char>(last[j])];
    if (d < 0 || pad > 0) return Status::InvalidArgument("invalid base64 character or padding");
    v = v << 6 | static_cast<std::uint32_t>(d);
  }
  // Canonical encoding: the bits hidden under padding must be zero.
  if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0)) {
    return Status::InvalidArgument("non-canonical base64 padding bits");
  }
  std::uint8_t* tail = out.data() + out.size() - 3;
  tail[0] = static_cast<std::uint8_t>(v >> 16);
  tail[1] = static_cast<std::uint8_t>(v >> 8);
  tail[2] = static_cast<std::uint8_t>(v);
  out.resize(out.size() - static_cast<std::size_t>(pad));
  return out;
}

}  // namespace oversight
