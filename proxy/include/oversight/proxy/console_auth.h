// Console sign-in (docs/console.md, "Sign-in"): single-use sign-in links and browser sessions.
//
// A sign-in link carries a token `<payload>.<mac>` (both base64url, unpadded): the payload is
// canonical JSON {"exp": unix seconds, "nonce": 32 hex, "principal": id}, the MAC is
// HMAC-SHA256 over a domain-separation line and the payload, keyed with the deployment's
// console key (32 random bytes in a 0600 file, which `oversight console login` reads on the
// proxy's machine). The proxy accepts a token once, before it expires, and never one that
// claims to live longer than kMaxLinkLifetime (a stolen key still cannot mint lasting links
// without the proxy noticing the lifetime).
//
// A redeemed link or a verified client certificate starts a browser session: the cookie value
// is 256 random bits; only its SHA-256 is kept, so a memory dump does not yield live cookies.
// Sessions live in memory only (a restart signs everyone out). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "oversight/common/clock.h"
#include "oversight/common/hash.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::proxy {

inline constexpr std::chrono::minutes kMaxLinkLifetime{60};
inline constexpr std::string_view kConsoleCookieName = "oversight_console";

// A token for `principal` valid until `expires_at`. InvalidArgument for a key that is not 32
// bytes, a principal id outside [A-Za-z0-9._@-]{1,128}, or a lifetime over kMaxLinkLifetime.
StatusOr<std::string> MakeSignInToken(const SecretBytes& key, std::string_view principal,
                                      TimePoint now, TimePoint expires_at);

struct ConsoleBinding {
  std::string principal;  // a principal id; its roles are looked up on every request
  std::string via;        // "link" or "certificate"
  TimePoint expires_at{};
};

struct StartedConsoleSession {
  std::string cookie;  // the value of the oversight_console cookie; shown once
  TimePoint expires_at{};
};

class ConsoleSessions {
 public:
  // Without a link key, tokens are refused (certificate sign-in still works).
  ConsoleSessions(const Clock& clock, std::optional<SecretBytes> link_key,
                  std::chrono::seconds session_duration = std::chrono::hours(8),
                  std::size_t max_sessions = 10'000);

  // The principal id a token names. Unauthenticated for a malformed, forged, expired or
  // already used token (the message says which, without echoing the token);
  // FailedPrecondition when this proxy has no console key.
  StatusOr<std::string> RedeemToken(std::string_view token);

  // ResourceExhausted when max_sessions live sessions exist (expired ones are dropped first).
  StatusOr<StartedConsoleSession> Start(std::string principal, std::string via);
  std::optional<ConsoleBinding> Find(std::string_view cookie) const;
  void End(std::string_view cookie);
  std::size_t size() const;

 private:
  void DropExpiredLocked(TimePoint now);

  const Clock& clock_;
  std::optional<SecretBytes> link_key_;
  std::chrono::seconds session_duration_;
  std::size_t max_sessions_;
  mutable std::mutex mu_;
  std::map<Hash256, ConsoleBinding> sessions_;    // SHA-256(cookie) -> binding
  std::map<std::string, TimePoint> used_nonces_;  // until the token would have expired
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt if absent.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

}  // namespace oversight::proxy
