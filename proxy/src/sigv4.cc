// SigV4 verification and signing: dates, key derivation and the ordered checks.
#include "oversight/proxy/sigv4.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"

namespace oversight::proxy {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

bool ParseDigits(std::string_view s, int* out) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return !s.empty();
}

// HMAC into a wiped-on-free key; the intermediate array is cleansed too.
SecretBytes HmacStep(std::span<const std::uint8_t> key, std::string_view data) {
  Hash256 mac = HmacSha256(key, AsBytes(data));
  SecretBytes out{std::span<const std::uint8_t>(mac)};
  OPENSSL_cleanse(mac.data(), mac.size());
  return out;
}

AwsError Invalid(std::string message) { return {ErrorType::kInvalidSignature, std::move(message)}; }

std::string SkewText(std::chrono::seconds skew) {
  return skew.count() % 60 == 0 ? std::to_string(skew.count() / 60) + " min."
                                : std::to_string(skew.count()) + " s";
}

// The scope and signed-header checks that need no secret.
std::optional<AwsError> CheckScope(const ParsedAuthorization& auth, std::string_view amz_date,
                                   const Request& request, const SigV4Config& config) {
  if (auth.terminator != kTerminator) {
    return Invalid("Credential should be scoped with a valid terminator: 'aws4_request'");
  }
  if (auth.service != config.service) {
    return Invalid("Credential should be scoped to correct service: '" + config.service + "'");
  }
  if (std::find(config.allowed_regions.begin(), config.allowed_regions.end(), auth.region) ==
      config.allowed_regions.end()) {
    return Invalid("Credential should be scoped to a valid region");
  }
  if (amz_date.substr(0, 8) != auth.date) {
    return Invalid("Date in Credential scope does not match the date of X-Amz-Date");
  }
  std::vector<std::string> required = config.required_signed_headers;
  if (!HeaderValues(request.headers, "x-amz-security-token").empty()) {
    required.emplace_back("x-amz-security-token");  // a token must be bound by the signature
  }
  for (const std::string& name : required) {
    if (!std::binary_search(auth.signed_headers.begin(), auth.signed_headers.end(), name)) {
      return Invalid("'" + name + "' must be a SignedHeader in the AWS Authorization");
    }
  }
  return std::nullopt;
}

std::optional<AwsError> CheckSkew(TimePoint signed_at, std::string_view amz_date,
                                  const SigV4Config& config, const Clock& clock) {
  TimePoint now = clock.Now();
  std::string now_text = FormatAmzDate(now);
  if (signed_at < now - config.max_skew) {
    return Invalid("Signature expired: " + std::string(amz_date) + " is now earlier than " +
                   FormatAmzDate(now - config.max_skew) + " (" + now_text + " - " +
                   SkewText(config.max_skew) + ")");
  }
  if (signed_at > now + config.max_skew) {
    return Invalid("Signature not yet current: " + std::string(amz_date) + " is still later than " +
                   FormatAmzDate(now + config.max_skew) + " (" + now_text + " + " +
                   SkewText(config.max_skew) + ")");
  }
  return std::nullopt;
}

AwsError LookupError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kUnauthenticated:
      return {ErrorType::kUnrecognizedClient,
              "The security token included in the request is invalid."};
    case StatusCode::kFailedPrecondition:
      return {ErrorType::kExpiredToken, "The security token included in the request is expired"};
    default:
      return {ErrorType::kInternalServerError, "credential lookup failed"};
  }
}

}  // namespace

SigV4Config SigV4Config::ForAwsJson() {
  SigV4Config config;
  config.required_signed_headers = {"content-type", "host", "x-amz-date", "x-amz-target"};
  return config;
}

