#include "oversight/common/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <initializer_list>
#include <memory>

namespace oversight {
namespace {

// Fetching the algorithm once avoids OpenSSL 3's per-call implicit fetch, which costs more
// than hashing a short ledger entry.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();
  return md;
}

struct CtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx) std::abort();
  return ctx.get();
}

Hash256 Digest(std::initializer_list<std::span<const std::uint8_t>> parts) {
  EVP_MD_CTX* ctx = ThreadCtx();
  Hash256 out{};
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr) != 1) std::abort();
  for (auto p : parts) {
    if (!p.empty() && EVP_DigestUpdate(ctx, p.data(), p.size()) != 1) std::abort();
  }
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != out.size()) std::abort();
  return out;
}

}  // namespace

Hash256 Sha256(std::span<const std::uint8_t> data) { return Digest({data}); }

Hash256 Sha256(std::string_view data) {
  return Digest({{reinterpret_cast<const std::uint8_t*>(data.data()), data.size()}});
}

Hash256 Sha256Prefixed(std::uint8_t prefix, std::span<const std::uint8_t> data) {
  return Digest({{&prefix, 1}, data});
}

Hash256 Sha256Prefixed(std::uint8_t prefix, std::span<const std::uint8_t> a,
                       std::span<const std::uint8_t> b) {
  return Digest({{&prefix, 1}, a, b});
}

Hash256 HmacSha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> data) {
  Hash256 out{};
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(),
           out.data(), &len) == nullptr) {
    std::abort();
  }
  return out;
}

}  // namespace oversight
