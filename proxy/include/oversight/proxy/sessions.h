// Case sessions: temporary credentials bound to a principal and a case context (warrant, case,
// purpose, ...), so the unmodified AWS CLI can run searches under that warrant. This is the
// shape of AWS STS: an access key id beginning "ASIA", a secret, and a session token the
// client sends as X-Amz-Security-Token; the proxy checks the token in constant time.
//
// Sessions live in memory only: a proxy restart ends them all (start a new one). The secret
// and token are shown once, to the caller that started the session, and never logged; the
// ledger records the session id (its access key id), principal, context and expiry.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "oversight/common/clock.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"
#include "oversight/proxy/principals.h"

namespace oversight::proxy {

struct IssuedSession {
  std::string access_key_id;  // "ASIA" + 16 characters; also the session id
  std::string secret_access_key;
  std::string session_token;
  TimePoint expires_at{};
};

struct SessionBinding {
  std::string session_id;
  std::shared_ptr<const Principal> principal;
  nlohmann::json context;  // the bound context fields
  TimePoint expires_at{};
};

class SessionStore {
 public:
  SessionStore(const Clock& clock, std::size_t max_sessions = 10'000)
      : clock_(clock), max_sessions_(max_sessions) {}

  // ResourceExhausted when max_sessions live sessions exist (expired ones are dropped first).
  StatusOr<IssuedSession> Start(std::shared_ptr<const Principal> principal, nlohmann::json context,
                                std::chrono::seconds duration);

  // The secret for a session's access key if `token` matches: NotFound (unknown key),
  // Unauthenticated (wrong token), FailedPrecondition (expired), as CredentialLookup expects.
  StatusOr<SigningCredential> Lookup(std::string_view access_key_id, std::string_view token) const;
  // What a verified session request is bound to.
  StatusOr<SessionBinding> Binding(std::string_view access_key_id) const;
  // Ends a session now; NotFound if unknown.
  Status End(std::string_view access_key_id);
  std::size_t size() const;

 private:
  struct Entry {
    SessionBinding binding;
    SecretBytes secret;
    SecretBytes token;
  };
  void DropExpiredLocked(TimePoint now);

  const Clock& clock_;
  const std::size_t max_sessions_;
  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> sessions_;  // guarded by mu_
};

// Resolves long-term keys through the principals file and session keys through the store.
class CallerCredentials final : public CredentialLookup {
 public:
  CallerCredentials(const PrincipalStore& principals, const SessionStore& sessions)
      : principals_(principals), sessions_(sessions) {}
  StatusOr<SigningCredential> Lookup(std::string_view access_key_id,
                                     std::string_view session_token) const override;

 private:
  const PrincipalStore& principals_;
  const SessionStore& sessions_;
};

}  // namespace oversight::proxy
