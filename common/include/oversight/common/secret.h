// SecretBytes: key material that is wiped when freed, never printed, and compared in
// constant time. Copying is explicit (Clone) so secrets do not multiply by accident.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace oversight {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  explicit SecretBytes(std::span<const std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  ~SecretBytes() { Wipe(); }

  SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
    other.bytes_.clear();
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  SecretBytes Clone() const { return SecretBytes(std::span<const std::uint8_t>(bytes_)); }

  std::span<const std::uint8_t> view() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Constant-time in the contents; the lengths are not secret.
  bool Equals(std::span<const std::uint8_t> other) const;

 private:
  void Wipe();
  std::vector<std::uint8_t> bytes_;
};

// Constant-time comparison of two byte strings of equal length (false if lengths differ).
bool ConstantTimeEquals(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace oversight
