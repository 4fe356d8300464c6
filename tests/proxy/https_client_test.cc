// HttpsCall against a real proxy::Server over TLS: what it signs, what it verifies, and the
// error each way a call can fail.
#include "oversight/proxy/https_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "oversight/common/encoding.h"
#include "server_fixture.h"

namespace oversight::proxy {
namespace {

using namespace std::chrono_literals;

class HttpsClientTest : public ServerTest {
 protected:
  HttpsTarget Target(std::string host = "127.0.0.1") const {
    HttpsTarget t;
    t.host = std::move(host);
    t.port = server_ ? server_->port() : 0;
    t.ca_file = pki_->ca_cert;
    t.timeout = 20s;
    return t;
  }

  static ClientCredentials Credentials(std::string token = "") {
    ClientCredentials c;
    c.access_key_id = kKeyId;
    c.secret = SecretBytes(AsBytes(kSecret));
    c.session_token = std::move(token);
    return c;
  }

  // A Rekognition call as the AWS CLI makes it; EchoHandler checks it with VerifySigV4.
  static Request ListCollections() {
    Request r;
    r.method = "POST";
    r.path = "/";
    r.headers = {{"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Target", "RekognitionService.ListCollections"}};
    r.body = "{}";
    return r;
  }
};

TEST_F(HttpsClientTest, SignedCallPassesSigV4Verification) {
  StartServer();
  ClientCredentials creds = Credentials();
  auto response = HttpsCall(Target(), ListCollections(), &creds);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_NE(response->body.find("\"Operation\":\"ListCollections\""), std::string::npos);
  std::string_view request_id;
  EXPECT_TRUE(SingleHeader(response->headers, "x-amzn-RequestId", &request_id));
}

TEST_F(HttpsClientTest, ByHostNameTheCertificateNameIsChecked) {
  StartServer();
  ClientCredentials creds = Credentials();
  auto response = HttpsCall(Target("localhost"), ListCollections(), &creds);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200) << response->body;
}

TEST_F(HttpsClientTest, SessionTokenAndContextHeadersAreSigned) {
  lookup_.Add("ASIASESSION0000001", kSecret, "token-123");
  std::string signed_headers;
  StartServer([this, &signed_headers](const Request& r) {
    AwsError error;
    auto caller = VerifySigV4(r, SigV4Config{}, lookup_, SystemClock::Instance(), &error);
    if (!caller) return MakeErrorResponse(error, r.request_id);
    std::string_view auth;
    if (SingleHeader(r.headers, "Authorization", &auth)) {
      auto parsed = ParseAuthorization(auth, &error);
      for (const std::string& h : parsed->signed_headers) signed_headers += h + ";";
    }
    return MakeJsonResponse("{\"Token\":\"" + caller->session_token + "\"}", r.request_id);
  });
  ClientCredentials creds = Credentials("token-123");
  creds.access_key_id = "ASIASESSION0000001";
  Request r;
  r.method = "POST";
  r.path = "/oversight/v1/sessions";
  r.headers = {{"Content-Type", "application/json"}, {"X-Oversight-Warrant-Id", "W-1"}};
  r.body = R"({"duration_seconds": 3600})";
  auto response = HttpsCall(Target(), r, &creds);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->body, R"({"Token":"token-123"})");
  EXPECT_EQ(signed_headers,
            "content-type;host;x-amz-date;x-amz-security-token;"
            "x-oversight-warrant-id;");
}

TEST_F(HttpsClientTest, UnsignedCallGetsTheServersErrorAsAResponse) {
  StartServer();
  auto response = HttpsCall(Target(), ListCollections(), nullptr);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 403);
  EXPECT_NE(response->body.find("MissingAuthenticationTokenException"), std::string::npos);
}

