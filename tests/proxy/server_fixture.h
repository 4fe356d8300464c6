// The end-to-end server fixture: a throwaway PKI per test suite, a server on port 0 with real
// TLS, and helpers that drive it with curl --aws-sigv4 and openssl s_client.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <optional>
#include <string>

#include "oversight/common/clock.h"
#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/server.h"
#include "oversight/proxy/sigv4.h"
#include "proxy_test_util.h"

namespace oversight::proxy {

using testing::CommandResult;
using testing::RawTlsClient;

inline constexpr char kKeyId[] = "AKIAOVERSIGHT00001";
inline constexpr char kSecret[] = "s3cr3t-investigator-key";

// Authenticates like the proxy will (envelope, then SigV4) and echoes who called what.
inline Response EchoHandler(const Request& r, const CredentialLookup& lookup) {
  AwsError error;
  std::optional<Operation> op = ValidateJsonEnvelope(r, &error);
  if (!op) return MakeErrorResponse(error, r.request_id);
  std::optional<VerifiedCaller> caller =
      VerifySigV4(r, SigV4Config::ForAwsJson(), lookup, SystemClock::Instance(), &error);
  if (!caller) return MakeErrorResponse(error, r.request_id);
  return MakeJsonResponse("{\"CollectionIds\":[],\"Principal\":\"" + caller->principal_id +
                              "\",\"Operation\":\"" + std::string(OperationName(*op)) +
                              "\",\"ClientCert\":\"" + r.client_cert_subject +
                              "\",\"ClientCn\":\"" + r.client_cert_cn + "\"}",
                          r.request_id);
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    signal(SIGPIPE, SIG_IGN);  // writes to a socket the server closed must not kill the test
    dir_ = new testing::TempDir();
    pki_ = new testing::TestPki(*dir_);
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }

  void SetUp() override {
    ASSERT_TRUE(pki_->ok) << pki_->error;
    lookup_.Add(kKeyId, kSecret);
    config_.cert_file = pki_->server_cert;
    config_.key_file = pki_->server_key;
  }

  void StartServer(Handler handler = nullptr) {
    if (!handler) handler = [this](const Request& r) { return EchoHandler(r, lookup_); };
    auto server = Server::Start(config_, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::string Url() const { return "https://127.0.0.1:" + std::to_string(server_->port()) + "/"; }

  // curl signing with SigV4 the way the users will: --aws-sigv4 and --user.
  CommandResult Curl(const std::string& user, const std::string& op = "ListCollections",
                     const std::string& extra = "") {
    return testing::Run("curl -sS --max-time 60 --cacert '" + pki_->ca_cert +
                        "' --aws-sigv4 'aws:amz:us-east-1:rekognition' --user '" + user +
                        "' -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: "
                        "RekognitionService." +
                        op + "' -d '{}' -w '\\nHTTP %{http_code}' " + extra + " '" + Url() + "'");
  }

  CommandResult SClient(const std::string& args) {
    return testing::Run(
        "echo | timeout 60 openssl s_client -connect 127.0.0.1:" + std::to_string(server_->port()) +
        " -CAfile '" + pki_->ca_cert + "' " + args);
  }

  static inline testing::TempDir* dir_ = nullptr;
  static inline testing::TestPki* pki_ = nullptr;
  testing::MapLookup lookup_;
  ServerConfig config_;
  std::unique_ptr<Server> server_;
};

}  // namespace oversight::proxy
