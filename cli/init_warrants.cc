// `oversight init`, step warrants/: sample court keys and a warrant registry signed with them,
// dated relative to now. The committed rules/warrants.sample.json has fixed dates and goes
// stale; this one is current on the day init runs, and `oversight init --force` re-signs it
// with the kept court keys to bring the dates forward again.
//
// The warrants mirror rules/tools/make_sample_warrants.py (same ids, courts and cases) plus an
// expired and a purpose-scoped one, so every warrant rule has something to bite on.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "init_steps.h"
#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/warrant_registry.h"

namespace oversight::cli::init {
namespace {

using ojson = nlohmann::ordered_json;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct Court {
  std::string_view id, name, key_file;  // key_file: inside warrants/
};
constexpr Court kCourts[] = {
    {"king-county-superior", "King County Superior Court (sample)", "court.key"},
    {"mt-first-judicial-district", "Montana First Judicial District Court (sample)",
     "court-mt.key"},
};

struct SampleWarrant {
  std::string_view id, court, status;
  int issued_days, expires_days;  // relative to now
  std::string_view case_id, purpose;
  bool forged;  // signed by a key no court in the registry has: signature_valid = false
};
constexpr SampleWarrant kWarrants[] = {
    {"W-2026-0042", "king-county-superior", "active", -7, 21, "C-2026-1187",
     "criminal_investigation", false},
    {"W-2026-0043", "king-county-superior", "revoked", -6, 22, "C-2026-1190",
     "criminal_investigation", false},
    {"W-2026-0100", "mt-first-judicial-district", "active", -3, 57, "MT-2026-0077",
     "criminal_investigation", false},
    {"W-2026-0041", "king-county-superior", "active", -45, -15, "C-2026-1187",
     "criminal_investigation", false},
    {"W-2026-0044", "king-county-superior", "active", -2, 28, "C-2026-1201", "missing_person",
     false},
    {"W-2026-0666", "king-county-superior", "active", -7, 300, "C-2026-1187",
     "criminal_investigation", true},
};

Status CryptoError(const std::string& what) { return Status::Internal("OpenSSL: " + what); }

StatusOr<PkeyPtr> NewEd25519() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return CryptoError("generating an Ed25519 key");
  return key;
}

Status WriteKey(const std::string& path, EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new(BIO_s_secmem()), BIO_free_all);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return CryptoError("encoding " + path);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return WriteNewKeyFile(
      path, {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n > 0 ? n : 0)});
}

StatusOr<PkeyPtr> ReadKey(const std::string& path) {
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes pem, ReadKeyFile(path));
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(
      BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())), BIO_free_all);
  PkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return Status::InvalidArgument(path + " is not an Ed25519 private key (PKCS#8 PEM)");
  }
  return key;
}

// The court's key from its file, or a new one written there.
StatusOr<PkeyPtr> LoadOrCreateKey(const std::string& path, bool* kept) {
  *kept = Exists(path);
  if (*kept) return ReadKey(path);
  OVERSIGHT_ASSIGN_OR_RETURN(PkeyPtr key, NewEd25519());
  OVERSIGHT_RETURN_IF_ERROR(WriteKey(path, key.get()));
  return key;
}

StatusOr<std::string> RawPublicKeyBase64(EVP_PKEY* key) {
  std::uint8_t raw[32];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) {
    return CryptoError("reading an Ed25519 public key");
  }
  return Base64Encode(raw);
}

// Signs policy::WarrantSigningMessage of `warrant` (exactly what the registry verifies).
StatusOr<std::string> Sign(const ojson& warrant, EVP_PKEY* key) {
  OVERSIGHT_ASSIGN_OR_RETURN(policy::JsonValue value,
                             policy::ParseJsonc(warrant.dump(), "warrant"));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string message, policy::WarrantSigningMessage(value));
  std::uint8_t sig[64];
  std::size_t sig_len = sizeof sig;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &sig_len, AsBytes(message).data(), message.size()) != 1) {
    return CryptoError("signing warrant " + warrant["id"].get<std::string>());
  }
  return Base64Encode({sig, sig_len});
}

// RFC 3339 in whole seconds, like the sample registry.
std::string FormatDay(TimePoint now, int days) {
  std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::days(days));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

ojson WarrantJson(const SampleWarrant& w, TimePoint now) {
  ojson warrant = ojson::object();
  warrant["id"] = std::string(w.id);
  warrant["court"] = std::string(w.court);
  warrant["status"] = std::string(w.status);
  warrant["issued_at"] = FormatDay(now, w.issued_days);
  warrant["expires_at"] = FormatDay(now, w.expires_days);
  warrant["case_ids"] = ojson::array({std::string(w.case_id)});
  warrant["purposes"] = ojson::array({std::string(w.purpose)});
  return warrant;
}

}  // namespace

Status MakeWarrants(TimePoint now, Report* report) {
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path("warrants"), 0700));
  now = std::chrono::floor<std::chrono::hours>(now);  // tidy timestamps: 09:00:00Z
  ojson courts = ojson::array();
  std::vector<PkeyPtr> keys;
  for (const Court& c : kCourts) {
    const std::string rel = "warrants/" + std::string(c.key_file);
    bool kept = false;
    OVERSIGHT_ASSIGN_OR_RETURN(PkeyPtr key, LoadOrCreateKey(report->Path(rel), &kept));
    OVERSIGHT_ASSIGN_OR_RETURN(std::string public_key, RawPublicKeyBase64(key.get()));
    ojson court = ojson::object();
    court["id"] = std::string(c.id);
    court["name"] = std::string(c.name);
    court["public_key"] = public_key;
    courts.push_back(std::move(court));
    report->Add(rel, std::string(c.name) + " signing key (Ed25519)", true, kept);
    keys.push_back(std::move(key));
  }
  // The forger's key is made, used and dropped here: no file, no trust.
  OVERSIGHT_ASSIGN_OR_RETURN(PkeyPtr forger, NewEd25519());
  ojson warrants = ojson::array();
  for (const SampleWarrant& w : kWarrants) {
    ojson warrant = WarrantJson(w, now);
    EVP_PKEY* key = forger.get();
    for (std::size_t i = 0; i < keys.size() && !w.forged; ++i) {
      if (kCourts[i].id == w.court) key = keys[i].get();
    }
    OVERSIGHT_ASSIGN_OR_RETURN(std::string signature, Sign(warrant, key));
    warrant["signature"] = signature;
    warrants.push_back(std::move(warrant));
  }
  ojson registry = ojson::object();
  registry["format"] = 1;
  registry["courts"] = std::move(courts);
  registry["warrants"] = std::move(warrants);
  OVERSIGHT_RETURN_IF_ERROR(
      WriteFileAtomically(report->Path("warrants/warrants.json"), registry.dump(2) + "\n", 0644));
  report->Add("warrants/warrants.json",
              "warrant registry signed now: active, expired, revoked, purpose-scoped, forged",
              false);
  return Status::Ok();
}

}  // namespace oversight::cli::init
