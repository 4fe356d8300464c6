// The development PKI over OpenSSL 3's EVP and X509 APIs. OpenSSL return codes become
// statuses here, with the library's own error text for context.
#include "oversight/proxy/dev_pki.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/proxy/principals.h"

namespace oversight::proxy {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

// Backdating covers clocks a few minutes apart (a container, a VM, a phone on the demo LAN).
constexpr long kBackdateSeconds = 5 * 60;

Status OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, text, sizeof text);
  return Status::Internal(what + ": " + text);
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

StatusOr<PkeyPtr> GenerateP256() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generating a P-256 key");
  return key;
}

// Writes the key as PKCS#8 PEM to a new 0600 file; the PEM text is wiped from memory after.
Status WritePrivateKey(const std::string& path, EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("encoding the private key for " + path);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  if (n <= 0) return OpenSslError("encoding the private key for " + path);
  return WriteNewKeyFile(
      path, {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)});
}

Status WriteCertificate(const std::string& path, X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslError("encoding the certificate for " + path);
  }
  return WriteFileAtomically(path, BioText(bio.get()), 0644);
}

StatusOr<PkeyPtr> ReadPrivateKey(const std::string& path) {
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes pem, ReadKeyFile(path));
  BioPtr bio(BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return OpenSslError("reading the private key " + path);
  return key;
}

StatusOr<X509Ptr> ReadCertificate(const std::string& path) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string pem, ReadSmallFile(path, 64 * 1024));
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return OpenSslError("reading the certificate " + path);
  return cert;
}

// A positive random 128-bit serial (RFC 5280 allows up to 20 octets; CAs use >= 64 random bits
// so serials cannot be predicted).
Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return OpenSslError("RAND_bytes");
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);  // positive, full 127 bits
  BnPtr bn(BN_bin2bn(bytes, sizeof bytes, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslError("setting the serial number");
  }
  return Status::Ok();
}

struct CertSpec {
  std::string common_name;
  std::chrono::days validity;
  std::vector<std::pair<int, std::string>> extensions;  // NID, OpenSSL config value
};

// Fills in subject, validity, serial and public key; the issuer is `issuer` or, when null,
// the certificate itself (self-signed).
Status FillBasics(X509* cert, const CertSpec& spec, EVP_PKEY* key, X509* issuer) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* cn = reinterpret_cast<const unsigned char*>(spec.common_name.c_str());
  if (X509_set_version(cert, 2) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, cn, -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert),
                      std::chrono::duration_cast<std::chrono::seconds>(spec.validity).count()) ==
          nullptr ||
      X509_set_pubkey(cert, key) != 1) {
    return OpenSslError("filling in the certificate for " + spec.common_name);
  }
  return SetRandomSerial(cert);
}

Status AddExtensions(X509* cert, X509* issuer, const CertSpec& spec) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : spec.extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    const bool added = ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    if (!added) return OpenSslError(std::string("adding extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

// Builds and signs a certificate for `key`, issued by (issuer, issuer_key) or self-signed.
StatusOr<X509Ptr> BuildCertificate(const CertSpec& spec, EVP_PKEY* key, X509* issuer,
                                   EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert) return OpenSslError("X509_new");
  OVERSIGHT_RETURN_IF_ERROR(FillBasics(cert.get(), spec, key, issuer));
  OVERSIGHT_RETURN_IF_ERROR(AddExtensions(cert.get(), issuer, spec));
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) {
    return OpenSslError("signing the certificate for " + spec.common_name);
  }
  return cert;
}

// A fresh key and a certificate for it, signed by the CA in `ca` (or self-signed if null),
// written key first so an existing key file stops everything before anything is written.
Status IssueAndWrite(const CertSpec& spec, const CertKeyPaths* ca, const CertKeyPaths& out) {
  if (Status st = CheckKeyFilePermissions(out.key); st.code() != StatusCode::kNotFound) {
    return Status::AlreadyExists("key file " + out.key + " already exists; refusing to overwrite");
  }
  X509Ptr ca_cert;
  PkeyPtr ca_key;
  if (ca != nullptr) {
    OVERSIGHT_ASSIGN_OR_RETURN(ca_cert, ReadCertificate(ca->cert));
    OVERSIGHT_ASSIGN_OR_RETURN(ca_key, ReadPrivateKey(ca->key));
  }
  OVERSIGHT_ASSIGN_OR_RETURN(PkeyPtr key, GenerateP256());
  OVERSIGHT_ASSIGN_OR_RETURN(X509Ptr cert, BuildCertificate(spec, key.get(), ca_cert.get(),
                                                            ca ? ca_key.get() : key.get()));
  OVERSIGHT_RETURN_IF_ERROR(WritePrivateKey(out.key, key.get()));
  return WriteCertificate(out.cert, cert.get());
}

// X.509 bounds a common name at 64 characters, tighter than a principal id's 128.
bool IsCommonNamePrincipal(const std::string& id) { return IsPrincipalId(id) && id.size() <= 64; }

}  // namespace

Status CreateDevCa(const CertKeyPaths& out, const std::string& common_name,
                   std::chrono::days validity) {
  CertSpec spec{common_name,
                validity,
                {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                 {NID_key_usage, "critical,keyCertSign,cRLSign"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}}};
  return IssueAndWrite(spec, nullptr, out);
}

Status IssueDevServerCert(const CertKeyPaths& ca, const CertKeyPaths& out,
                          std::chrono::days validity) {
  CertSpec spec{"localhost",
                validity,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "serverAuth"},
                 {NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}}};
  return IssueAndWrite(spec, &ca, out);
}

Status IssueDevClientCert(const CertKeyPaths& ca, const std::string& principal_id,
                          const CertKeyPaths& out, std::chrono::days validity) {
  if (!IsCommonNamePrincipal(principal_id)) {
    return Status::InvalidArgument(
        "a client certificate's principal id must be 1-64 characters "
        "of [A-Za-z0-9._@-]");
  }
  CertSpec spec{principal_id,
                validity,
                {{NID_basic_constraints, "critical,CA:FALSE"},
                 {NID_key_usage, "critical,digitalSignature"},
                 {NID_ext_key_usage, "clientAuth"},
                 {NID_subject_key_identifier, "hash"},
                 {NID_authority_key_identifier, "keyid:always"}}};
  return IssueAndWrite(spec, &ca, out);
}

}  // namespace oversight::proxy
