#include "oversight/ledger/note.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>
#include <utility>
#include <vector>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/common/key_file.h"
#include "oversight/common/secret.h"

namespace oversight::ledger {
namespace {

constexpr std::uint8_t kAlgEd25519 = 0x01;
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, then a space
constexpr std::string_view kSignerKeyPrefix = "PRIVATE+KEY+";
// C2SP asks verifiers to accept at least 16 signatures; the cap bounds work on hostile notes.
constexpr std::size_t kMaxSignatureLines = 128;

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using PublicKey = std::array<std::uint8_t, 32>;

// Length of the UTF-8 sequence starting at s[i], or 0 if it is invalid (overlong, surrogate,
// beyond U+10FFFF, truncated).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t j = 1; j < len; ++j) {
    const auto cc = static_cast<unsigned char>(s[i + j]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (cc & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// C2SP and Go: a key name is non-empty UTF-8 with no spaces and no '+'.
Status ValidateKeyName(std::string_view name) {
  bool ok = !name.empty();
  for (std::size_t i = 0; ok && i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t len = Utf8SequenceLength(name, i);
    ok = len != 0 && c > 0x20 && c != 0x7f && c != '+';
    i += len;
  }
  if (!ok) {
    return Status::InvalidArgument("note key name '" + std::string(name) +
                                   "' is empty or contains a space, '+' or control character");
  }
  return Status::Ok();
}

// C2SP note text: valid UTF-8, no control characters but '\n', ending in '\n'.
Status ValidateNoteText(std::string_view text, std::string_view what) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument(std::string(what) + " does not end in a newline");
  }
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7f) {
      return Status::InvalidArgument(std::string(what) + " contains a control character at byte " +
                                     std::to_string(i));
    }
    const std::size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 at byte " +
                                     std::to_string(i));
    }
    i += len;
  }
  return Status::Ok();
}

std::uint32_t ComputeKeyId(std::string_view name, const PublicKey& pub) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kAlgEd25519));
  input.append(reinterpret_cast<const char*>(pub.data()), pub.size());
  const Hash256 h = Sha256(input);
  return std::uint32_t{h[0]} << 24 | std::uint32_t{h[1]} << 16 | std::uint32_t{h[2]} << 8 | h[3];
}

std::string KeyIdHex(std::uint32_t id) {
  const std::array<std::uint8_t, 4> be = {
      static_cast<std::uint8_t>(id >> 24), static_cast<std::uint8_t>(id >> 16),
      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id)};
  return HexEncode(be);
}

std::string FormatVerifierKey(const std::string& name, std::uint32_t id, const PublicKey& pub) {
  std::vector<std::uint8_t> key = {kAlgEd25519};
  key.insert(key.end(), pub.begin(), pub.end());
  return name + "+" + KeyIdHex(id) + "+" + Base64Encode(key);
}

// "<name>+<hex8>+<base64(0x01 || 32 bytes)>", as in both Go key formats. `bytes` receives the
// 32 key bytes (a seed for signer keys: the caller wraps them as a secret).
struct KeyString {
  std::string name;
  std::uint32_t id = 0;
};
StatusOr<KeyString> ParseKeyString(std::string_view s, std::vector<std::uint8_t>& bytes) {
  const std::size_t p1 = s.find('+');
  const std::size_t p2 = p1 == std::string_view::npos ? p1 : s.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return Status::InvalidArgument("note key is not of the form <name>+<hex id>+<base64 key>");
  }
  KeyString k{std::string(s.substr(0, p1)), 0};
  OVERSIGHT_RETURN_IF_ERROR(ValidateKeyName(k.name));
  auto id = HexDecode(s.substr(p1 + 1, p2 - p1 - 1));
  if (!id.ok() || id->size() != 4) {
    return Status::InvalidArgument("note key id for '" + k.name + "' is not 8 hex digits");
  }
  k.id = std::uint32_t{(*id)[0]} << 24 | std::uint32_t{(*id)[1]} << 16 |
         std::uint32_t{(*id)[2]} << 8 | (*id)[3];
  auto key = Base64Decode(s.substr(p2 + 1));
  if (!key.ok() || key->size() != 33) {
    return Status::InvalidArgument("note key for '" + k.name + "' is not base64 of 33 bytes");
  }
  if ((*key)[0] != kAlgEd25519) {
    return Status::InvalidArgument("note key for '" + k.name + "' is not an Ed25519 key");
  }
  bytes = std::move(*key);
  bytes.erase(bytes.begin());
  return k;
}