std::optional<TimePoint> ParseAmzDate(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (t.size() != 16 || t[8] != 'T' || t[15] != 'Z' || !ParseDigits(t.substr(0, 4), &y) ||
      !ParseDigits(t.substr(4, 2), &mo) || !ParseDigits(t.substr(6, 2), &d) ||
      !ParseDigits(t.substr(9, 2), &h) || !ParseDigits(t.substr(11, 2), &mi) ||
      !ParseDigits(t.substr(13, 2), &s)) {
    return std::nullopt;
  }
  std::chrono::year_month_day ymd{std::chrono::year(y),
                                  std::chrono::month(static_cast<unsigned>(mo)),
                                  std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

std::string FormatAmzDate(TimePoint t) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto days = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

SecretBytes DeriveSigningKey(const SecretBytes& secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::vector<std::uint8_t> k_secret = {'A', 'W', 'S', '4'};
  k_secret.insert(k_secret.end(), secret.view().begin(), secret.view().end());
  SecretBytes seed{std::move(k_secret)};
  SecretBytes k_date = HmacStep(seed.view(), date);
  SecretBytes k_region = HmacStep(k_date.view(), region);
  SecretBytes k_service = HmacStep(k_region.view(), service);
  return HmacStep(k_service.view(), kTerminator);
}

std::string ComputeSignature(const SecretBytes& signing_key, std::string_view string_to_sign) {
  return HexEncode(HmacSha256(signing_key.view(), AsBytes(string_to_sign)));
}

namespace {

// The Authorization header, parsed; exactly one is required.
std::optional<ParsedAuthorization> AuthorizationOf(const Request& request, AwsError* error) {
  std::vector<std::string_view> authz = HeaderValues(request.headers, "authorization");
  if (authz.empty()) {
    *error = {ErrorType::kMissingAuthenticationToken,
              "Missing Authentication Token (a SigV4 Authorization header is required)"};
    return std::nullopt;
  }
  if (authz.size() > 1) {
    *error = {ErrorType::kIncompleteSignature, "more than one Authorization header"};
    return std::nullopt;
  }
  return ParseAuthorization(authz.front(), error);
}

// X-Amz-Date (the only date header accepted) and X-Amz-Security-Token, each at most once.
bool DateAndTokenOf(const Request& request, std::string_view* amz_date, TimePoint* signed_at,
                    std::string_view* token, AwsError* error) {
  std::optional<TimePoint> parsed;
  if (!SingleHeader(request.headers, "x-amz-date", amz_date) ||
      !(parsed = ParseAmzDate(*amz_date))) {
    *error = {ErrorType::kIncompleteSignature,
              "exactly one X-Amz-Date header in the form YYYYMMDDTHHMMSSZ is required"};
    return false;
  }
  *signed_at = *parsed;
  if (!HeaderValues(request.headers, "x-amz-security-token").empty() &&
      !SingleHeader(request.headers, "x-amz-security-token", token)) {
    *error = {ErrorType::kIncompleteSignature, "more than one X-Amz-Security-Token header"};
    return false;
  }
  return true;
}

}  // namespace

std::optional<VerifiedCaller> VerifySigV4(const Request& request, const SigV4Config& config,
                                          const CredentialLookup& credentials, const Clock& clock,
                                          AwsError* error) {
  std::optional<ParsedAuthorization> auth = AuthorizationOf(request, error);
  if (!auth) return std::nullopt;
  std::string_view amz_date, token;
  TimePoint signed_at;
  if (!DateAndTokenOf(request, &amz_date, &signed_at, &token, error)) return std::nullopt;
  // Cheap checks first, so a malformed or stale request never reaches the credential store.
  std::optional<AwsError> failed = CheckScope(*auth, amz_date, request, config);
  if (!failed) failed = CheckSkew(signed_at, amz_date, config, clock);
  if (failed) return *error = std::move(*failed), std::nullopt;
  StatusOr<SigningCredential> credential = credentials.Lookup(auth->access_key_id, token);
  if (!credential.ok()) return *error = LookupError(credential.status()), std::nullopt;
  std::optional<std::string> canonical = CanonicalRequest(request, auth->signed_headers, error);
  if (!canonical) return std::nullopt;
  SecretBytes key = DeriveSigningKey(credential->secret, auth->date, auth->region, auth->service);
  std::string expected = ComputeSignature(key, StringToSign(amz_date, auth->Scope(), *canonical));
  if (!ConstantTimeEquals(AsBytes(expected), AsBytes(auth->signature))) {
    *error = Invalid(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method.");
    return std::nullopt;
  }
  return VerifiedCaller{auth->access_key_id, credential->principal_id, auth->region,
                        std::string(token), signed_at};
}

Status SignRequest(Request& request, const SigningParams& params) {
  if (params.secret == nullptr) return Status::InvalidArgument("SignRequest: no secret");
  std::string amz_date = FormatAmzDate(params.time);
  SetHeader(request.headers, "X-Amz-Date", amz_date);
  std::vector<std::string> names = params.signed_headers;
  if (!params.session_token.empty()) {
    SetHeader(request.headers, "X-Amz-Security-Token", params.session_token);
    names.emplace_back("x-amz-security-token");
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  AwsError error;
  std::optional<std::string> canonical = CanonicalRequest(request, names, &error);
  if (!canonical) return Status::InvalidArgument(error.message);
  std::string scope =
      amz_date.substr(0, 8) + "/" + params.region + "/" + params.service + "/aws4_request";
  SecretBytes key =
      DeriveSigningKey(*params.secret, amz_date.substr(0, 8), params.region, params.service);
  std::string joined;
  for (const std::string& n : names) joined += (joined.empty() ? "" : ";") + n;
  SetHeader(request.headers, "Authorization",
            std::string(kSigV4Algorithm) + " Credential=" + params.access_key_id + "/" + scope +
                ", SignedHeaders=" + joined +
                ", Signature=" + ComputeSignature(key, StringToSign(amz_date, scope, *canonical)));
  return Status::Ok();
}

}  // namespace oversight::proxy