TEST_F(HttpsClientTest, ServerCertificateFromAnotherCaIsRefused) {
  StartServer();
  testing::TempDir other_dir;
  testing::TestPki other(other_dir);
  ASSERT_TRUE(other.ok) << other.error;
  HttpsTarget t = Target();
  t.ca_file = other.ca_cert;
  auto response = HttpsCall(t, ListCollections(), nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(response.status().message().find("server certificate verify failed: "),
            std::string::npos)
      << response.status().ToString();
}

TEST_F(HttpsClientTest, AddressNotInTheCertificateIsRefused) {
  config_.bind_address = "0.0.0.0";
  StartServer();
  // The certificate names 127.0.0.1 and localhost; 127.0.0.2 is the same server.
  auto response = HttpsCall(Target("127.0.0.2"), ListCollections(), nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(response.status().message().find("IP address mismatch"), std::string::npos)
      << response.status().ToString();
}

TEST_F(HttpsClientTest, RefusedConnectionSaysSo) {
  // A bound socket that does not listen: connecting to it is refused, and no one else can
  // take the port while the test runs.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  HttpsTarget t = Target();
  t.port = ntohs(addr.sin_port);
  auto response = HttpsCall(t, ListCollections(), nullptr);
  ::close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("onnection refused"), std::string::npos)
      << response.status().ToString();
}

TEST_F(HttpsClientTest, OversizedResponseIsRefused) {
  StartServer([](const Request& r) {
    return MakeJsonResponse("\"" + std::string(2u << 20, 'x') + "\"", r.request_id);
  });
  HttpsTarget t = Target();
  t.max_response_bytes = 1u << 20;
  auto response = HttpsCall(t, ListCollections(), nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kResourceExhausted)
      << response.status().ToString();
  t.max_response_bytes = 4u << 20;
  EXPECT_TRUE(HttpsCall(t, ListCollections(), nullptr).ok());
}

TEST_F(HttpsClientTest, SlowServerTimesOut) {
  StartServer([](const Request& r) {
    std::this_thread::sleep_for(1500ms);
    return MakeJsonResponse("{}", r.request_id);
  });
  HttpsTarget t = Target();
  t.timeout = 300ms;
  auto response = HttpsCall(t, ListCollections(), nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("timed out after 300 ms"), std::string::npos)
      << response.status().ToString();
}

TEST_F(HttpsClientTest, ClientCertificateIsPresentedForMutualTls) {
  config_.client_ca_file = pki_->ca_cert;
  StartServer();
  ClientCredentials creds = Credentials();
  HttpsTarget t = Target();
  t.client_cert = pki_->client_cert;
  t.client_key = pki_->client_key;
  auto response = HttpsCall(t, ListCollections(), &creds);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200) << response->body;
  EXPECT_NE(response->body.find("\"ClientCert\":\"CN="), std::string::npos) << response->body;
}

TEST_F(HttpsClientTest, MutualTlsWithoutClientCertificateIsRefused) {
  config_.client_ca_file = pki_->ca_cert;
  StartServer();
  auto response = HttpsCall(Target(), ListCollections(), nullptr);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnauthenticated) << response.status().ToString();
}

TEST_F(HttpsClientTest, OptionalClientCertificatesLetClientsWithoutOneIn) {
  config_.client_ca_file = pki_->ca_cert;
  config_.client_cert_optional = true;
  StartServer();
  ClientCredentials creds = Credentials();
  auto without = HttpsCall(Target(), ListCollections(), &creds);
  ASSERT_TRUE(without.ok()) << without.status().ToString();
  EXPECT_NE(without->body.find("\"ClientCert\":\"\""), std::string::npos) << without->body;

  HttpsTarget t = Target();
  t.client_cert = pki_->client_cert;
  t.client_key = pki_->client_key;
  auto with = HttpsCall(t, ListCollections(), &creds);
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_NE(with->body.find("\"ClientCert\":\"CN="), std::string::npos) << with->body;
  EXPECT_EQ(with->body.find("\"ClientCn\":\"\""), std::string::npos) << with->body;
}

TEST_F(HttpsClientTest, BadTargetsAreRefusedBeforeConnecting) {
  HttpsTarget t = Target();
  t.port = 0;
  EXPECT_EQ(HttpsCall(t, ListCollections(), nullptr).status().code(), StatusCode::kInvalidArgument);
  t = Target();
  t.port = 1;
  t.client_cert = pki_->client_cert;  // without its key
  EXPECT_EQ(HttpsCall(t, ListCollections(), nullptr).status().code(), StatusCode::kInvalidArgument);
  t.client_cert.clear();
  t.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(HttpsCall(t, ListCollections(), nullptr).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oversight::proxy
