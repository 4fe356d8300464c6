// SigV4 verification: what is accepted, and the exact AWS error for each way a request fails.
#include "oversight/proxy/sigv4.h"

#include <gtest/gtest.h>

#include "oversight/common/clock.h"
#include "oversight/common/encoding.h"
#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::kExampleKeyId;
using testing::kExampleSecret;

class SigV4Test : public ::testing::Test {
 protected:
  SigV4Test() : clock_(testing::CliTime()), secret_(AsBytes(kExampleSecret)) {
    lookup_.Add(kExampleKeyId, kExampleSecret);
    lookup_.Add("AKIDSESSION0000001", "sessionsecretsessionsecret", "token-123");
    config_ = SigV4Config::ForAwsJson();
  }

  Request Signed(std::string op = "ListCollections", std::string body = "{}") {
    Request r = testing::CliRequest(std::move(op), std::move(body));
    SigningParams p = Params();
    EXPECT_TRUE(SignRequest(r, p).ok());
    return r;
  }

  SigningParams Params() {
    SigningParams p;
    p.access_key_id = kExampleKeyId;
    p.secret = &secret_;
    p.time = testing::CliTime();
    return p;
  }

  // Verifies and returns the error type (nullopt when accepted).
  std::optional<ErrorType> Verify(const Request& r) {
    std::optional<VerifiedCaller> caller = VerifySigV4(r, config_, lookup_, clock_, &error_);
    if (caller) return std::nullopt;
    return error_.type;
  }

  void SetHeaderValue(Request& r, const std::string& name, const std::string& value) {
    SetHeader(r.headers, name, value);
  }

  FakeClock clock_;
  SecretBytes secret_;
  testing::MapLookup lookup_;
  SigV4Config config_;
  AwsError error_;
};

TEST_F(SigV4Test, CliStyleRequestIsAccepted) {
  Request r = Signed();
  std::optional<VerifiedCaller> caller = VerifySigV4(r, config_, lookup_, clock_, &error_);
  ASSERT_TRUE(caller.has_value()) << error_.message;
  EXPECT_EQ(caller->principal_id, "principal-AKIDEXAMPLE");
  EXPECT_EQ(caller->region, "us-east-1");
  EXPECT_EQ(caller->signed_at, testing::CliTime());
}

TEST_F(SigV4Test, WrongSecretIsInvalidSignature) {
  SecretBytes wrong(AsBytes(std::string_view("not-the-right-secret-at-all")));
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.secret = &wrong;
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("signature we calculated does not match"), std::string::npos);
}

TEST_F(SigV4Test, ErrorMessagesNeverContainSecretsOrExpectedSignature) {
  SecretBytes wrong(AsBytes(std::string_view("not-the-right-secret-at-all")));
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.secret = &wrong;
  ASSERT_TRUE(SignRequest(r, p).ok());
  Request good = Signed();
  std::string_view good_auth;
  ASSERT_TRUE(SingleHeader(good.headers, "authorization", &good_auth));
  std::string good_signature(good_auth.substr(good_auth.size() - 64));
  ASSERT_TRUE(Verify(r).has_value());
  EXPECT_EQ(error_.message.find(kExampleSecret), std::string::npos);
  EXPECT_EQ(error_.message.find(good_signature), std::string::npos);
}

TEST_F(SigV4Test, TamperedBodyIsInvalidSignature) {
  Request r = Signed("SearchFacesByImage", R"({"CollectionId":"a","FaceMatchThreshold":99})");
  r.body = R"({"CollectionId":"a","FaceMatchThreshold":50})";
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
}

TEST_F(SigV4Test, TamperedSignedHeaderIsInvalidSignature) {
  Request r = Signed("ListCollections");
  SetHeaderValue(r, "X-Amz-Target", "RekognitionService.DeleteCollection");
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
}

TEST_F(SigV4Test, UnsignedHeadersMayChangeFreely) {
  Request r = Signed();
  SetHeaderValue(r, "User-Agent", "something else");
  EXPECT_EQ(Verify(r), std::nullopt) << error_.message;
}

TEST_F(SigV4Test, TargetHeaderNotSignedIsRefused) {
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.signed_headers = {"content-type", "host", "x-amz-date"};
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("'x-amz-target' must be a SignedHeader"), std::string::npos);
}

TEST_F(SigV4Test, HostNotSignedIsRefusedEvenWithoutJsonRequirements) {
  config_ = SigV4Config();  // only host and x-amz-date required
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.signed_headers = {"x-amz-date"};
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("'host'"), std::string::npos);
}

