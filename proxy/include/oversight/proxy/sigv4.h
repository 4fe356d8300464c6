// AWS Signature Version 4 verification (and signing, for tests and Oversight's own clients).
//
// Everything here is a pure function over a Request value, a CredentialLookup and a Clock, so
// it is tested with the published AWS test vectors and a FakeClock, no network involved.
// The checks follow docs/api.md "Authentication": algorithm AWS4-HMAC-SHA256 only; the
// credential scope's date equals X-Amz-Date's date, its service is the configured one, its
// region is allowed and it ends in aws4_request; the required headers are signed; X-Amz-Date
// is within max_skew of the clock; the signature matches (constant-time compare).
//
// Secrets: the secret key only enters DeriveSigningKey; derived keys are SecretBytes (wiped on
// free). Error messages name the failed check and never include a secret or a computed
// signature. Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"
#include "oversight/proxy/aws_error.h"
#include "oversight/proxy/http_types.h"

namespace oversight::proxy {

inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";

struct SigV4Config {
  std::string service = "rekognition";
  std::vector<std::string> allowed_regions = {"us-east-1"};
  // How far X-Amz-Date may be from the server clock, either way. Without it a captured
  // request could be replayed forever; AWS uses minutes.
  std::chrono::seconds max_skew{300};
  // Lowercase header names that must be among SignedHeaders (host and x-amz-date always are).
  std::vector<std::string> required_signed_headers = {"host", "x-amz-date"};

  // The configuration for Rekognition JSON calls: content-type and x-amz-target must also be
  // signed, so an attacker cannot replay a signed body against a different operation.
  static SigV4Config ForAwsJson();
};

// What a credential lookup returns: the secret to verify with and who it belongs to.
struct SigningCredential {
  SecretBytes secret;
  std::string principal_id;
};

// Resolves an access key id (and the session token, if the request carries one) to a secret.
// Implementations must be thread-safe. Status codes are mapped to AWS errors as follows:
// NotFound -> UnrecognizedClientException (unknown key), Unauthenticated ->
// UnrecognizedClientException (invalid token), FailedPrecondition -> ExpiredTokenException,
// anything else -> InternalServerError.
class CredentialLookup {
 public:
  virtual ~CredentialLookup() = default;
  // `session_token` is empty when the request has no X-Amz-Security-Token.
  virtual StatusOr<SigningCredential> Lookup(std::string_view access_key_id,
                                             std::string_view session_token) const = 0;
};

// The parts of an Authorization header.
struct ParsedAuthorization {
  std::string access_key_id;
  std::string date;  // YYYYMMDD from the credential scope
  std::string region;
  std::string service;
  std::string terminator;                   // must be "aws4_request"
  std::vector<std::string> signed_headers;  // lowercase, sorted, unique
  std::string signature;                    // 64 lowercase hex digits
  std::string Scope() const;                // "date/region/service/aws4_request"
};

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...". Errors are
// kIncompleteSignature.
std::optional<ParsedAuthorization> ParseAuthorization(std::string_view header, AwsError* error);

// "20150830T123600Z" <-> time point (UTC, whole seconds).
std::optional<TimePoint> ParseAmzDate(std::string_view text);
std::string FormatAmzDate(TimePoint t);

// Canonical URI: dot segments removed, empty segments collapsed, then every byte outside
// RFC 3986 unreserved and '/' percent-encoded. The path is encoded as received (so "%20"
// becomes "%2520"): this is the double encoding AWS uses for every service except S3.
std::string CanonicalUri(std::string_view path);

// Canonical query: parameters percent-decoded, re-encoded strictly, sorted by name then value.
std::string CanonicalQuery(std::string_view query);

// The canonical request over `signed_headers` (lowercase, sorted). Fails with
// kIncompleteSignature if a signed header is absent from the request.
std::optional<std::string> CanonicalRequest(const Request& request,
                                            const std::vector<std::string>& signed_headers,
                                            AwsError* error);

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
SecretBytes DeriveSigningKey(const SecretBytes& secret, std::string_view date,
                             std::string_view region, std::string_view service);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
std::string ComputeSignature(const SecretBytes& signing_key, std::string_view string_to_sign);

// Who signed a verified request.
struct VerifiedCaller {
  std::string access_key_id;
  std::string principal_id;
  std::string region;
  std::string session_token;  // empty if none
  TimePoint signed_at;
};

// Verifies the request's SigV4 signature. On failure returns nullopt and sets *error to the
// AWS error the client should see.
std::optional<VerifiedCaller> VerifySigV4(const Request& request, const SigV4Config& config,
                                          const CredentialLookup& credentials, const Clock& clock,
                                          AwsError* error);

// Signing, as an AWS SDK does: sets X-Amz-Date (and X-Amz-Security-Token if given), then
// the Authorization header over `signed_headers` (lowercase; they are sorted here).
struct SigningParams {
  std::string access_key_id;
  const SecretBytes* secret = nullptr;  // not owned; must outlive the call
  std::string region = "us-east-1";
  std::string service = "rekognition";
  std::string session_token;
  TimePoint time;
  std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date", "x-amz-target"};
};
Status SignRequest(Request& request, const SigningParams& params);

}  // namespace oversight::proxy