StatusOr<PublicKey> RawPublicKey(EVP_PKEY* pkey) {
  PublicKey pub{};
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pkey, pub.data(), &len) != 1 || len != pub.size()) {
    ERR_clear_error();
    return Status::Internal("cannot extract the Ed25519 public key");
  }
  return pub;
}

// Hands the caller's passphrase prompt a refusal: key files are not encrypted, and the
// library must never block on a terminal prompt.
int NoPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

struct NoteSigner::Impl {
  PkeyPtr pkey;
  PublicKey pub{};
};

struct NoteVerifier::Impl {
  PkeyPtr pkey;
  PublicKey pub{};
};

NoteSigner::NoteSigner(std::string name, std::unique_ptr<Impl> impl)
    : name_(std::move(name)), key_id_(ComputeKeyId(name_, impl->pub)), impl_(std::move(impl)) {}
NoteSigner::NoteSigner(NoteSigner&&) noexcept = default;
NoteSigner& NoteSigner::operator=(NoteSigner&&) noexcept = default;
NoteSigner::~NoteSigner() = default;

StatusOr<NoteSigner> NoteSigner::FromPemFile(std::string name, const std::string& pem_path) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateKeyName(name));
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes pem, ReadKeyFile(pem_path));
  BioPtr bio(BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size())));
  if (!bio) return Status::Internal("cannot allocate an OpenSSL memory buffer");
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!impl->pkey || EVP_PKEY_is_a(impl->pkey.get(), "ED25519") != 1) {
    return Status::InvalidArgument("key file " + pem_path +
                                   " is not an unencrypted PKCS#8 PEM Ed25519 private key");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(impl->pub, RawPublicKey(impl->pkey.get()));
  return NoteSigner(std::move(name), std::move(impl));
}

StatusOr<NoteSigner> NoteSigner::FromGoSignerKey(std::string_view skey) {
  if (!skey.starts_with(kSignerKeyPrefix)) {
    return Status::InvalidArgument("signer key does not start with PRIVATE+KEY+");
  }
  std::vector<std::uint8_t> seed_bytes;
  auto parsed = ParseKeyString(skey.substr(kSignerKeyPrefix.size()), seed_bytes);
  const SecretBytes seed(std::move(seed_bytes));  // wiped on every return path
  if (!parsed.ok()) return parsed.status();
  auto impl = std::make_unique<Impl>();
  impl->pkey.reset(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.view().data(), seed.size()));
  if (!impl->pkey) {
    ERR_clear_error();
    return Status::InvalidArgument("signer key for '" + parsed->name + "' is not an Ed25519 seed");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(impl->pub, RawPublicKey(impl->pkey.get()));
  if (ComputeKeyId(parsed->name, impl->pub) != parsed->id) {
    return Status::InvalidArgument("signer key id " + KeyIdHex(parsed->id) +
                                   " does not match the key for '" + parsed->name + "'");
  }
  return NoteSigner(std::move(parsed->name), std::move(impl));
}

Status NoteSigner::GeneratePemFile(const std::string& pem_path) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "ED25519", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not generate an Ed25519 key");
  }
  PkeyPtr pkey(raw);
  // Secure-heap BIO: the PEM text is wiped when the BIO is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  BUF_MEM* mem = nullptr;
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      BIO_get_mem_ptr(bio.get(), &mem) != 1 || mem == nullptr) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not encode the Ed25519 key as PEM");
  }
  return WriteNewKeyFile(pem_path, {reinterpret_cast<const std::uint8_t*>(mem->data), mem->length})
      .WithContext("writing signing key");
}

