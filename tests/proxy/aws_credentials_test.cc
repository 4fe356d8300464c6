// Finding a caller's AWS credentials as the AWS CLI does: the INI files, the environment, and
// which one wins.
#include "oversight/proxy/aws_credentials.h"

#include <gtest/gtest.h>

#include <map>

#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::TempDir;
using testing::WriteText;

constexpr char kCredentials[] =
    "# written by oversight init\r\n"
    "[default]\r\n"
    "aws_access_key_id = AKIADEFAULT0000001\r\n"
    "aws_secret_access_key = default-secret-0000000\r\n"
    "\n"
    "[ det.jones ]\n"
    "; a comment\n"
    "AWS_Access_Key_Id=AKIAJONES000000001\n"
    "aws_secret_access_key =  jones/secret+key=0000  \n"
    "aws_session_token = tok\n"
    "s3 =\n"
    "  max_concurrent_requests = 20\n"
    "[no-secret]\n"
    "aws_access_key_id = AKIANOSECRET000001\n";

std::string SecretText(const ClientCredentials& c) {
  return std::string(reinterpret_cast<const char*>(c.secret.view().data()), c.secret.size());
}

TEST(SharedCredentialsTest, ReadsTheNamedProfile) {
  auto c = ParseSharedCredentials(kCredentials, "det.jones", "creds");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAJONES000000001");
  EXPECT_EQ(SecretText(*c), "jones/secret+key=0000");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ(c->source, "profile det.jones in creds");
}

TEST(SharedCredentialsTest, ToleratesCrlfAndComments) {
  auto c = ParseSharedCredentials(kCredentials, "default", "creds");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIADEFAULT0000001");
  EXPECT_EQ(SecretText(*c), "default-secret-0000000");
  EXPECT_EQ(c->session_token, "");
}

TEST(SharedCredentialsTest, MissingProfileIsNotFound) {
  auto c = ParseSharedCredentials(kCredentials, "nobody", "creds");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("--profile"), std::string::npos);
}

TEST(SharedCredentialsTest, ProfileWithoutSecretIsInvalid) {
  auto c = ParseSharedCredentials(kCredentials, "no-secret", "creds");
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("aws_secret_access_key"), std::string::npos);
}

TEST(SharedCredentialsTest, AmbiguousFilesAreRefusedWithoutShowingSecrets) {
  const std::string twice_key =
      "[p]\naws_access_key_id = A\naws_secret_access_key = first-secret\n"
      "aws_secret_access_key = second-secret\n";
  auto c = ParseSharedCredentials(twice_key, "p", "creds");
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("line 4"), std::string::npos) << c.status().ToString();
  EXPECT_EQ(c.status().message().find("secret-"), std::string::npos) << c.status().ToString();

  const std::string twice_section = "[p]\naws_access_key_id = A\n[q]\n[p]\n";
  EXPECT_EQ(ParseSharedCredentials(twice_section, "p", "creds").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(IniTest, KeysOutsideTheSectionAreIgnored) {
  auto v = FindIniValue("region = x\n[a]\nregion = y\n[b]\nregion = z\n", "b", "REGION");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or("none"), "z");
  v = FindIniValue("[a]\nregion = y\n", "b", "region");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->has_value());
}

class ResolveTest : public ::testing::Test {
 protected:
  ResolveTest() {
    WriteText(dir_.path() + "/credentials", kCredentials, 0600);
    WriteText(dir_.path() + "/config",
              "[default]\nregion = eu-west-1\n[profile det.jones]\n"
              "region = us-west-2\n");
    env_["AWS_SHARED_CREDENTIALS_FILE"] = dir_.path() + "/credentials";
    env_["AWS_CONFIG_FILE"] = dir_.path() + "/config";
  }

  StatusOr<CredentialResolution> Resolve(std::string_view profile = "") {
    return ResolveClientCredentials(
        [this](std::string_view name) -> std::optional<std::string> {
          auto it = env_.find(std::string(name));
          if (it == env_.end()) return std::nullopt;
          return it->second;
        },
        profile);
  }

  TempDir dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ResolveTest, DefaultProfileAndItsRegion) {
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials.access_key_id, "AKIADEFAULT0000001");
  EXPECT_EQ(r->credentials.region, "eu-west-1");
  EXPECT_FALSE(r->warning.has_value());
}

TEST_F(ResolveTest, AwsProfileSelectsTheProfileAndItsConfigSection) {
  env_["AWS_PROFILE"] = "det.jones";
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials.access_key_id, "AKIAJONES000000001");
  EXPECT_EQ(r->credentials.region, "us-west-2");
}

TEST_F(ResolveTest, EnvironmentKeysBeatAwsProfileButNotAnExplicitProfile) {
  env_["AWS_PROFILE"] = "det.jones";
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV00000000001";
  env_["AWS_SECRET_ACCESS_KEY"] = "env-secret";
  env_["AWS_SESSION_TOKEN"] = "env-token";
  env_["AWS_REGION"] = "ap-south-1";
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials.access_key_id, "AKIAENV00000000001");
  EXPECT_EQ(SecretText(r->credentials), "env-secret");
  EXPECT_EQ(r->credentials.session_token, "env-token");
  EXPECT_EQ(r->credentials.region, "ap-south-1");
  EXPECT_EQ(r->credentials.source, "environment");

  r = Resolve("default");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials.access_key_id, "AKIADEFAULT0000001");
}

TEST_F(ResolveTest, HalfTheEnvironmentKeysIsAnError) {
  env_["AWS_ACCESS_KEY_ID"] = "AKIAENV00000000001";
  EXPECT_EQ(Resolve().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ResolveTest, MissingFileSaysWhereCredentialsComeFrom) {
  env_["AWS_SHARED_CREDENTIALS_FILE"] = dir_.path() + "/absent";
  auto r = Resolve();
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

TEST_F(ResolveTest, GroupReadableFileIsReadWithAWarning) {
  WriteText(dir_.path() + "/loose", kCredentials, 0644);
  env_["AWS_SHARED_CREDENTIALS_FILE"] = dir_.path() + "/loose";
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->warning.has_value());
  EXPECT_NE(r->warning->find("chmod 600"), std::string::npos);
}

}  // namespace
}  // namespace oversight::proxy
