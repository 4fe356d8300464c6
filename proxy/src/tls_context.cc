// OpenSSL C calls for the server context; return codes become statuses with the OpenSSL reason.
#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "oversight/common/key_file.h"

namespace oversight::proxy {
namespace {

namespace ssl = boost::asio::ssl;

Status OpenSslError(std::string what) {
  unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return Status::InvalidArgument(std::move(what) + ": " + buf);
}

Status ApplyPolicy(SSL_CTX* ctx) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return OpenSslError("setting TLS versions");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 |
                               SSL_OP_NO_TLSv1_1);
  // OpenSSL otherwise keeps ~34 KiB of record buffers for every connection, idle or not.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) return OpenSslError("TLS 1.2 ciphers");
  if (SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1) return OpenSslError("TLS 1.3 suites");
  if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) {
    return OpenSslError("key exchange groups");
  }
  return Status::Ok();
}

Status LoadKey(SSL_CTX* ctx, const std::string& key_file) {
  StatusOr<SecretBytes> pem = ReadKeyFile(key_file);
  if (!pem.ok()) return pem.status().WithContext("TLS key");
  BIO* bio = BIO_new_mem_buf(pem->view().data(), static_cast<int>(pem->size()));
  if (bio == nullptr) return OpenSslError("TLS key buffer");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return OpenSslError("TLS key " + key_file + " is not a PEM private key");
  int ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1) return OpenSslError("TLS key does not match the certificate or is unusable");
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return OpenSslError("TLS key does not match the certificate");
  }
  return Status::Ok();
}

Status AskForClientCerts(SSL_CTX* ctx, const std::string& ca_file, bool optional) {
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
    return OpenSslError("client CA file " + ca_file);
  }
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca_file.c_str());
  if (names == nullptr) return OpenSslError("client CA names from " + ca_file);
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  // Either way a certificate that is presented must chain to the CA, or the handshake fails.
  SSL_CTX_set_verify(
      ctx, optional ? SSL_VERIFY_PEER : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  // With SSL_VERIFY_PEER, OpenSSL refuses to resume a session (ticket or id) unless the
  // context names a session id context, and answers the resuming client with an
  // internal_error alert: browsers resume on their second connection, so without this every
  // parallel request of a page failed (ERR_SSL_PROTOCOL_ERROR).
  static constexpr unsigned char kSessionIdContext[] = "oversight-proxy";
  if (SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1) != 1) {
    return OpenSslError("TLS session id context");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                             const std::string& key_file,
                                                             const std::string& client_ca_file,
                                                             bool client_cert_optional) {
  std::unique_ptr<ssl::context> context;
  try {
    context = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("creating TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  OVERSIGHT_RETURN_IF_ERROR(ApplyPolicy(ctx));
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return OpenSslError("TLS certificate " + cert_file);
  }
  OVERSIGHT_RETURN_IF_ERROR(LoadKey(ctx, key_file));
  if (!client_ca_file.empty()) {
    OVERSIGHT_RETURN_IF_ERROR(AskForClientCerts(ctx, client_ca_file, client_cert_optional));
  }
  return context;
}

}  // namespace oversight::proxy
