// The AWS JSON 1.1 envelope and error shape as botocore parses them.
#include "oversight/proxy/aws_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

TEST(AwsJsonTest, EveryKnownOperationParsesFromItsTarget) {
  for (std::string_view name :
       {"CreateCollection", "DeleteCollection", "ListCollections", "DescribeCollection",
        "IndexFaces", "ListFaces", "DeleteFaces", "SearchFacesByImage", "SearchFaces",
        "CompareFaces", "DetectFaces"}) {
    AwsError error;
    std::optional<Operation> op = ParseTarget("RekognitionService." + std::string(name), &error);
    ASSERT_TRUE(op.has_value()) << name;
    EXPECT_EQ(OperationName(*op), name);
  }
}

TEST(AwsJsonTest, UnknownOrForeignTargetsAreUnknownOperation) {
  for (std::string_view target : {"RekognitionService.DetectLabels", "DynamoDB_20120810.GetItem",
                                  "RekognitionService", "rekognitionservice.ListFaces", ""}) {
    AwsError error;
    EXPECT_FALSE(ParseTarget(target, &error).has_value()) << target;
    EXPECT_EQ(error.type, ErrorType::kUnknownOperation);
  }
}

TEST(AwsJsonTest, ContentTypeAcceptsJson11WithParametersOnly) {
  EXPECT_TRUE(IsAwsJsonContentType("application/x-amz-json-1.1"));
  EXPECT_TRUE(IsAwsJsonContentType("Application/X-Amz-Json-1.1; charset=utf-8"));
  EXPECT_TRUE(IsAwsJsonContentType("application/json"));
  EXPECT_FALSE(IsAwsJsonContentType("application/x-amz-json-1.0"));
  EXPECT_FALSE(IsAwsJsonContentType("application/x-www-form-urlencoded"));
}

TEST(AwsJsonTest, EnvelopeOfCliRequestIsValid) {
  AwsError error;
  EXPECT_EQ(ValidateJsonEnvelope(testing::CliRequest("SearchFaces"), &error),
            Operation::kSearchFaces);
}

TEST(AwsJsonTest, EnvelopeRefusesWrongMethodPathAndContentType) {
  AwsError error;
  Request r = testing::CliRequest("ListFaces");
  r.method = "GET";
  EXPECT_FALSE(ValidateJsonEnvelope(r, &error));
  EXPECT_EQ(error.type, ErrorType::kSerialization);
  r = testing::CliRequest("ListFaces");
  r.path = "/other";
  EXPECT_FALSE(ValidateJsonEnvelope(r, &error));
  EXPECT_EQ(error.type, ErrorType::kSerialization);
  r = testing::CliRequest("ListFaces");
  SetHeader(r.headers, "Content-Type", "text/plain");
  EXPECT_FALSE(ValidateJsonEnvelope(r, &error));
  EXPECT_EQ(error.type, ErrorType::kSerialization);
  r = testing::CliRequest("ListFaces");
  r.headers.emplace_back("x-amz-target", "RekognitionService.ListFaces");
  EXPECT_FALSE(ValidateJsonEnvelope(r, &error));
  EXPECT_EQ(error.type, ErrorType::kUnknownOperation);
}

TEST(AwsJsonTest, ErrorResponseHasBotocoreShape) {
  Response r = MakeErrorResponse({ErrorType::kAccessDenied, "rule \"w1\" denies"}, "req-1");
  EXPECT_EQ(r.status, 400);
  std::string_view v;
  ASSERT_TRUE(SingleHeader(r.headers, "content-type", &v));
  EXPECT_EQ(v, "application/x-amz-json-1.1");
  ASSERT_TRUE(SingleHeader(r.headers, "x-amzn-requestid", &v));
  EXPECT_EQ(v, "req-1");
  nlohmann::json body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["__type"], "AccessDeniedException");
  EXPECT_EQ(body["message"], "rule \"w1\" denies");
}

TEST(AwsJsonTest, StatusCodesSeparateClientErrorsFromFaults) {
  EXPECT_EQ(HttpStatusFor(ErrorType::kInvalidSignature), 400);
  EXPECT_EQ(HttpStatusFor(ErrorType::kUnrecognizedClient), 400);
  EXPECT_EQ(HttpStatusFor(ErrorType::kAccessDenied), 400);
  EXPECT_EQ(HttpStatusFor(ErrorType::kMissingAuthenticationToken), 403);
  EXPECT_EQ(HttpStatusFor(ErrorType::kRequestEntityTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorType::kInternalServerError), 500);
  EXPECT_EQ(HttpStatusFor(ErrorType::kServiceUnavailable), 503);
}

TEST(AwsJsonTest, InvalidUtf8InMessageStillGivesValidJson) {
  Response r = MakeErrorResponse({ErrorType::kUnknownOperation, "bad \xff name"}, "id");
  nlohmann::json parsed;
  EXPECT_NO_THROW(parsed = nlohmann::json::parse(r.body));
}

TEST(AwsJsonTest, RequestIdsAreDistinctUuidV4) {
  std::string a = NewRequestId(), b = NewRequestId();
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
}

}  // namespace
}  // namespace oversight::proxy
