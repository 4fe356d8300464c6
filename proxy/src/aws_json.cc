#include "oversight/proxy/aws_json.h"

#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace oversight::proxy {
namespace {

constexpr std::array<std::pair<Operation, std::string_view>, 11> kOperations = {{
    {Operation::kCreateCollection, "CreateCollection"},
    {Operation::kDeleteCollection, "DeleteCollection"},
    {Operation::kListCollections, "ListCollections"},
    {Operation::kDescribeCollection, "DescribeCollection"},
    {Operation::kIndexFaces, "IndexFaces"},
    {Operation::kListFaces, "ListFaces"},
    {Operation::kDeleteFaces, "DeleteFaces"},
    {Operation::kSearchFacesByImage, "SearchFacesByImage"},
    {Operation::kSearchFaces, "SearchFaces"},
    {Operation::kCompareFaces, "CompareFaces"},
    {Operation::kDetectFaces, "DetectFaces"},
}};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view OperationName(Operation op) {
  for (const auto& [o, name] : kOperations) {
    if (o == op) return name;
  }
  return "Unknown";
}

std::optional<Operation> ParseOperationName(std::string_view name) {
  for (const auto& [o, n] : kOperations) {
    if (n == name) return o;
  }
  return std::nullopt;
}

std::optional<Operation> ParseTarget(std::string_view target, AwsError* error) {
  std::string_view t = TrimSpaces(target);
  std::size_t dot = t.find('.');
  if (dot == std::string_view::npos || t.substr(0, dot) != kTargetPrefix) {
    *error = {ErrorType::kUnknownOperation, "X-Amz-Target must be RekognitionService.<Operation>"};
    return std::nullopt;
  }
  std::optional<Operation> op = ParseOperationName(t.substr(dot + 1));
  if (!op) {
    // Naming the operation helps the caller; it is the caller's own (non-secret) input,
    // truncated so a huge header cannot bloat the error.
    *error = {ErrorType::kUnknownOperation,
              "unknown operation: " + std::string(t.substr(dot + 1, 64))};
  }
  return op;
}

bool IsAwsJsonContentType(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  std::string lower = AsciiLower(TrimSpaces(media));
  return lower == kAwsJsonContentType || lower == "application/json";
}

std::optional<Operation> ValidateJsonEnvelope(const Request& request, AwsError* error) {
  if (request.method != "POST" || request.path != "/") {
    *error = {ErrorType::kSerialization, "AWS JSON 1.1 calls are POST /"};
    return std::nullopt;
  }
  std::string_view content_type;
  if (!SingleHeader(request.headers, "content-type", &content_type) ||
      !IsAwsJsonContentType(content_type)) {
    *error = {ErrorType::kSerialization, "Content-Type must be application/x-amz-json-1.1"};
    return std::nullopt;
  }
  std::string_view target;
  if (!SingleHeader(request.headers, "x-amz-target", &target)) {
    *error = {ErrorType::kUnknownOperation, "exactly one X-Amz-Target header is required"};
    return std::nullopt;
  }
  return ParseTarget(target, error);
}

Response MakeJsonResponse(std::string body, std::string_view request_id) {
  Response response;
  response.status = 200;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", std::string(kAwsJsonContentType));
  response.headers.emplace_back("x-amzn-RequestId", std::string(request_id));
  return response;
}

}  // namespace oversight::proxy
