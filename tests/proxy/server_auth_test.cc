// End-to-end authentication with real clients: curl --aws-sigv4, the AWS CLI, mutual TLS.
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace oversight::proxy {
namespace {

using namespace std::chrono_literals;

// The real AWS CLI (Debian's awscli, installed by scripts/setup). Hermetic: no config or
// credentials files, no instance metadata; credentials come from the environment only.
class AwsCliTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (testing::Run("command -v aws").exit_code != 0) {
      GTEST_SKIP() << "*** the AWS CLI (`aws`) is not installed; scripts/setup installs it. "
                      "Skipping the AWS CLI end-to-end tests. ***";
    }
  }

  CommandResult Aws(const std::string& secret, const std::string& command) {
    return testing::Run(
        "env -i PATH=\"$PATH\" HOME=/nonexistent AWS_CONFIG_FILE=/dev/null "
        "AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true "
        "AWS_ACCESS_KEY_ID=" +
        std::string(kKeyId) + " AWS_SECRET_ACCESS_KEY='" + secret +
        "' AWS_DEFAULT_REGION=us-east-1 timeout 120 aws rekognition " + command +
        " --endpoint-url " + Url() + " --ca-bundle '" + pki_->ca_cert + "'");
  }
};

TEST_F(ServerTest, CurlSigV4RequestSucceeds) {
  StartServer();
  CommandResult r = Curl(std::string(kKeyId) + ":" + kSecret);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"Principal\":\"principal-AKIAOVERSIGHT00001\""), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("\"Operation\":\"ListCollections\""), std::string::npos);
  EXPECT_NE(r.output.find("HTTP 200"), std::string::npos) << r.output;
}

TEST_F(ServerTest, CurlWithWrongSecretGetsInvalidSignatureException) {
  StartServer();
  CommandResult r =
      Curl(std::string(kKeyId) + ":wrong-secret-wrong-secret", "ListCollections", "-D -");
  EXPECT_NE(r.output.find("\"__type\":\"InvalidSignatureException\""), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("HTTP 400"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("x-amzn-RequestId: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("s3cr3t"), std::string::npos);
}

TEST_F(ServerTest, CurlWithUnknownKeyGetsUnrecognizedClientException) {
  StartServer();
  CommandResult r = Curl("AKIAUNKNOWN0000000:whatever-secret-000");
  EXPECT_NE(r.output.find("\"__type\":\"UnrecognizedClientException\""), std::string::npos)
      << r.output;
}

TEST_F(ServerTest, UnknownOperationGetsUnknownOperationException) {
  StartServer();
  CommandResult r = Curl(std::string(kKeyId) + ":" + kSecret, "DetectLabels");
  EXPECT_NE(r.output.find("\"__type\":\"UnknownOperationException\""), std::string::npos)
      << r.output;
}

TEST_F(ServerTest, MutualTlsRequiresAClientCertificate) {
  config_.client_ca_file = pki_->ca_cert;
  StartServer();
  CommandResult without = Curl(std::string(kKeyId) + ":" + kSecret);
  EXPECT_NE(without.exit_code, 0) << without.output;
  EXPECT_EQ(without.output.find("HTTP 200"), std::string::npos);
  CommandResult with = Curl(std::string(kKeyId) + ":" + kSecret, "ListCollections",
                            "--cert '" + pki_->client_cert + "' --key '" + pki_->client_key + "'");
  EXPECT_NE(with.output.find("HTTP 200"), std::string::npos) << with.output;
  EXPECT_NE(with.output.find("CN=det.jones"), std::string::npos) << with.output;
}

TEST_F(AwsCliTest, ListCollectionsSucceeds) {
  StartServer();
  CommandResult r = Aws(kSecret, "list-collections");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"CollectionIds\": []"), std::string::npos) << r.output;
}

TEST_F(AwsCliTest, WrongSecretReportsInvalidSignatureException) {
  StartServer();
  CommandResult r = Aws("wrong-secret-wrong-secret", "list-collections");
  EXPECT_EQ(r.exit_code, 255) << r.output;
  EXPECT_NE(r.output.find("An error occurred (InvalidSignatureException) when calling the "
                          "ListCollections operation"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace oversight::proxy
