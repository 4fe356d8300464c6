// The JSON warrant registry and court signatures (Ed25519 via OpenSSL).
#include "oversight/policy/warrant_registry.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <memory>

#include "oversight/common/encoding.h"

namespace oversight::policy {
namespace {

// A throwaway court key made fresh for each test: no private key is ever stored.
class CourtKey {
 public:
  CourtKey() {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
    EVP_PKEY_keygen_init(ctx);
    EVP_PKEY_keygen(ctx, &key_);
    EVP_PKEY_CTX_free(ctx);
  }
  ~CourtKey() { EVP_PKEY_free(key_); }

  std::string PublicKeyBase64() const {
    std::uint8_t raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_public_key(key_, raw, &len);
    return Base64Encode({raw, len});
  }

  std::string SignBase64(std::string_view message) const {
    std::uint8_t sig[64];
    std::size_t len = sizeof sig;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_);
    EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(message.data()),
                   message.size());
    EVP_MD_CTX_free(ctx);
    return Base64Encode({sig, len});
  }

 private:
  EVP_PKEY* key_ = nullptr;
};

std::string WarrantJson(const std::string& status = "active") {
  return R"({"id": "W1", "court": "c1", "status": ")" + status +
         R"(", "issued_at": "2026-01-01T00:00:00Z", "expires_at": "2026-02-01T00:00:00Z",
            "case_ids": ["K2", "K1"], "purposes": ["criminal_investigation"]})";
}

std::string SignedWarrant(const CourtKey& key, const std::string& warrant_json) {
  auto v = ParseJsonc(warrant_json, "w");
  auto message = WarrantSigningMessage(*v);
  EXPECT_TRUE(message.ok());
  std::string out = warrant_json;
  out.insert(out.rfind('}'), ", \"signature\": \"" + key.SignBase64(*message) + "\"");
  return out;
}

std::string Registry(const CourtKey& court, const std::string& warrants) {
  return R"({"format": 1, "courts": [{"id": "c1", "name": "Court", "public_key": ")" +
         court.PublicKeyBase64() + R"("}], "warrants": [)" + warrants + "]}";
}

std::optional<Warrant> Find(const std::string& registry_text, const char* id = "W1") {
  auto reg = JsonWarrantRegistry::Parse(registry_text, "reg.json");
  EXPECT_TRUE(reg.ok()) << reg.status().ToString();
  if (!reg.ok()) return std::nullopt;
  auto w = (*reg)->Lookup(id);
  EXPECT_TRUE(w.ok());
  return *w;
}

TEST(WarrantRegistry, WarrantSignedByTheTrustedCourtVerifies) {
  CourtKey court;
  auto w = Find(Registry(court, SignedWarrant(court, WarrantJson())));
  ASSERT_TRUE(w.has_value());
  EXPECT_TRUE(w->signature_valid);
  EXPECT_EQ(w->status, "active");
  EXPECT_EQ(w->case_ids, (std::vector<std::string>{"K1", "K2"}));
}

TEST(WarrantRegistry, AlteredWarrantFailsVerification) {
  CourtKey court;
  std::string signed_text = SignedWarrant(court, WarrantJson());
  signed_text.replace(signed_text.find("\"K2\""), 4, "\"K9\"");  // widen the scope after signing
  auto w = Find(Registry(court, signed_text));
  ASSERT_TRUE(w.has_value());
  EXPECT_FALSE(w->signature_valid);
}

TEST(WarrantRegistry, SignatureByAnUntrustedKeyFailsVerification) {
  CourtKey court, forger;
  auto w = Find(Registry(court, SignedWarrant(forger, WarrantJson())));
  ASSERT_TRUE(w.has_value());
  EXPECT_FALSE(w->signature_valid);
}

TEST(WarrantRegistry, SignatureCoversFormattingIndependentCanonicalBytes) {
  CourtKey court;
  std::string reformatted = SignedWarrant(court, WarrantJson());
  // Same warrant, different member order and whitespace: still verifies (RFC 8785 bytes).
  auto a = ParseJsonc(WarrantJson(), "a");
  auto b = ParseJsonc(R"({ "purposes":["criminal_investigation"], "case_ids":["K2","K1"],
      "expires_at":"2026-02-01T00:00:00Z", "issued_at":"2026-01-01T00:00:00Z",
      "status":"active", "court":"c1", "id":"W1" })",
                      "b");
  EXPECT_EQ(*WarrantSigningMessage(*a), *WarrantSigningMessage(*b));
  EXPECT_EQ(WarrantSigningMessage(*a)->rfind("oversight-warrant-v1\n", 0), 0u);
}

TEST(WarrantRegistry, UnknownWarrantIsAbsentNotAnError) {
  CourtKey court;
  auto w = Find(Registry(court, SignedWarrant(court, WarrantJson())), "nope");
  EXPECT_FALSE(w.has_value());
}

TEST(WarrantRegistry, MalformedFilesAreRejectedWithPositions) {
  CourtKey court;
  auto bad_time = JsonWarrantRegistry::Parse(
      Registry(court, R"({"id": "W1", "court": "c1", "status": "active", "issued_at": "soon",
          "expires_at": "2026-02-01T00:00:00Z", "case_ids": [], "purposes": [], "signature": ""})"),
      "reg.json");
  EXPECT_EQ(bad_time.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_time.status().message().find("reg.json:1:"), std::string::npos);
  auto bad_key = JsonWarrantRegistry::Parse(
      R"({"format": 1, "courts": [{"id": "c", "public_key": "AAAA"}], "warrants": []})", "r");
  EXPECT_FALSE(bad_key.ok());
  auto dup = JsonWarrantRegistry::Parse(Registry(court, SignedWarrant(court, WarrantJson()) + "," +
                                                            SignedWarrant(court, WarrantJson())),
                                        "r");
  EXPECT_FALSE(dup.ok());
}

TEST(WarrantRegistry, VerifyRejectsMalformedKeysAndSignatures) {
  std::uint8_t key[31] = {};
  std::uint8_t sig[64] = {};
  EXPECT_FALSE(VerifyEd25519(key, "m", sig));
}

TEST(WarrantRegistry, ShippedSampleRegistryVerifiesAsDocumented) {
  auto reg = JsonWarrantRegistry::LoadFile(OVERSIGHT_RULES_DIR "/warrants.sample.json");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  auto good = (*reg)->Lookup("W-2026-0042");
  ASSERT_TRUE(good.ok() && good->has_value());
  EXPECT_TRUE((*good)->signature_valid);
  auto forged = (*reg)->Lookup("W-2026-0666");
  ASSERT_TRUE(forged.ok() && forged->has_value());
  EXPECT_FALSE((*forged)->signature_valid);
}

}  // namespace
}  // namespace oversight::policy
