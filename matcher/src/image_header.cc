// Header parsers for the formats we accept. Only the fields needed for the size check are
// read; every read is bounds-checked because the bytes are untrusted.
#include "oversight/matcher/image_header.h"

#include <cstring>
#include <limits>
#include <optional>

namespace oversight::matcher {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint32_t Be16(Bytes b, std::size_t i) { return (b[i] << 8) | b[i + 1]; }
std::uint32_t Be32(Bytes b, std::size_t i) { return (Be16(b, i) << 16) | Be16(b, i + 2); }
std::uint32_t Le16(Bytes b, std::size_t i) { return b[i] | (b[i + 1] << 8); }
std::uint32_t Le24(Bytes b, std::size_t i) { return Le16(b, i) | (b[i + 2] << 16); }
std::uint32_t Le32(Bytes b, std::size_t i) { return Le16(b, i) | (Le16(b, i + 2) << 16); }

bool HasPrefix(Bytes b, std::size_t at, std::string_view magic) {
  return b.size() >= at + magic.size() &&
         std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

Status Malformed(std::string_view what) {
  return Status::InvalidArgument("malformed or truncated image: " + std::string(what));
}

StatusOr<ImageInfo> Make(ImageFormat f, std::uint32_t w, std::uint32_t h) {
  if (w == 0 || h == 0) return Malformed("zero width or height");
  if (w > 1u << 30 || h > 1u << 30) return Malformed("impossible dimensions");
  return ImageInfo{f, static_cast<int>(w), static_cast<int>(h)};
}

StatusOr<ImageInfo> ProbePng(Bytes b) {
  if (b.size() < 33 || !HasPrefix(b, 12, "IHDR")) return Malformed("PNG without IHDR");
  // A complete PNG ends with an IEND chunk; a cut-off upload does not.
  const std::size_t from = b.size() > 64 ? b.size() - 64 : 0;
  bool has_end = false;
  for (std::size_t i = from; i + 4 <= b.size(); ++i) has_end = has_end || HasPrefix(b, i, "IEND");
  if (!has_end) return Malformed("PNG has no IEND chunk");
  return Make(ImageFormat::kPng, Be32(b, 16), Be32(b, 20));
}

bool IsSof(std::uint8_t m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

// True if an EOI marker follows `from`; entropy-coded data cannot contain FF D9.
bool HasEoiAfter(Bytes b, std::size_t from) {
  for (std::size_t i = b.size() - 1; i > from; --i) {
    if (b[i] == 0xD9 && b[i - 1] == 0xFF) return true;
  }
  return false;
}

StatusOr<ImageInfo> ProbeJpeg(Bytes b) {
  std::size_t i = 2;
  std::optional<ImageInfo> info;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) return Malformed("JPEG marker expected");
    const std::uint8_t m = b[i + 1];
    if (m == 0xFF) {
      ++i;
      continue;
    }  // fill byte
    if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {
      i += 2;
      continue;
    }  // no length
    const std::size_t len = Be16(b, i + 2);
    if (len < 2 || i + 2 + len > b.size()) return Malformed("JPEG segment overruns the file");
    if (IsSof(m)) {
      if (len < 8) return Malformed("short JPEG SOF");
      OVERSIGHT_ASSIGN_OR_RETURN(info, Make(ImageFormat::kJpeg, Be16(b, i + 7), Be16(b, i + 5)));
    }
    if (m == 0xDA) {  // start of scan: the header is over
      if (!info) return Malformed("JPEG scan before any frame header");
      if (!HasEoiAfter(b, i + 2 + len)) return Malformed("JPEG has no end-of-image marker");
      return *info;
    }
    i += 2 + len;
  }
  return Malformed("JPEG ends inside its header");
}

StatusOr<ImageInfo> ProbeWebp(Bytes b) {
  if (b.size() < 30) return Malformed("short WebP");
  if (HasPrefix(b, 12, "VP8 ")) {
    if (b[23] != 0x9D || b[24] != 0x01 || b[25] != 0x2A) return Malformed("bad VP8 start code");
    return Make(ImageFormat::kWebp, Le16(b, 26) & 0x3FFF, Le16(b, 28) & 0x3FFF);
  }
  if (HasPrefix(b, 12, "VP8L")) {
    if (b[20] != 0x2F) return Malformed("bad VP8L signature");
    const std::uint32_t bits = Le32(b, 21);
    return Make(ImageFormat::kWebp, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
  }
  if (HasPrefix(b, 12, "VP8X")) {
    return Make(ImageFormat::kWebp, Le24(b, 24) + 1, Le24(b, 27) + 1);
  }
  return Malformed("unknown WebP chunk");
}

StatusOr<ImageInfo> ProbeBmp(Bytes b) {
  if (b.size() < 26) return Malformed("short BMP");
  const std::uint32_t dib = Le32(b, 14);
  if (dib == 12) return Make(ImageFormat::kBmp, Le16(b, 18), Le16(b, 20));
  const auto w = static_cast<std::int32_t>(Le32(b, 18));
  const auto h = static_cast<std::int32_t>(Le32(b, 22));  // negative: top-down rows
  if (w <= 0 || h == std::numeric_limits<std::int32_t>::min()) return Malformed("BMP size");
  return Make(ImageFormat::kBmp, static_cast<std::uint32_t>(w),
              static_cast<std::uint32_t>(h < 0 ? -h : h));
}

}  // namespace

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kBmp:
      return "BMP";
  }
  return "unknown";
}

StatusOr<ImageInfo> ProbeImageHeader(std::span<const std::uint8_t> b) {
  if (HasPrefix(b, 0, "\x89PNG\r\n\x1a\n")) return ProbePng(b);
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ProbeJpeg(b);
  if (HasPrefix(b, 0, "RIFF") && HasPrefix(b, 8, "WEBP")) return ProbeWebp(b);
  if (HasPrefix(b, 0, "BM")) return ProbeBmp(b);
  return Status::InvalidArgument("not a supported image (JPEG, PNG, WebP or BMP expected)");
}

StatusOr<ImageInfo> CheckImageHeader(std::span<const std::uint8_t> bytes,
                                     const ImageLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    return Status::ResourceExhausted("image is " + std::to_string(bytes.size()) +
                                     " bytes; the limit is " + std::to_string(limits.max_bytes));
  }
  OVERSIGHT_ASSIGN_OR_RETURN(ImageInfo info, ProbeImageHeader(bytes));
  const std::int64_t pixels = std::int64_t{info.width} * info.height;
  if (info.width > limits.max_side || info.height > limits.max_side || pixels > limits.max_pixels) {
    return Status::ResourceExhausted("image dimensions " + std::to_string(info.width) + "x" +
                                     std::to_string(info.height) + " exceed the limit (" +
                                     std::to_string(limits.max_side) + " per side, " +
                                     std::to_string(limits.max_pixels) + " pixels)");
  }
  return info;
}

}  // namespace oversight::matcher
