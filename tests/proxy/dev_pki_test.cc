// The development PKI: the chain verifies (in-process and with the openssl CLI), names and
// usages are right, keys are 0600 and never overwritten, and the proxy serves TLS with it.
#include "oversight/proxy/dev_pki.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

#include "oversight/proxy/server.h"
#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::ReadText;
using testing::TempDir;

struct X509Free {
  void operator()(X509* c) const { X509_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr LoadCert(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509Ptr cert(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return cert;
}

int Mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// X509_verify_cert of `leaf` against `ca` alone, for a purpose and optionally a host or an IP.
int VerifyChain(X509* ca, X509* leaf, int purpose, const std::string& host = "",
                const std::string& ip = "") {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
  if (!host.empty()) X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (!ip.empty()) X509_VERIFY_PARAM_set1_ip_asc(param, ip.c_str());
  int ok = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

std::string CommonName(X509* cert) {
  char cn[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

class DevPkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = {tmp_.File("ca.pem"), tmp_.File("ca.key")};
    server_ = {tmp_.File("server.pem"), tmp_.File("server.key")};
    client_ = {tmp_.File("client-det.jones.pem"), tmp_.File("client-det.jones.key")};
    ASSERT_TRUE(CreateDevCa(ca_, "Oversight test CA").ok());
    ASSERT_TRUE(IssueDevServerCert(ca_, server_).ok());
    Status st = IssueDevClientCert(ca_, "det.jones", client_);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ca_cert_ = LoadCert(ca_.cert);
    server_cert_ = LoadCert(server_.cert);
    client_cert_ = LoadCert(client_.cert);
    ASSERT_TRUE(ca_cert_ && server_cert_ && client_cert_);
  }
  TempDir tmp_;
  CertKeyPaths ca_, server_, client_;
  X509Ptr ca_cert_, server_cert_, client_cert_;
};

TEST_F(DevPkiTest, CaIsASelfSignedCaValidForAboutAYear) {
  EXPECT_EQ(X509_check_ca(ca_cert_.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(ca_cert_.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(X509_check_issued(ca_cert_.get(), ca_cert_.get()), X509_V_OK);
  EXPECT_EQ(CommonName(ca_cert_.get()), "Oversight test CA");
  int days = 0, secs = 0;
  ASSERT_EQ(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(ca_cert_.get()),
                           X509_get0_notAfter(ca_cert_.get())),
            1);
  EXPECT_EQ(days, 365);  // plus the few minutes of backdating
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(ca_cert_.get())), 256);
}

TEST_F(DevPkiTest, ServerCertVerifiesForLocalhostAndBothLoopbackAddresses) {
  EXPECT_EQ(VerifyChain(ca_cert_.get(), server_cert_.get(), X509_PURPOSE_SSL_SERVER, "localhost"),
            X509_V_OK);
  EXPECT_EQ(
      VerifyChain(ca_cert_.get(), server_cert_.get(), X509_PURPOSE_SSL_SERVER, "", "127.0.0.1"),
      X509_V_OK);
  EXPECT_EQ(VerifyChain(ca_cert_.get(), server_cert_.get(), X509_PURPOSE_SSL_SERVER, "", "::1"),
            X509_V_OK);
  EXPECT_EQ(VerifyChain(ca_cert_.get(), server_cert_.get(), X509_PURPOSE_SSL_SERVER, "example.com"),
            X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(VerifyChain(ca_cert_.get(), server_cert_.get(), X509_PURPOSE_SSL_CLIENT),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_TRUE(X509_get_extended_key_usage(server_cert_.get()) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_key_usage(server_cert_.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_FALSE(X509_get_key_usage(server_cert_.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(X509_check_ca(server_cert_.get()), 0);
}

TEST_F(DevPkiTest, ClientCertNamesThePrincipalAndIsForClientAuthOnly) {
  EXPECT_EQ(CommonName(client_cert_.get()), "det.jones");
  EXPECT_EQ(VerifyChain(ca_cert_.get(), client_cert_.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_EQ(VerifyChain(ca_cert_.get(), client_cert_.get(), X509_PURPOSE_SSL_SERVER),
            X509_V_ERR_INVALID_PURPOSE);
  EXPECT_TRUE(X509_get_extended_key_usage(client_cert_.get()) & XKU_SSL_CLIENT);
}

TEST_F(DevPkiTest, SerialsAreRandom128BitNumbers) {
  std::vector<std::string> seen;
  for (X509* cert : {ca_cert_.get(), server_cert_.get(), client_cert_.get()}) {
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    ASSERT_NE(bn, nullptr);
    EXPECT_EQ(BN_num_bits(bn), 127);  // top bit clear (positive), next bit set (full length)
    char* hex = BN_bn2hex(bn);
    seen.emplace_back(hex);
    OPENSSL_free(hex);
    BN_free(bn);
  }
  EXPECT_NE(seen[0], seen[1]);
  EXPECT_NE(seen[1], seen[2]);
}

TEST_F(DevPkiTest, KeysAreMode0600AndCertificates0644) {
  for (const CertKeyPaths* p : {&ca_, &server_, &client_}) {
    EXPECT_EQ(Mode(p->key), 0600) << p->key;
    EXPECT_EQ(Mode(p->cert), 0644) << p->cert;
    EXPECT_NE(ReadText(p->key).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  }
}

TEST_F(DevPkiTest, OpensslCliVerifiesTheChain) {
  if (testing::Run("openssl version").exit_code != 0) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the openssl CLI is not installed; the in-process "
                    "X509_verify_cert tests still ran";
  }
  auto server = testing::Run("openssl verify -CAfile " + ca_.cert + " -purpose sslserver " +
                             "-verify_hostname localhost -verify_ip 127.0.0.1 " + server_.cert);
  EXPECT_EQ(server.exit_code, 0) << server.output;
  auto client =
      testing::Run("openssl verify -CAfile " + ca_.cert + " -purpose sslclient " + client_.cert);
  EXPECT_EQ(client.exit_code, 0) << client.output;
}

TEST_F(DevPkiTest, AnExistingKeyIsNeverOverwritten) {
  const std::string before = ReadText(ca_.key);
  const std::string cert_before = ReadText(ca_.cert);
  Status st = CreateDevCa(ca_, "Another CA");
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_EQ(ReadText(ca_.key), before);
  EXPECT_EQ(ReadText(ca_.cert), cert_before);
  EXPECT_EQ(IssueDevServerCert(ca_, server_).code(), StatusCode::kAlreadyExists);
}

TEST_F(DevPkiTest, ClientCertNeedsAPrincipalId) {
  CertKeyPaths out{tmp_.File("bad.pem"), tmp_.File("bad.key")};
  EXPECT_EQ(IssueDevClientCert(ca_, "CN=evil,O=x", out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(IssueDevClientCert(ca_, "", out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Mode(out.key), -1);
}

TEST_F(DevPkiTest, IssuingRefusesALooseCaKey) {
  ASSERT_EQ(::chmod(ca_.key.c_str(), 0644), 0);
  CertKeyPaths out{tmp_.File("s2.pem"), tmp_.File("s2.key")};
  EXPECT_EQ(IssueDevServerCert(ca_, out).code(), StatusCode::kPermissionDenied);
}

TEST_F(DevPkiTest, TheProxyServesTlsWithTheDevCertificates) {
  ServerConfig config;
  config.cert_file = server_.cert;
  config.key_file = server_.key;
  auto server = Server::Start(config, [](const Request&) { return Response{}; });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  testing::RawTlsClient client;
  EXPECT_TRUE(client.Connect((*server)->port(), ca_.cert));
}

TEST_F(DevPkiTest, TheProxyAcceptsTheDevClientCertificateForMutualTls) {
  if (testing::Run("openssl version").exit_code != 0) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the openssl CLI is not installed (needed as an mTLS client)";
  }
  ServerConfig config;
  config.cert_file = server_.cert;
  config.key_file = server_.key;
  config.client_ca_file = ca_.cert;
  auto server = Server::Start(config, [](const Request&) { return Response{}; });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  // TLS 1.2, so a refused client certificate fails the handshake itself (and the exit code).
  const std::string client =
      "openssl s_client -tls1_2 -connect 127.0.0.1:" + std::to_string((*server)->port()) +
      " -CAfile " + ca_.cert + " -verify_return_error -verify_hostname localhost";
  auto with_cert =
      testing::Run(client + " -cert " + client_.cert + " -key " + client_.key + " </dev/null");
  EXPECT_EQ(with_cert.exit_code, 0) << with_cert.output;
  EXPECT_NE(with_cert.output.find("Verify return code: 0 (ok)"), std::string::npos);
  auto without_cert = testing::Run(client + " </dev/null");
  EXPECT_NE(without_cert.exit_code, 0) << without_cert.output;
}

// Browsers open a page's parallel requests on new connections that resume the first one's TLS
// session. With client certificates asked for, OpenSSL resumes only if the context has a
// session id context; without one it answered internal_error and the console's scripts failed.
TEST_F(DevPkiTest, SessionsResumeWhenClientCertificatesAreAskedFor) {
  if (testing::Run("openssl version").exit_code != 0) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the openssl CLI is not installed (needed as a TLS client)";
  }
  ServerConfig config;
  config.cert_file = server_.cert;
  config.key_file = server_.key;
  config.client_ca_file = ca_.cert;
  config.client_cert_optional = true;
  auto server = Server::Start(config, [](const Request&) { return Response{}; });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string session = tmp_.File("session.pem");
  for (const std::string version : {"-tls1_2", "-tls1_3"}) {
    const std::string client = "openssl s_client " + version +
                               " -connect 127.0.0.1:" + std::to_string((*server)->port()) +
                               " -CAfile " + ca_.cert + " -verify_return_error";
    // TLS 1.3 tickets come after the handshake: give the first client a moment to read them.
    auto first = testing::Run("(sleep 0.3) | " + client + " -sess_out " + session);
    ASSERT_EQ(first.exit_code, 0) << first.output;
    auto second = testing::Run(client + " -sess_in " + session + " </dev/null");
    EXPECT_EQ(second.exit_code, 0) << version << ": " << second.output;
    EXPECT_NE(second.output.find("Reused,"), std::string::npos) << version << ": " << second.output;
  }
}

}  // namespace
}  // namespace oversight::proxy