std::string NoteSigner::VerifierKey() const {
  return FormatVerifierKey(name_, key_id_, impl_->pub);
}

NoteVerifier NoteSigner::Verifier() const {
  auto impl = std::make_shared<NoteVerifier::Impl>();
  impl->pkey.reset(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, impl_->pub.data(), impl_->pub.size()));
  if (!impl->pkey) std::abort();  // a valid private key always has a valid public key
  impl->pub = impl_->pub;
  return NoteVerifier(name_, std::move(impl));
}

StatusOr<std::string> NoteSigner::Sign(std::string_view text) const {
  OVERSIGHT_RETURN_IF_ERROR(ValidateNoteText(text, "note text"));
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::vector<std::uint8_t> sig = {
      static_cast<std::uint8_t>(key_id_ >> 24), static_cast<std::uint8_t>(key_id_ >> 16),
      static_cast<std::uint8_t>(key_id_ >> 8), static_cast<std::uint8_t>(key_id_)};
  sig.resize(4 + 64);
  std::size_t len = 64;
  // Ed25519 is a one-shot ("pure") signature: no digest is configured.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data() + 4, &len, AsBytes(text).data(), text.size()) != 1 ||
      len != 64) {
    ERR_clear_error();
    return Status::Internal("OpenSSL failed to produce an Ed25519 signature");
  }
  std::string out(text);
  out.append("\n").append(kSigPrefix).append(name_).append(" ").append(Base64Encode(sig));
  out.push_back('\n');
  return out;
}

NoteVerifier::NoteVerifier(std::string name, std::shared_ptr<const Impl> impl)
    : name_(std::move(name)), key_id_(ComputeKeyId(name_, impl->pub)), impl_(std::move(impl)) {}

StatusOr<NoteVerifier> NoteVerifier::FromVerifierKey(std::string_view vkey) {
  std::vector<std::uint8_t> key;
  OVERSIGHT_ASSIGN_OR_RETURN(KeyString parsed, ParseKeyString(vkey, key));
  auto impl = std::make_shared<Impl>();
  std::copy(key.begin(), key.end(), impl->pub.begin());
  if (ComputeKeyId(parsed.name, impl->pub) != parsed.id) {
    return Status::InvalidArgument("verifier key id " + KeyIdHex(parsed.id) +
                                   " does not match the key for '" + parsed.name + "'");
  }
  impl->pkey.reset(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, impl->pub.data(), impl->pub.size()));
  if (!impl->pkey) {
    ERR_clear_error();
    return Status::InvalidArgument("verifier key for '" + parsed.name +
                                   "' is not an Ed25519 public key");
  }
  return NoteVerifier(std::move(parsed.name), std::move(impl));
}

std::string NoteVerifier::VerifierKey() const {
  return FormatVerifierKey(name_, key_id_, impl_->pub);
}

bool NoteVerifier::Verify(std::string_view text, std::span<const std::uint8_t> signature64) const {
  if (signature64.size() != 64) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) == 1 &&
      EVP_DigestVerify(ctx.get(), signature64.data(), signature64.size(), AsBytes(text).data(),
                       text.size()) == 1;
  ERR_clear_error();
  return ok;
}