TEST_F(SigV4Test, SignedHeaderMissingFromRequestIsIncomplete) {
  Request r = Signed();
  std::erase_if(r.headers, [](const auto& h) { return HeaderNameEquals(h.first, "content-type"); });
  EXPECT_EQ(Verify(r), ErrorType::kIncompleteSignature);
}

TEST_F(SigV4Test, DateJustInsideSkewWindowIsAccepted) {
  Request r = Signed();
  clock_.Advance(std::chrono::seconds(300));
  EXPECT_EQ(Verify(r), std::nullopt) << error_.message;
  clock_.Advance(std::chrono::seconds(-600));
  EXPECT_EQ(Verify(r), std::nullopt) << error_.message;
}

TEST_F(SigV4Test, ExpiredDateIsSignatureExpired) {
  Request r = Signed();
  clock_.Advance(std::chrono::seconds(301));
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_EQ(error_.message,
            "Signature expired: 20261126T050510Z is now earlier than 20261126T050511Z "
            "(20261126T051011Z - 5 min.)");
}

TEST_F(SigV4Test, FutureDateIsNotYetCurrent) {
  Request r = Signed();
  clock_.Advance(std::chrono::seconds(-301));
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_EQ(error_.message.rfind("Signature not yet current:", 0), 0u) << error_.message;
}

TEST_F(SigV4Test, SkewWindowIsConfigurable) {
  config_.max_skew = std::chrono::seconds(30);
  Request r = Signed();
  clock_.Advance(std::chrono::seconds(31));
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  clock_.Advance(std::chrono::seconds(-2));
  EXPECT_EQ(Verify(r), std::nullopt);
}

TEST_F(SigV4Test, ScopeDateDifferentFromAmzDateIsRefused) {
  Request r = Signed();
  for (auto& [name, value] : r.headers) {
    if (HeaderNameEquals(name, "authorization")) {
      value.replace(value.find("/20261126/"), 10, "/20261125/");
    }
  }
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("Date in Credential scope"), std::string::npos);
}

TEST_F(SigV4Test, WrongServiceIsRefused) {
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.service = "s3";
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("correct service: 'rekognition'"), std::string::npos);
}

TEST_F(SigV4Test, RegionOutsideAllowedSetIsRefused) {
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.region = "eu-west-1";
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  config_.allowed_regions.push_back("eu-west-1");
  EXPECT_EQ(Verify(r), std::nullopt);
}

TEST_F(SigV4Test, UnknownAccessKeyIsUnrecognizedClient) {
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.access_key_id = "AKIDUNKNOWN0000000";
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kUnrecognizedClient);
}

TEST_F(SigV4Test, MissingAuthorizationIsMissingAuthenticationToken) {
  Request r = testing::CliRequest("ListCollections");
  EXPECT_EQ(Verify(r), ErrorType::kMissingAuthenticationToken);
  EXPECT_EQ(HttpStatusFor(error_.type), 403);
}

TEST_F(SigV4Test, MissingAmzDateIsIncomplete) {
  Request r = Signed();
  std::erase_if(r.headers, [](const auto& h) { return HeaderNameEquals(h.first, "x-amz-date"); });
  EXPECT_EQ(Verify(r), ErrorType::kIncompleteSignature);
}

TEST_F(SigV4Test, SessionTokenIsSignedAndPassedToLookup) {
  SecretBytes secret(AsBytes(std::string_view("sessionsecretsessionsecret")));
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.access_key_id = "AKIDSESSION0000001";
  p.secret = &secret;
  p.session_token = "token-123";
  ASSERT_TRUE(SignRequest(r, p).ok());
  std::optional<VerifiedCaller> caller = VerifySigV4(r, config_, lookup_, clock_, &error_);
  ASSERT_TRUE(caller.has_value()) << error_.message;
  EXPECT_EQ(caller->session_token, "token-123");
  EXPECT_EQ(lookup_.last_token, "token-123");
}

TEST_F(SigV4Test, WrongSessionTokenIsUnrecognizedClient) {
  SecretBytes secret(AsBytes(std::string_view("sessionsecretsessionsecret")));
  Request r = testing::CliRequest("ListCollections");
  SigningParams p = Params();
  p.access_key_id = "AKIDSESSION0000001";
  p.secret = &secret;
  p.session_token = "token-999";
  ASSERT_TRUE(SignRequest(r, p).ok());
  EXPECT_EQ(Verify(r), ErrorType::kUnrecognizedClient);
}

TEST_F(SigV4Test, UnsignedSessionTokenIsRefused) {
  Request r = Signed();
  r.headers.emplace_back("X-Amz-Security-Token", "token-123");
  EXPECT_EQ(Verify(r), ErrorType::kInvalidSignature);
  EXPECT_NE(error_.message.find("x-amz-security-token"), std::string::npos);
}

