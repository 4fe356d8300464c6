// The principals file adapter: nlohmann_json exceptions are caught here and become statuses.
#include "oversight/proxy/principals.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"

namespace oversight::proxy {
namespace {

using nlohmann::json;

constexpr std::array<std::pair<Role, std::string_view>, 5> kRoles = {{
    {Role::kInvestigator, "investigator"},
    {Role::kRecordsAdmin, "records_admin"},
    {Role::kAuditor, "auditor"},
    {Role::kPolicyAnalyst, "policy_analyst"},
    {Role::kOperator, "operator"},
}};

bool AllOf(std::string_view s, bool (*pred)(char)) { return std::all_of(s.begin(), s.end(), pred); }
bool IsKeyIdChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool IsSecretChar(char c) { return c > ' ' && c < 0x7f; }
bool IsPrincipalChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '@' || c == '-';
}

Status Bad(std::string_view key_id, std::string what) {
  return Status::InvalidArgument("principals: access key '" + std::string(key_id) +
                                 "': " + std::move(what));
}

StatusOr<std::vector<Role>> ParseRoles(std::string_view key_id, const json& roles) {
  if (!roles.is_array() || roles.empty()) return Bad(key_id, "roles must be a non-empty array");
  std::vector<Role> out;
  for (const json& r : roles) {
    std::optional<Role> role = r.is_string() ? ParseRole(r.get<std::string>()) : std::nullopt;
    if (!role) {
      return Bad(key_id, "unknown role " + r.dump() +
                             " (allowed: investigator, records_admin, auditor, policy_analyst, "
                             "operator)");
    }
    if (std::find(out.begin(), out.end(), *role) != out.end()) {
      return Bad(key_id, "duplicate role " + r.dump());
    }
    out.push_back(*role);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Validates one entry; never echoes the secret.
StatusOr<Principal> ParseEntry(std::string_view key_id, const json& entry, std::string* secret) {
  if (key_id.size() < 16 || key_id.size() > 128 || !AllOf(key_id, IsKeyIdChar)) {
    return Bad(key_id.substr(0, 32), "access key ids are 16-128 characters of [A-Z0-9]");
  }
  if (!entry.is_object()) return Bad(key_id, "must be an object");
  for (const auto& [name, value] : entry.items()) {
    if (name != "secret_access_key" && name != "principal_id" && name != "agency" &&
        name != "roles") {
      return Bad(key_id, "unknown field '" + name + "'");
    }
  }
  const json* s = entry.contains("secret_access_key") ? &entry["secret_access_key"] : nullptr;
  if (!s || !s->is_string() || s->get_ref<const std::string&>().size() < 16 ||
      s->get_ref<const std::string&>().size() > 128 ||
      !AllOf(s->get_ref<const std::string&>(), IsSecretChar)) {
    return Bad(key_id, "secret_access_key must be 16-128 printable characters without spaces");
  }
  *secret = s->get<std::string>();
  Principal p;
  const json& id = entry.value("principal_id", json());
  if (!id.is_string() || !IsPrincipalId(id.get_ref<const std::string&>())) {
    return Bad(key_id, "principal_id must be 1-128 characters of [A-Za-z0-9._@-]");
  }
  p.id = id.get<std::string>();
  const json& agency = entry.value("agency", json());
  if (!agency.is_string() || agency.get<std::string>().empty()) {
    return Bad(key_id, "agency must be a non-empty string");
  }
  p.agency = agency.get<std::string>();
  OVERSIGHT_ASSIGN_OR_RETURN(p.roles, ParseRoles(key_id, entry.value("roles", json())));
  return p;
}

}  // namespace

std::string_view RoleName(Role role) {
  for (const auto& [r, name] : kRoles) {
    if (r == role) return name;
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const auto& [r, n] : kRoles) {
    if (n == name) return r;
  }
  return std::nullopt;
}

bool Principal::HasRole(Role role) const {
  return std::binary_search(roles.begin(), roles.end(), role);
}

StatusOr<std::shared_ptr<const PrincipalStore>> PrincipalStore::LoadFile(const std::string& path) {
  StatusOr<SecretBytes> contents = ReadKeyFile(path);
  if (!contents.ok()) return contents.status().WithContext("principals file " + path);
  return Parse(*contents);
}

StatusOr<std::shared_ptr<const PrincipalStore>> PrincipalStore::Parse(const SecretBytes& contents) {
  json doc;
  try {
    auto bytes = contents.view();
    doc = json::parse(bytes.begin(), bytes.end());
  } catch (const json::parse_error& e) {
    // Only the byte offset: e.what() quotes the last token read, which could be a secret.
    return Status::InvalidArgument("principals: malformed JSON near byte " +
                                   std::to_string(e.byte));
  } catch (const json::exception&) {
    return Status::InvalidArgument("principals: malformed JSON");
  }
  if (!doc.is_object() || doc.value("version", json()) != json(1) || !doc.contains("access_keys") ||
      !doc["access_keys"].is_object() || doc.size() != 2) {
    return Status::InvalidArgument(
        "principals: expected {\"version\": 1, \"access_keys\": {...}} and nothing else");
  }
  std::shared_ptr<PrincipalStore> store(new PrincipalStore());
  std::map<std::string, std::shared_ptr<const Principal>, std::less<>> by_id;
  for (const auto& [key_id, entry] : doc["access_keys"].items()) {
    std::string secret;
    OVERSIGHT_ASSIGN_OR_RETURN(Principal p, ParseEntry(key_id, entry, &secret));
    auto it = by_id.find(p.id);
    if (it == by_id.end()) {
      std::string id = p.id;  // copied first: the key must not be read after the move below
      it = by_id.emplace(std::move(id), std::make_shared<const Principal>(std::move(p))).first;
    } else if (it->second->agency != p.agency || it->second->roles != p.roles) {
      return Bad(key_id, "principal '" + p.id + "' is listed with different agency or roles");
    }
    store->keys_.emplace(key_id, Key{SecretBytes(AsBytes(secret)), it->second});
    std::fill(secret.begin(), secret.end(), '\0');
  }
  if (store->keys_.empty()) return Status::InvalidArgument("principals: no access keys");
  return std::shared_ptr<const PrincipalStore>(std::move(store));
}

const Principal* PrincipalStore::FindByAccessKey(std::string_view access_key_id) const {
  auto it = keys_.find(access_key_id);
  return it == keys_.end() ? nullptr : it->second.principal.get();
}

bool IsPrincipalId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && AllOf(id, IsPrincipalChar);
}

const Principal* PrincipalStore::FindById(std::string_view principal_id) const {
  // Linear: a deployment has tens of keys, and the console asks once per request.
  for (const auto& [id, key] : keys_) {
    if (key.principal->id == principal_id) return key.principal.get();
  }
  return nullptr;
}

StatusOr<SigningCredential> PrincipalStore::Lookup(std::string_view access_key_id,
                                                   std::string_view session_token) const {
  auto it = keys_.find(access_key_id);
  if (it == keys_.end()) return Status::NotFound("unknown access key id");
  if (!session_token.empty()) {
    return Status::Unauthenticated("session tokens are not accepted for long-term keys");
  }
  return SigningCredential{it->second.secret.Clone(), it->second.principal->id};
}

}  // namespace oversight::proxy
