// End-to-end TLS policy: protocol versions, ciphers, certificate and key loading.
#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace oversight::proxy {
namespace {

using namespace std::chrono_literals;

TEST_F(ServerTest, Tls12And13AreAcceptedWithAeadCiphers) {
  StartServer();
  CommandResult tls12 = SClient("-tls1_2");
  EXPECT_EQ(tls12.exit_code, 0) << tls12.output;
  EXPECT_NE(tls12.output.find("New, TLSv1.2, Cipher is ECDHE-"), std::string::npos) << tls12.output;
  EXPECT_NE(tls12.output.find("Verify return code: 0 (ok)"), std::string::npos);
  CommandResult tls13 = SClient("-tls1_3");
  EXPECT_EQ(tls13.exit_code, 0) << tls13.output;
  EXPECT_NE(tls13.output.find("New, TLSv1.3, Cipher is TLS_"), std::string::npos) << tls13.output;
}

TEST_F(ServerTest, Tls11AndTls10AreRefused) {
  StartServer();
  // SECLEVEL=0 lets the client offer old protocols, so the refusal is the server's.
  for (const char* version : {"-tls1_1", "-tls1"}) {
    CommandResult r = SClient(std::string(version) + " -cipher 'DEFAULT:@SECLEVEL=0'");
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Cipher is (NONE)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("alert protocol version"), std::string::npos) << r.output;
  }
}

TEST_F(ServerTest, NonAeadAndNonEcdheTls12CiphersAreRefused) {
  StartServer();
  for (const char* cipher : {"ECDHE-ECDSA-AES128-SHA", "AES128-GCM-SHA256", "AES256-SHA256"}) {
    CommandResult r = SClient(std::string("-tls1_2 -cipher ") + cipher);
    EXPECT_NE(r.exit_code, 0) << cipher << "\n" << r.output;
  }
}

TEST_F(ServerTest, KeyFileReadableByOthersIsRefusedAtStart) {
  testing::TempDir dir;
  std::string key = dir.File("loose.key");
  testing::WriteText(key, testing::ReadText(pki_->server_key), 0644);
  config_.key_file = key;
  auto server = Server::Start(config_, [](const Request&) { return Response{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ServerTest, MissingCertificateFileFailsStartWithAClearError) {
  config_.cert_file = pki_->server_cert + ".missing";
  auto server = Server::Start(config_, [](const Request&) { return Response{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("TLS certificate"), std::string::npos)
      << server.status().ToString();
}

TEST_F(ServerTest, KeyNotMatchingCertificateFailsStart) {
  config_.key_file = pki_->client_key;
  auto server = Server::Start(config_, [](const Request&) { return Response{}; });
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("does not match"), std::string::npos)
      << server.status().ToString();
}

}  // namespace
}  // namespace oversight::proxy

namespace oversight::proxy {
namespace {

TEST_F(ServerTest, InvalidLimitsOrTimeoutsFailStart) {
  auto handler = [](const Request&) { return Response{}; };
  ServerConfig bad = config_;
  bad.read_timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(Server::Start(bad, handler).status().code(), StatusCode::kInvalidArgument);
  bad = config_;
  bad.body_limit = 0;
  EXPECT_EQ(Server::Start(bad, handler).status().code(), StatusCode::kInvalidArgument);
  bad = config_;
  bad.worker_threads = 0;
  EXPECT_EQ(Server::Start(bad, handler).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Server::Start(config_, Handler()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Server::Start(config_, AsyncHandler()).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oversight::proxy
