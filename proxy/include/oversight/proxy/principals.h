// Principals: who may call the proxy, loaded once from a 0600 JSON file into an immutable store.
//
// File format (version 1; unknown members are refused so a typo cannot silently drop a field):
//   {
//     "version": 1,
//     "access_keys": {
//       "AKIAOVERSIGHT0001": {
//         "secret_access_key": "…40 chars…",
//         "principal_id": "det.jones",
//         "agency": "Metro PD",
//         "roles": ["investigator"]
//       }
//     }
//   }
// Access key ids are 16–128 of [A-Z0-9]; secrets 16–128 printable ASCII characters without
// spaces; principal ids 1–128 of [A-Za-z0-9._@-]; roles a non-empty set drawn from investigator,
// records_admin, auditor, policy_analyst, operator. Several keys may name one principal (key
// rotation), but they must then agree on its agency and roles.
//
// Secrets are held in SecretBytes. Note: the JSON parser's temporary strings are not wiped.
// A PrincipalStore is immutable after loading and safe to share between threads; a reload
// builds a new store and swaps a pointer.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/secret.h"
#include "oversight/common/status.h"
#include "oversight/proxy/sigv4.h"

namespace oversight::proxy {

enum class Role { kInvestigator, kRecordsAdmin, kAuditor, kPolicyAnalyst, kOperator };

std::string_view RoleName(Role role);  // "records_admin"
// A principal id: 1-128 of [A-Za-z0-9._@-].
bool IsPrincipalId(std::string_view id);
std::optional<Role> ParseRole(std::string_view name);

struct Principal {
  std::string id;
  std::string agency;
  std::vector<Role> roles;  // sorted, unique, non-empty
  bool HasRole(Role role) const;
};

class PrincipalStore final : public CredentialLookup {
 public:
  // Reads `path` with ReadKeyFile (refuses anything but a 0600/0400 file owned by us).
  static StatusOr<std::shared_ptr<const PrincipalStore>> LoadFile(const std::string& path);
  // Parses file contents; errors are InvalidArgument naming the offending key or field.
  static StatusOr<std::shared_ptr<const PrincipalStore>> Parse(const SecretBytes& contents);

  // The principal behind an access key, or nullptr. The pointer lives as long as the store.
  const Principal* FindByAccessKey(std::string_view access_key_id) const;
  // The principal with this id (console sign-in names principals, not keys), or nullptr.
  const Principal* FindById(std::string_view principal_id) const;

  // Long-term keys only: any session token is refused (Unauthenticated) until sessions exist.
  StatusOr<SigningCredential> Lookup(std::string_view access_key_id,
                                     std::string_view session_token) const override;

  std::size_t size() const { return keys_.size(); }

 private:
  struct Key {
    SecretBytes secret;
    std::shared_ptr<const Principal> principal;
  };
  PrincipalStore() = default;
  std::map<std::string, Key, std::less<>> keys_;
};

}  // namespace oversight::proxy
