#include "oversight/proxy/aws_error.h"

#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "oversight/common/encoding.h"

namespace oversight::proxy {

std::string_view ErrorTypeName(ErrorType type) {
  switch (type) {
    case ErrorType::kMissingAuthenticationToken:
      return "MissingAuthenticationTokenException";
    case ErrorType::kIncompleteSignature:
      return "IncompleteSignatureException";
    case ErrorType::kInvalidSignature:
      return "InvalidSignatureException";
    case ErrorType::kUnrecognizedClient:
      return "UnrecognizedClientException";
    case ErrorType::kExpiredToken:
      return "ExpiredTokenException";
    case ErrorType::kUnknownOperation:
      return "UnknownOperationException";
    case ErrorType::kSerialization:
      return "SerializationException";
    case ErrorType::kInvalidParameter:
      return "InvalidParameterException";
    case ErrorType::kImageTooLarge:
      return "ImageTooLargeException";
    case ErrorType::kResourceNotFound:
      return "ResourceNotFoundException";
    case ErrorType::kRequestEntityTooLarge:
      return "RequestEntityTooLargeException";
    case ErrorType::kRequestHeaderTooLarge:
      return "RequestHeaderFieldsTooLargeException";
    case ErrorType::kBadRequest:
      return "BadRequestException";
    case ErrorType::kAccessDenied:
      return "AccessDeniedException";
    case ErrorType::kThrottling:
      return "ThrottlingException";
    case ErrorType::kInternalServerError:
      return "InternalServerError";
    case ErrorType::kServiceUnavailable:
      return "ServiceUnavailableException";
  }
  std::abort();  // every enumerator is handled above
}

int HttpStatusFor(ErrorType type) {
  switch (type) {
    case ErrorType::kMissingAuthenticationToken:
      return 403;
    case ErrorType::kRequestEntityTooLarge:
      return 413;
    case ErrorType::kRequestHeaderTooLarge:
      return 431;
    case ErrorType::kInternalServerError:
      return 500;
    case ErrorType::kServiceUnavailable:
      return 503;
    default:
      return 400;
  }
}

Response MakeErrorResponse(const AwsError& error, std::string_view request_id) {
  Response response;
  response.status = HttpStatusFor(error.type);
  // dump() with replace: a message that quotes client input must not make invalid JSON.
  nlohmann::json body = {{"__type", std::string(ErrorTypeName(error.type))},
                         {"message", error.message}};
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.1");
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return response;
}

std::string NewRequestId() {
  std::array<std::uint8_t, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) std::abort();  // no CSPRNG: fatal
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);                   // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);                   // RFC 4122 variant
  std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace oversight::proxy