class ExpiringLookup final : public CredentialLookup {
 public:
  StatusOr<SigningCredential> Lookup(std::string_view, std::string_view) const override {
    return Status::FailedPrecondition("session expired");
  }
};

TEST_F(SigV4Test, ExpiredSessionIsExpiredToken) {
  Request r = Signed();
  ExpiringLookup lookup;
  EXPECT_FALSE(VerifySigV4(r, config_, lookup, clock_, &error_).has_value());
  EXPECT_EQ(error_.type, ErrorType::kExpiredToken);
}

struct MalformedCase {
  const char* name;
  const char* authorization;
};

class MalformedAuthorizationTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedAuthorizationTest, IsIncompleteSignature) {
  AwsError error;
  EXPECT_FALSE(ParseAuthorization(GetParam().authorization, &error).has_value());
  EXPECT_EQ(error.type, ErrorType::kIncompleteSignature);
}

constexpr char kSig[] = "f8a79856223e9b65a896ddf731b1806a44fa8ec0e1a33c382c0f36c4094f682e";
const std::string kCred = "Credential=AKIDEXAMPLE/20261126/us-east-1/rekognition/aws4_request";
const std::string kGood =
    "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=host;x-amz-date, Signature=" + kSig;
const std::string kHmacV2 = "AWS " + std::string("AKIDEXAMPLE:abc=");
const std::string kEcdsa =
    "AWS4-ECDSA-P256-SHA256 " + kCred + ", SignedHeaders=host, Signature=" + kSig;
const std::string kNoSig = "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=host;x-amz-date";
const std::string kShortSig = "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=host, Signature=abc";
const std::string kUpperSig =
    "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=host, Signature=" + std::string(64, 'A');
const std::string kUnsorted =
    "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=x-amz-date;host, Signature=" + kSig;
const std::string kUpperHeader =
    "AWS4-HMAC-SHA256 " + kCred + ", SignedHeaders=Host, Signature=" + kSig;
const std::string kFourPartCred =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261126/us-east-1/aws4_request, SignedHeaders=host, "
    "Signature=" +
    std::string(kSig);
const std::string kRepeated = kGood + ", Signature=" + kSig;
const std::string kExtra = kGood + ", Foo=bar";

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedAuthorizationTest,
    ::testing::Values(MalformedCase{"empty", ""}, MalformedCase{"sigv2", kHmacV2.c_str()},
                      MalformedCase{"other_algorithm", kEcdsa.c_str()},
                      MalformedCase{"no_signature", kNoSig.c_str()},
                      MalformedCase{"short_signature", kShortSig.c_str()},
                      MalformedCase{"uppercase_signature", kUpperSig.c_str()},
                      MalformedCase{"unsorted_signed_headers", kUnsorted.c_str()},
                      MalformedCase{"uppercase_signed_header", kUpperHeader.c_str()},
                      MalformedCase{"four_part_credential", kFourPartCred.c_str()},
                      MalformedCase{"repeated_component", kRepeated.c_str()},
                      MalformedCase{"unknown_component", kExtra.c_str()}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(ParseAuthorizationTest, WellFormedHeaderParses) {
  AwsError error;
  std::optional<ParsedAuthorization> a = ParseAuthorization(kGood, &error);
  ASSERT_TRUE(a.has_value()) << error.message;
  EXPECT_EQ(a->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->service, "rekognition");
  EXPECT_EQ(a->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
}

TEST(AmzDateTest, RoundTripsAndRejectsMalformed) {
  std::optional<TimePoint> t = ParseAmzDate("20240229T235959Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatAmzDate(*t), "20240229T235959Z");
  EXPECT_FALSE(ParseAmzDate("20230229T000000Z"));  // not a leap year
  EXPECT_FALSE(ParseAmzDate("20240101T240000Z"));
  EXPECT_FALSE(ParseAmzDate("2024-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseAmzDate("20240101T000000"));
}

TEST(CanonicalTest, UriRemovesDotSegmentsAndEncodesOnce) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c//d/"), "/a/c/d/");
  EXPECT_EQ(CanonicalUri("/%20"), "/%2520");
  EXPECT_EQ(CanonicalUri("/a b"), "/a%20b");
}

TEST(CanonicalTest, QueryIsDecodedReencodedAndSorted) {
  EXPECT_EQ(CanonicalQuery("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQuery("k=a%20b&x"), "k=a%20b&x=");
  EXPECT_EQ(CanonicalQuery("k=a+b/c"), "k=a%2Bb%2Fc");
  EXPECT_EQ(CanonicalQuery("k=%zz"), "k=%25zz");
}

}  // namespace
}  // namespace oversight::proxy
