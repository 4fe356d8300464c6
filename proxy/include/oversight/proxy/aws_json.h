// The AWS JSON 1.1 protocol as Rekognition uses it: every call is `POST /` with
// `Content-Type: application/x-amz-json-1.1` and `X-Amz-Target: RekognitionService.<Op>`,
// a JSON object body, and a JSON object (or AwsError) back.
//
// Pure functions over Request values; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "oversight/proxy/aws_error.h"
#include "oversight/proxy/http_types.h"

namespace oversight::proxy {

inline constexpr std::string_view kAwsJsonContentType = "application/x-amz-json-1.1";
inline constexpr std::string_view kTargetPrefix = "RekognitionService";

// The operations the proxy serves (the same set as the matcher).
enum class Operation {
  kCreateCollection,
  kDeleteCollection,
  kListCollections,
  kDescribeCollection,
  kIndexFaces,
  kListFaces,
  kDeleteFaces,
  kSearchFacesByImage,
  kSearchFaces,
  kCompareFaces,
  kDetectFaces,
};

// "SearchFacesByImage" for kSearchFacesByImage.
std::string_view OperationName(Operation op);

// The operation for an exact, case-sensitive name; nullopt for anything else.
std::optional<Operation> ParseOperationName(std::string_view name);

// Parses an X-Amz-Target value "RekognitionService.<Op>". Errors are kUnknownOperation.
std::optional<Operation> ParseTarget(std::string_view target, AwsError* error);

// True for "application/x-amz-json-1.1", ignoring case and parameters such as charset
// (botocore sends none; curl users may add "; charset=utf-8"). Also accepts
// "application/json", which some SDKs use for JSON 1.1 services.
bool IsAwsJsonContentType(std::string_view content_type);

// Checks the envelope of a JSON 1.1 call (method POST, path "/", one Content-Type that
// IsAwsJsonContentType accepts, one X-Amz-Target naming a known operation) and returns the
// operation. Does not look at the body: that is the operation's parser's job.
std::optional<Operation> ValidateJsonEnvelope(const Request& request, AwsError* error);

// A successful JSON 1.1 response: status 200, the content type and the request id header.
Response MakeJsonResponse(std::string body, std::string_view request_id);

}  // namespace oversight::proxy
