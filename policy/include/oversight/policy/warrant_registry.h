// A warrant registry kept as a JSON file, with court signatures checked at load time.
//
// File format (docs/rules.md, "Warrant registry"):
//   {"format": 1,
//    "courts": [{"id": "...", "name": "...", "public_key": "<base64 raw 32-byte Ed25519 key>"}],
//    "warrants": [{"id": "...", "court": "...", "status": "active|revoked|returned",
//                  "issued_at": RFC3339, "expires_at": RFC3339, "case_ids": [...],
//                  "purposes": [...], "signature": "<base64 Ed25519 signature>"}]}
// The court signs WarrantSigningMessage(warrant): a domain-separation line followed by the
// RFC 8785 canonical JSON of the warrant object without its "signature" member. A warrant
// whose court is unknown or whose signature does not verify still loads, with
// signature_valid = false, so rules decide what an unsigned warrant is worth.
// Thread-safe: immutable after Load.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>

#include "oversight/policy/facts.h"
#include "oversight/policy/jsonc.h"

namespace oversight::policy {

inline constexpr std::string_view kWarrantSignatureDomain = "oversight-warrant-v1\n";

// The exact bytes a court signs for this warrant object (its "signature" member ignored).
StatusOr<std::string> WarrantSigningMessage(const JsonValue& warrant);

// True if `signature` (64 bytes) is a valid Ed25519 signature of `message` by `public_key`
// (32 raw bytes). Any malformed input is simply "not valid".
bool VerifyEd25519(std::span<const std::uint8_t> public_key, std::string_view message,
                   std::span<const std::uint8_t> signature);

class JsonWarrantRegistry final : public WarrantRegistry {
 public:
  // InvalidArgument with file:line:col for malformed files; NotFound if missing.
  static StatusOr<std::unique_ptr<JsonWarrantRegistry>> LoadFile(const std::string& path);
  static StatusOr<std::unique_ptr<JsonWarrantRegistry>> Parse(std::string_view text,
                                                              std::string_view source);

  StatusOr<std::optional<Warrant>> Lookup(std::string_view warrant_id) const override;
  std::size_t size() const { return warrants_.size(); }

 private:
  std::map<std::string, Warrant, std::less<>> warrants_;
};

}  // namespace oversight::policy
