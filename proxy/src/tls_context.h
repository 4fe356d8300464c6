// Private: builds the server's OpenSSL context with Oversight's TLS policy.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "oversight/common/status.h"

namespace oversight::proxy {

// TLS 1.2 ciphers: ECDHE key exchange with AEAD only (AES-GCM, ChaCha20-Poly1305).
inline constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
// TLS 1.3 suites are all AEAD; listed explicitly so a system default change cannot widen them.
inline constexpr char kTls13Suites[] =
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

// Loads cert chain and key (key via ReadKeyFile, so mode 0600 is enforced) and, if
// client_ca_file is non-empty, asks for client certificates and verifies them against it; a
// client without one is refused at the handshake unless client_cert_optional.
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_file, const std::string& key_file, const std::string& client_ca_file,
    bool client_cert_optional = false);

}  // namespace oversight::proxy
