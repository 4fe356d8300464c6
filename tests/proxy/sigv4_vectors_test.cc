// The published AWS SigV4 test vectors (see testdata/sigv4/README.md) and the AWS CLI's
// ListCollections call as a known answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "oversight/common/clock.h"
#include "oversight/common/encoding.h"
#include "oversight/proxy/sigv4.h"
#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::kExampleKeyId;
using testing::kExampleSecret;
using testing::ReadText;

const std::string kDir = std::string(OVERSIGHT_PROXY_TESTDATA) + "/sigv4";

SigV4Config SuiteConfig() {
  SigV4Config config;
  config.service = "service";
  config.allowed_regions = {"us-east-1"};
  return config;
}

class AwsSuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AwsSuiteTest, SignedRequestVerifies) {
  Request request = testing::ParseRawRequest(ReadText(kDir + "/aws-c-auth/" + GetParam() + ".req"));
  testing::MapLookup lookup;
  std::string token;
  for (auto v : HeaderValues(request.headers, "x-amz-security-token")) token = std::string(v);
  lookup.Add(kExampleKeyId, kExampleSecret, token);
  FakeClock clock(*ParseAmzDate("20150830T123600Z"));
  AwsError error;
  std::optional<VerifiedCaller> caller = VerifySigV4(request, SuiteConfig(), lookup, clock, &error);
  ASSERT_TRUE(caller.has_value()) << ErrorTypeName(error.type) << ": " << error.message;
  EXPECT_EQ(caller->access_key_id, kExampleKeyId);
  EXPECT_EQ(caller->session_token, token);
}

TEST_P(AwsSuiteTest, OneCharacterChangeToSignatureIsRefused) {
  Request request = testing::ParseRawRequest(ReadText(kDir + "/aws-c-auth/" + GetParam() + ".req"));
  for (auto& [name, value] : request.headers) {
    if (HeaderNameEquals(name, "authorization")) value.back() = value.back() == '0' ? '1' : '0';
  }
  testing::MapLookup lookup;
  for (auto v : HeaderValues(request.headers, "x-amz-security-token")) {
    lookup.Add(kExampleKeyId, kExampleSecret, std::string(v));
  }
  if (HeaderValues(request.headers, "x-amz-security-token").empty()) {
    lookup.Add(kExampleKeyId, kExampleSecret);
  }
  FakeClock clock(*ParseAmzDate("20150830T123600Z"));
  AwsError error;
  EXPECT_FALSE(VerifySigV4(request, SuiteConfig(), lookup, clock, &error).has_value());
  EXPECT_EQ(error.type, ErrorType::kInvalidSignature);
}

std::vector<std::string> SuiteNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kDir + "/aws-c-auth")) {
    if (entry.path().extension() == ".req") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(AwsCAuth, AwsSuiteTest, ::testing::ValuesIn(SuiteNames()),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

class BotocoreSuiteTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BotocoreSuiteTest, CanonicalRequestStringToSignAndSignatureMatch) {
  std::string base = kDir + "/botocore/" + GetParam();
  Request request = testing::ParseRawRequest(ReadText(base + ".req"));
  AwsError error;
  std::optional<std::string> creq = CanonicalRequest(request, {"date", "host"}, &error);
  ASSERT_TRUE(creq.has_value()) << error.message;
  EXPECT_EQ(*creq, ReadText(base + ".creq"));
  std::string sts = StringToSign("20110909T233600Z", "20110909/us-east-1/host/aws4_request", *creq);
  EXPECT_EQ(sts, ReadText(base + ".sts"));
  SecretBytes secret(AsBytes(kExampleSecret));
  std::string signature =
      ComputeSignature(DeriveSigningKey(secret, "20110909", "us-east-1", "host"), sts);
  std::optional<ParsedAuthorization> authz = ParseAuthorization(ReadText(base + ".authz"), &error);
  ASSERT_TRUE(authz.has_value()) << error.message;
  EXPECT_EQ(signature, authz->signature);
  EXPECT_EQ(authz->Scope(), "20110909/us-east-1/host/aws4_request");
}

INSTANTIATE_TEST_SUITE_P(Botocore, BotocoreSuiteTest, ::testing::Values("get-space", "get-utf8"),
                         [](const auto& p) {
                           std::string n = p.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// What the AWS CLI sends for `aws rekognition list-collections` (reference §1.1/§1.5). The
// expected signature was computed independently with Python's hmac/hashlib.
TEST(AwsCliKnownAnswer, ListCollectionsCanonicalRequestAndSignature) {
  Request request = testing::CliRequest("ListCollections");
  SecretBytes secret(AsBytes(kExampleSecret));
  SigningParams params;
  params.access_key_id = kExampleKeyId;
  params.secret = &secret;
  params.time = testing::CliTime();
  ASSERT_TRUE(SignRequest(request, params).ok());
  AwsError error;
  std::optional<std::string> creq =
      CanonicalRequest(request, {"content-type", "host", "x-amz-date", "x-amz-target"}, &error);
  ASSERT_TRUE(creq.has_value());
  EXPECT_EQ(*creq,
            "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:127.0.0.1:8555\n"
            "x-amz-date:20261126T050510Z\nx-amz-target:RekognitionService.ListCollections\n\n"
            "content-type;host;x-amz-date;x-amz-target\n"
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
  std::string_view authorization;
  ASSERT_TRUE(SingleHeader(request.headers, "authorization", &authorization));
  EXPECT_EQ(authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/rekognition/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
            "Signature=f8a79856223e9b65a896ddf731b1806a44fa8ec0e1a33c382c0f36c4094f682e");
}

}  // namespace
}  // namespace oversight::proxy