namespace {

struct SignatureLine {
  std::string_view name;
  std::uint32_t key_id = 0;
  std::vector<std::uint8_t> signature;
};

StatusOr<SignatureLine> ParseSignatureLine(std::string_view line) {
  if (!line.starts_with(kSigPrefix)) {
    return Status::InvalidArgument("malformed note: signature line does not start with '— '");
  }
  line.remove_prefix(kSigPrefix.size());
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return Status::InvalidArgument("malformed note: signature line has no key name");
  }
  SignatureLine out{line.substr(0, space), 0, {}};
  OVERSIGHT_RETURN_IF_ERROR(ValidateKeyName(out.name));
  auto bytes = Base64Decode(line.substr(space + 1));
  if (!bytes.ok() || bytes->size() < 5) {
    return Status::InvalidArgument("malformed note: signature by '" + std::string(out.name) +
                                   "' is not base64 of a key id and signature");
  }
  const std::vector<std::uint8_t>& b = *bytes;
  out.key_id =
      std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  out.signature.assign(b.begin() + 4, b.end());
  return out;
}

}  // namespace

StatusOr<std::string> OpenNote(std::string_view signed_note, const NoteVerifier& verifier) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateNoteText(signed_note, "signed note"));
  const std::size_t split = signed_note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return Status::InvalidArgument("malformed note: no blank line before the signatures");
  }
  const std::string_view text = signed_note.substr(0, split + 1);
  std::string_view sigs = signed_note.substr(split + 2);
  if (sigs.empty()) return Status::InvalidArgument("malformed note: no signature lines");
  bool verified = false;
  for (std::size_t count = 0; !sigs.empty(); ++count) {
    if (count == kMaxSignatureLines) {
      return Status::InvalidArgument("malformed note: more than " +
                                     std::to_string(kMaxSignatureLines) + " signature lines");
    }
    const std::size_t eol = sigs.find('\n');  // present: the note ends in '\n'
    OVERSIGHT_ASSIGN_OR_RETURN(SignatureLine line, ParseSignatureLine(sigs.substr(0, eol)));
    sigs.remove_prefix(eol + 1);
    if (line.name != verifier.name() || line.key_id != verifier.key_id()) continue;
    if (!verifier.Verify(text, line.signature)) {
      return Status::Corruption("checkpoint signature does not verify: the signature by " +
                                verifier.name() + "+" + KeyIdHex(verifier.key_id()) +
                                " does not match the note text");
    }
    verified = true;
  }
  if (!verified) {
    return Status::Unauthenticated("note has no signature by key " + verifier.name() + "+" +
                                   KeyIdHex(verifier.key_id()));
  }
  return std::string(text);
}

std::string FormatCheckpoint(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" + Base64Encode(c.root) + "\n";
}

namespace {

StatusOr<std::uint64_t> ParseTreeSize(std::string_view s) {
  if (s.empty()) return Status::InvalidArgument("checkpoint tree size line is empty");
  if (s.size() > 1 && s[0] == '0') {
    return Status::InvalidArgument("checkpoint tree size has a leading zero");
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Status::InvalidArgument("checkpoint tree size is not a decimal number");
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      return Status::InvalidArgument("checkpoint tree size overflows 64 bits");
    }
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateNoteText(text, "checkpoint"));
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t eol = text.find('\n', pos);
    lines.push_back(text.substr(pos, eol - pos));
    pos = eol + 1;
  }
  if (lines.size() < 3) {
    return Status::InvalidArgument("checkpoint has " + std::to_string(lines.size()) +
                                   " lines; it needs origin, tree size and root hash");
  }
  for (std::string_view line : lines) {
    if (line.empty()) return Status::InvalidArgument("checkpoint has an empty line");
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  OVERSIGHT_ASSIGN_OR_RETURN(c.size, ParseTreeSize(lines[1]));
  auto root = Base64Decode(lines[2]);
  if (!root.ok() || root->size() != c.root.size()) {
    return Status::InvalidArgument("checkpoint root hash is not base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

StatusOr<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer) {
  if (c.origin.empty() || c.origin.find('\n') != std::string::npos) {
    return Status::InvalidArgument("checkpoint origin must be one non-empty line");
  }
  return signer.Sign(FormatCheckpoint(c));
}

StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& verifier) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, OpenNote(signed_note, verifier));
  return ParseCheckpoint(text);
}

}  // namespace oversight::ledger
