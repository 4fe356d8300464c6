// AwsError: the one vocabulary of failures the proxy reports to clients, in the AWS JSON 1.1
// error shape that botocore and the AWS CLI parse.
//
// The body is {"__type":"<Name>","message":"..."} with Content-Type application/x-amz-json-1.1
// and an x-amzn-RequestId header. botocore takes the error code from __type and the message
// from "message"; it retries 5xx responses and throttling codes, so every refusal the client
// must not retry (auth failures, policy denials) uses a 4xx status and a non-retryable name.
// Messages never contain secrets: they name the failed check, not the values compared.
#pragma once

#include <string>
#include <string_view>

#include "oversight/proxy/http_types.h"

namespace oversight::proxy {

enum class ErrorType {
  // Authentication (SigV4).
  kMissingAuthenticationToken,  // 403: no Authorization header at all
  kIncompleteSignature,         // 400: Authorization header or X-Amz-Date malformed/incomplete
  kInvalidSignature,            // 400: wrong signature, bad scope, expired, unsigned header
  kUnrecognizedClient,          // 400: unknown access key id or invalid session token
  kExpiredToken,                // 400: session token known but expired
  // Protocol.
  kUnknownOperation,       // 400: X-Amz-Target missing or not a known RekognitionService op
  kSerialization,          // 400: wrong method, path or Content-Type; body not JSON
  kInvalidParameter,       // 400: Rekognition's InvalidParameterException
  kImageTooLarge,          // 400: a decoded image over Rekognition's 5 MiB
  kResourceNotFound,       // 400: an unknown record, session or ledger index
  kRequestEntityTooLarge,  // 413: body over the configured limit
  kRequestHeaderTooLarge,  // 431: headers over the configured limit
  kBadRequest,             // 400: malformed HTTP
  // Authorization and limits.
  kAccessDenied,  // 400 (as Rekognition documents it): refused by role or policy
  kThrottling,    // 400: per-principal rate limit (botocore retries it)
  // Faults.
  kInternalServerError,  // 500: a bug or unexpected library failure
  kServiceUnavailable,   // 503: a dependency (ledger, matcher) failed; fail closed
};

struct AwsError {
  ErrorType type;
  std::string message;
};

// The __type string, e.g. "InvalidSignatureException".
std::string_view ErrorTypeName(ErrorType type);

// The HTTP status sent with this error type.
int HttpStatusFor(ErrorType type);

// Builds the complete error response (status, content type, request id header, JSON body).
Response MakeErrorResponse(const AwsError& error, std::string_view request_id);

// A fresh random request id in UUID v4 text form (OS CSPRNG). Thread-safe.
std::string NewRequestId();

}  // namespace oversight::proxy
