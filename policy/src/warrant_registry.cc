// The OpenSSL adapter for court signatures lives here: EVP return codes become booleans.
#include "oversight/policy/warrant_registry.h"

#include <openssl/evp.h>

#include <algorithm>

#include "oversight/common/canonical_json.h"
#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/request.h"

namespace oversight::policy {

StatusOr<std::string> WarrantSigningMessage(const JsonValue& warrant) {
  if (!warrant.is_object()) return Status::InvalidArgument("a warrant must be an object");
  JsonValue unsigned_copy = warrant;
  std::erase_if(unsigned_copy.members, [](const JsonMember& m) { return m.key == "signature"; });
  OVERSIGHT_ASSIGN_OR_RETURN(std::string canonical, CanonicalizeJson(ToJsonText(unsigned_copy)));
  return std::string(kWarrantSignatureDomain) + canonical;
}

bool VerifyEd25519(std::span<const std::uint8_t> public_key, std::string_view message,
                   std::span<const std::uint8_t> signature) {
  if (public_key.size() != 32 || signature.size() != 64) return false;
  EVP_PKEY* key =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size());
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

namespace {

Status At(std::string_view source, const JsonValue& v, const std::string& message) {
  return Status::InvalidArgument(FormatPos(source, v.pos) + ": " + message);
}

StatusOr<std::string> Str(std::string_view source, const JsonValue& obj, std::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (!v || !v->is_string()) return At(source, obj, "needs string \"" + std::string(key) + "\"");
  return v->text;
}

StatusOr<TimePoint> Time(std::string_view source, const JsonValue& obj, std::string_view key) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, Str(source, obj, key));
  auto t = ParsePolicyTime(text);
  if (!t.ok()) return At(source, *obj.Find(key), t.status().message());
  return *t;
}

StatusOr<std::vector<std::string>> Strings(std::string_view source, const JsonValue& obj,
                                           std::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (!v || !v->is_array()) return At(source, obj, "needs array \"" + std::string(key) + "\"");
  std::vector<std::string> out;
  for (const JsonValue& item : v->items) {
    if (!item.is_string()) return At(source, item, std::string(key) + " must hold strings");
    out.push_back(item.text);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

using CourtKeys = std::map<std::string, std::vector<std::uint8_t>, std::less<>>;

StatusOr<CourtKeys> ParseCourts(std::string_view source, const JsonValue& root) {
  const JsonValue* courts = root.Find("courts");
  if (!courts || !courts->is_array()) return At(source, root, "needs array \"courts\"");
  CourtKeys keys;
  for (const JsonValue& c : courts->items) {
    OVERSIGHT_ASSIGN_OR_RETURN(std::string id, Str(source, c, "id"));
    OVERSIGHT_ASSIGN_OR_RETURN(std::string b64, Str(source, c, "public_key"));
    auto key = Base64Decode(b64);
    if (!key.ok() || key->size() != 32) {
      return At(source, *c.Find("public_key"), "public_key must be 32 bytes of base64");
    }
    keys[id] = std::move(*key);
  }
  return keys;
}

StatusOr<Warrant> ParseWarrant(std::string_view source, const JsonValue& w, const CourtKeys& keys) {
  Warrant out;
  OVERSIGHT_ASSIGN_OR_RETURN(out.id, Str(source, w, "id"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.court, Str(source, w, "court"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.status, Str(source, w, "status"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.issued_at, Time(source, w, "issued_at"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.expires_at, Time(source, w, "expires_at"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.case_ids, Strings(source, w, "case_ids"));
  OVERSIGHT_ASSIGN_OR_RETURN(out.purposes, Strings(source, w, "purposes"));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string sig_b64, Str(source, w, "signature"));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string message, WarrantSigningMessage(w));
  auto sig = Base64Decode(sig_b64);
  auto court = keys.find(out.court);
  out.signature_valid =
      sig.ok() && court != keys.end() && VerifyEd25519(court->second, message, *sig);
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<JsonWarrantRegistry>> JsonWarrantRegistry::LoadFile(
    const std::string& path) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, ReadTextFile(path, JsonLimits{}.max_bytes));
  return Parse(text, path);
}

StatusOr<std::unique_ptr<JsonWarrantRegistry>> JsonWarrantRegistry::Parse(std::string_view text,
                                                                          std::string_view source) {
  OVERSIGHT_ASSIGN_OR_RETURN(JsonValue root, ParseJsonc(text, source));
  const JsonValue* format = root.Find("format");
  if (!format || !format->is_number() || format->number != 1) {
    return At(source, root, "warrant registry needs \"format\": 1");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(CourtKeys keys, ParseCourts(source, root));
  const JsonValue* warrants = root.Find("warrants");
  if (!warrants || !warrants->is_array()) return At(source, root, "needs array \"warrants\"");
  auto registry = std::unique_ptr<JsonWarrantRegistry>(new JsonWarrantRegistry());
  for (const JsonValue& w : warrants->items) {
    OVERSIGHT_ASSIGN_OR_RETURN(Warrant parsed, ParseWarrant(source, w, keys));
    std::string id = parsed.id;
    if (!registry->warrants_.emplace(id, std::move(parsed)).second) {
      return At(source, w, "duplicate warrant id \"" + id + "\"");
    }
  }
  return registry;
}

StatusOr<std::optional<Warrant>> JsonWarrantRegistry::Lookup(std::string_view warrant_id) const {
  auto it = warrants_.find(warrant_id);
  if (it == warrants_.end()) return std::optional<Warrant>();
  return std::optional<Warrant>(it->second);
}

}  // namespace oversight::policy
