#include "oversight/proxy/console_auth.h"

#include <openssl/rand.h>

#include <array>
#include <nlohmann/json.hpp>

#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/proxy/principals.h"

namespace oversight::proxy {
namespace {

constexpr std::string_view kTokenDomain = "oversight-console-link-v1\n";
constexpr std::size_t kMaxTokenBytes = 1024;
constexpr std::size_t kMaxUsedNonces = 100'000;

std::string Base64Url(std::span<const std::uint8_t> bytes) {
  std::string s = Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (c == '+' || c == '/' || c == '=') {
      return std::nullopt;  // one spelling only
    }
  }
  while (s.size() % 4 != 0) s.push_back('=');
  auto bytes = Base64Decode(s);
  if (!bytes.ok()) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

Hash256 Mac(const SecretBytes& key, std::string_view payload) {
  std::string message(kTokenDomain);
  message += payload;
  return HmacSha256(key.view(), AsBytes(message));
}

std::int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

StatusOr<std::array<std::uint8_t, 32>> RandomBytes32() {
  std::array<std::uint8_t, 32> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    return Status::Internal("the random number generator failed");
  }
  return b;
}

Status Refused(std::string_view why) {
  return Status::Unauthenticated("the sign-in link " + std::string(why) +
                                 "; ask for a new one (oversight console login)");
}

}  // namespace

StatusOr<std::string> MakeSignInToken(const SecretBytes& key, std::string_view principal,
                                      TimePoint now, TimePoint expires_at) {
  if (key.size() != 32) return Status::InvalidArgument("the console key must be 32 bytes");
  if (!IsPrincipalId(principal)) {
    return Status::InvalidArgument("a principal id is 1-128 of A-Z a-z 0-9 . _ @ -");
  }
  if (expires_at <= now || expires_at - now > kMaxLinkLifetime) {
    return Status::InvalidArgument("a sign-in link lives between 1 second and 60 minutes");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(auto nonce, RandomBytes32());
  const nlohmann::json claims = {
      {"exp", UnixSeconds(expires_at)},
      {"nonce", HexEncode(std::span<const std::uint8_t>(nonce.data(), 16))},
      {"principal", std::string(principal)}};
  std::string payload;
  OVERSIGHT_RETURN_IF_ERROR(AppendCanonicalJson(claims, payload));
  return Base64Url(AsBytes(payload)) + "." + Base64Url(Mac(key, payload));
}

ConsoleSessions::ConsoleSessions(const Clock& clock, std::optional<SecretBytes> link_key,
                                 std::chrono::seconds session_duration, std::size_t max_sessions)
    : clock_(clock),
      link_key_(std::move(link_key)),
      session_duration_(session_duration),
      max_sessions_(max_sessions) {}

StatusOr<std::string> ConsoleSessions::RedeemToken(std::string_view token) {
  if (!link_key_) {
    return Status::FailedPrecondition(
        "this proxy has no console key, so it accepts no sign-in links (config console.key)");
  }
  const std::size_t dot = token.find('.');
  if (token.size() > kMaxTokenBytes || dot == std::string_view::npos) {
    return Refused("is malformed");
  }
  auto payload = FromBase64Url(token.substr(0, dot));
  auto mac = FromBase64Url(token.substr(dot + 1));
  if (!payload || !mac) return Refused("is malformed");
  const Hash256 expected = Mac(*link_key_, *payload);
  if (!ConstantTimeEquals(expected, AsBytes(*mac))) return Refused("is not genuine");

  // Authentic from here on: the claims were written by MakeSignInToken.
  const auto claims = nlohmann::json::parse(*payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object() || !claims.contains("exp") || !claims["exp"].is_number_integer() ||
      !claims.contains("nonce") || !claims["nonce"].is_string() || !claims.contains("principal") ||
      !claims["principal"].is_string()) {
    return Refused("is malformed");
  }
  const TimePoint now = clock_.Now();
  const TimePoint expires{std::chrono::seconds(claims["exp"].get<std::int64_t>())};
  if (expires <= now) return Refused("has expired");
  if (expires - now > kMaxLinkLifetime + std::chrono::minutes(1)) {
    return Refused("claims to live longer than 60 minutes");
  }
  const std::string nonce = claims["nonce"].get<std::string>();
  std::lock_guard lock(mu_);
  for (auto it = used_nonces_.begin(); it != used_nonces_.end();) {
    it = it->second <= now ? used_nonces_.erase(it) : std::next(it);
  }
  if (used_nonces_.size() >= kMaxUsedNonces) {
    return Status::ResourceExhausted("too many sign-in links in use; try again later");
  }
  if (!used_nonces_.emplace(nonce, expires).second) return Refused("has been used already");
  return claims["principal"].get<std::string>();
}

void ConsoleSessions::DropExpiredLocked(TimePoint now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = it->second.expires_at <= now ? sessions_.erase(it) : std::next(it);
  }
}

StatusOr<StartedConsoleSession> ConsoleSessions::Start(std::string principal, std::string via) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto secret, RandomBytes32());
  StartedConsoleSession started{HexEncode(secret), clock_.Now() + session_duration_};
  std::lock_guard lock(mu_);
  DropExpiredLocked(clock_.Now());
  if (sessions_.size() >= max_sessions_) {
    return Status::ResourceExhausted("too many console sessions; try again later");
  }
  sessions_[Sha256(started.cookie)] = {std::move(principal), std::move(via), started.expires_at};
  return started;
}

std::optional<ConsoleBinding> ConsoleSessions::Find(std::string_view cookie) const {
  if (cookie.size() != 64) return std::nullopt;
  const Hash256 key = Sha256(cookie);
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || it->second.expires_at <= clock_.Now()) return std::nullopt;
  return it->second;
}

void ConsoleSessions::End(std::string_view cookie) {
  const Hash256 key = Sha256(cookie);
  std::lock_guard lock(mu_);
  sessions_.erase(key);
}

std::size_t ConsoleSessions::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

}  // namespace oversight::proxy
