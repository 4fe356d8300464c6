#include "oversight/common/encoding.h"

#include <array>
#include <cstdlib>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
// 4 characters, from `i` on; false at the first character outside the alphabet.
bool DecodeGroupsScalar(std::string_view text, std::size_t i, std::uint8_t* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  for (out += i / 4 * 3; i + 4 < text.size(); i += 4, out += 3) {
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

#if defined(__x86_64__)
// A search's probe is ~190 KB of base64, decoded on every request: 32 characters at a time
// with AVX2 (W. Muła and D. Lemire, "Faster Base64 Encoding and Decoding Using AVX2
// Instructions", 2018): classify each byte by its nibbles, add the offset that maps its
// range to 0..63, then pack four 6-bit values into three bytes. Each 32-character step stores
// 32 bytes of which 24 count, so the loop stops 32 + 12 characters short of the end and the
// scalar loop finishes. Returns where it stopped, or npos at a character outside the alphabet.
__attribute__((target("avx2"))) std::size_t DecodeGroupsAvx2(std::string_view text,
                                                             std::uint8_t* out) {
  const __m256i lut_lo =
      _mm256_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1A, 0x1B,
                       0x1B, 0x1B, 0x1A, 0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                       0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A);
  const __m256i lut_hi =
      _mm256_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10,
                       0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
  const __m256i lut_roll =
      _mm256_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 19, 4, -65,
                       -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m256i mask_2f = _mm256_set1_epi8(0x2f);
  const __m256i pack_bytes =
      _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0, 6, 5, 4, 10,
                       9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i pack_lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  std::size_t i = 0;
  for (; i + 44 <= text.size(); i += 32, out += 24) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + i));
    const __m256i hi_nibbles = _mm256_and_si256(_mm256_srli_epi32(v, 4), mask_2f);
    const __m256i lo_nibbles = _mm256_and_si256(v, mask_2f);
    const __m256i hi = _mm256_shuffle_epi8(lut_hi, hi_nibbles);
    const __m256i lo = _mm256_shuffle_epi8(lut_lo, lo_nibbles);
    if (!_mm256_testz_si256(lo, hi)) return std::string_view::npos;
    const __m256i is_slash = _mm256_cmpeq_epi8(v, mask_2f);
    v = _mm256_add_epi8(v, _mm256_shuffle_epi8(lut_roll, _mm256_add_epi8(is_slash, hi_nibbles)));
    const __m256i pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi32(0x01400140));
    const __m256i quads = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i packed =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(quads, pack_bytes), pack_lanes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), packed);
  }
  return i;
}

bool DecodeFullGroups(std::string_view text, std::uint8_t* out) {
  static const bool kAvx2 = __builtin_cpu_supports("avx2");
  std::size_t i = 0;
  if (kAvx2) {
    i = DecodeGroupsAvx2(text, out);
    if (i == std::string_view::npos) return false;
  }
  return DecodeGroupsScalar(text, i, out);
}
#else
bool DecodeFullGroups(std::string_view text, std::uint8_t* out) {
  return DecodeGroupsScalar(text, 0, out);
}
#endif

}  // namespace

StatusOr<std::size_t> Base64DecodeInto(std::string_view text, std::span<std::uint8_t> out) {
  if (text.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  if (text.empty()) return std::size_t{0};
  if (out.size() < text.size() / 4 * 3) std::abort();  // a caller's bug, not bad input
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
  std::uint8_t* tail = out.data() + text.size() / 4 * 3 - 3;
  tail[0] = static_cast<std::uint8_t>(v >> 16);
  tail[1] = static_cast<std::uint8_t>(v >> 8);
  tail[2] = static_cast<std::uint8_t>(v);
  return text.size() / 4 * 3 - static_cast<std::size_t>(pad);
}

StatusOr<std::vector<std::uint8_t>> Base64Decode(std::string_view text) {
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  OVERSIGHT_ASSIGN_OR_RETURN(std::size_t n, Base64DecodeInto(text, out));
  out.resize(n);
  return out;
}

}  // namespace oversight
