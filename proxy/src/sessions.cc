#include "oversight/proxy/sessions.h"

#include <openssl/rand.h>

#include <array>

#include "oversight/common/encoding.h"

namespace oversight::proxy {
namespace {

constexpr std::string_view kSessionKeyPrefix = "ASIA";

// `n` characters from `alphabet`, from the OS CSPRNG (rejection sampling keeps it uniform).
StatusOr<std::string> RandomText(std::size_t n, std::string_view alphabet) {
  std::string out;
  const unsigned limit = 256 - 256 % static_cast<unsigned>(alphabet.size());
  while (out.size() < n) {
    std::array<unsigned char, 64> buf{};
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
      return Status::Internal("the random number generator failed");
    }
    for (unsigned char b : buf) {
      if (b < limit && out.size() < n) out.push_back(alphabet[b % alphabet.size()]);
    }
  }
  return out;
}

SecretBytes ToSecret(const std::string& s) { return SecretBytes(AsBytes(s)); }

}  // namespace

void SessionStore::DropExpiredLocked(TimePoint now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.binding.expires_at <= now ? sessions_.erase(it) : std::next(it);
  }
}

StatusOr<IssuedSession> SessionStore::Start(std::shared_ptr<const Principal> principal,
                                            nlohmann::json context, std::chrono::seconds duration) {
  IssuedSession issued;
  OVERSIGHT_ASSIGN_OR_RETURN(std::string suffix,
                             RandomText(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"));
  issued.access_key_id = std::string(kSessionKeyPrefix) + suffix;
  OVERSIGHT_ASSIGN_OR_RETURN(
      issued.secret_access_key,
      RandomText(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"));
  OVERSIGHT_ASSIGN_OR_RETURN(
      issued.session_token,
      RandomText(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"));
  const TimePoint now = clock_.Now();
  issued.expires_at = now + duration;

  std::lock_guard lock(mu_);
  DropExpiredLocked(now);
  if (sessions_.size() >= max_sessions_) {
    return Status::ResourceExhausted("too many live sessions; end some or wait for expiry");
  }
  Entry entry{{issued.access_key_id, std::move(principal), std::move(context), issued.expires_at},
              ToSecret(issued.secret_access_key),
              ToSecret(issued.session_token)};
  sessions_.emplace(issued.access_key_id, std::move(entry));
  return issued;
}

StatusOr<SigningCredential> SessionStore::Lookup(std::string_view access_key_id,
                                                 std::string_view token) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(access_key_id);
  if (it == sessions_.end()) return Status::NotFound("unknown session");
  if (token.empty() || !it->second.token.Equals(AsBytes(token))) {
    return Status::Unauthenticated("the security token included in the request is invalid");
  }
  if (it->second.binding.expires_at <= clock_.Now()) {
    return Status::FailedPrecondition("the security token included in the request is expired");
  }
  return SigningCredential{it->second.secret.Clone(), it->second.binding.principal->id};
}

StatusOr<SessionBinding> SessionStore::Binding(std::string_view access_key_id) const {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(access_key_id);
  if (it == sessions_.end()) return Status::NotFound("unknown session");
  return it->second.binding;
}

Status SessionStore::End(std::string_view access_key_id) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(access_key_id);
  if (it == sessions_.end()) return Status::NotFound("unknown session");
  sessions_.erase(it);
  return Status::Ok();
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

StatusOr<SigningCredential> CallerCredentials::Lookup(std::string_view access_key_id,
                                                      std::string_view session_token) const {
  if (session_token.empty()) return principals_.Lookup(access_key_id, session_token);
  return sessions_.Lookup(access_key_id, session_token);
}

}  // namespace oversight::proxy
