// A development PKI: a private CA, a server certificate for this machine and client
// certificates for mutual TLS, so `oversight init` gives a working HTTPS setup with no
// external tools. For demos and tests; a deployment uses certificates from its own CA.
//
// All keys are EC P-256. Certificates carry random 128-bit serials, are signed with
// ECDSA-SHA256 and are valid from a few minutes ago (to absorb clock skew between machines)
// for `validity`. Private keys are written as PKCS#8 PEM with WriteNewKeyFile (mode 0600,
// never overwriting an existing file), certificates as PEM with mode 0644.
//
// Every function writes the key before the certificate, and fails with AlreadyExists (writing
// nothing) if the key file exists, so an existing key is never replaced.
// Thread-compatible: no shared state beyond OpenSSL's own.
#pragma once

#include <chrono>
#include <string>

#include "oversight/common/status.h"

namespace oversight::proxy {

// A certificate and its private key, as PEM file paths.
struct CertKeyPaths {
  std::string cert;
  std::string key;
};

inline constexpr std::chrono::days kDevCertValidity{365};

// A self-signed CA: basicConstraints critical CA:TRUE pathlen:0, keyUsage critical
// keyCertSign + cRLSign.
Status CreateDevCa(const CertKeyPaths& out, const std::string& common_name,
                   std::chrono::days validity = kDevCertValidity);

// A server certificate signed by `ca` (read from its files): CN=localhost, subjectAltName
// DNS:localhost, IP:127.0.0.1, IP:::1; keyUsage digitalSignature; extendedKeyUsage serverAuth.
Status IssueDevServerCert(const CertKeyPaths& ca, const CertKeyPaths& out,
                          std::chrono::days validity = kDevCertValidity);

// A client certificate for mutual TLS signed by `ca`: subject CN=`principal_id` (1-64
// characters of [A-Za-z0-9._@-], a principal id as in principals.h); keyUsage
// digitalSignature; extendedKeyUsage clientAuth.
Status IssueDevClientCert(const CertKeyPaths& ca, const std::string& principal_id,
                          const CertKeyPaths& out, std::chrono::days validity = kDevCertValidity);

}  // namespace oversight::proxy
