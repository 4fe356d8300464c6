// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys, and C2SP tlog
// checkpoints (https://c2sp.org/tlog-checkpoint) carried in them.
//
// Key strings follow golang.org/x/mod/sumdb/note, so keys interoperate with Go tooling:
//   verifier key: "<name>+<hex8 key id>+<base64(0x01 || 32-byte public key)>"
//   signer key:   "PRIVATE+KEY+<name>+<hex8 key id>+<base64(0x01 || 32-byte seed)>"
// The key id is the first 4 bytes (big-endian) of SHA-256(name || 0x0A || 0x01 || public key).
// Key names are non-empty and contain no spaces and no '+'.
//
// Private keys are never printed, logged or put in error messages.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "oversight/common/status.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {

class NoteVerifier;

// Signs note texts with an Ed25519 key. Movable, not copyable; a moved-from signer may only be
// destroyed or assigned to. Thread-safe for concurrent const calls (each Sign uses its own
// OpenSSL context).
class NoteSigner {
 public:
  // Loads a PKCS#8 PEM Ed25519 private key. The file must pass ReadKeyFile (owner-only mode).
  static StatusOr<NoteSigner> FromPemFile(std::string name, const std::string& pem_path);
  // Parses a Go sumdb/note signer key; the key id in it must match the key.
  static StatusOr<NoteSigner> FromGoSignerKey(std::string_view skey);
  // Creates a new Ed25519 key and writes it as PKCS#8 PEM to a new 0600 file (which must not
  // exist yet).
  static Status GeneratePemFile(const std::string& pem_path);

  NoteSigner(NoteSigner&&) noexcept;
  NoteSigner& operator=(NoteSigner&&) noexcept;
  ~NoteSigner();

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  std::string VerifierKey() const;
  // The verifier for this signer's public key.
  NoteVerifier Verifier() const;

  // Returns text + "\n" + "— <name> <base64(key id || signature)>\n". InvalidArgument unless
  // the text is valid note text: valid UTF-8, ending in '\n', no control characters but '\n'.
  StatusOr<std::string> Sign(std::string_view text) const;

 private:
  struct Impl;
  NoteSigner(std::string name, std::unique_ptr<Impl> impl);

  std::string name_;
  std::uint32_t key_id_ = 0;
  std::unique_ptr<Impl> impl_;
};

// Verifies Ed25519 note signatures by one named key. Copyable (copies share the immutable key);
// thread-safe.
class NoteVerifier {
 public:
  // Parses a Go sumdb/note verifier key; InvalidArgument if malformed or if the key id in it
  // does not match the name and key.
  static StatusOr<NoteVerifier> FromVerifierKey(std::string_view vkey);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  std::string VerifierKey() const;

  // True iff `signature64` is this key's Ed25519 signature over `text`.
  bool Verify(std::string_view text, std::span<const std::uint8_t> signature64) const;

 private:
  struct Impl;
  friend class NoteSigner;
  NoteVerifier(std::string name, std::shared_ptr<const Impl> impl);

  std::string name_;
  std::uint32_t key_id_ = 0;
  std::shared_ptr<const Impl> impl_;
};

// Splits a signed note at its last blank line and checks its signatures per C2SP. Returns the
// note text (ending in '\n') if a signature by `verifier` verifies. Signatures by other keys
// are ignored. InvalidArgument if the note is malformed; Unauthenticated if no signature line
// names this key; Corruption if a signature line by this key does not verify (the whole note is
// rejected, as C2SP recommends).
StatusOr<std::string> OpenNote(std::string_view signed_note, const NoteVerifier& verifier);

// A tlog checkpoint: the log's origin line, tree size and RFC 6962 root hash.
struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
};

// "<origin>\n<size>\n<base64 root>\n". REQUIRES: a valid origin (see ParseCheckpoint).
std::string FormatCheckpoint(const Checkpoint& c);
// Strict parse: a non-empty origin line, a decimal size without leading zeros, a base64 root of
// exactly 32 bytes, then optional non-empty extension lines (ignored). InvalidArgument otherwise.
StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);
// InvalidArgument if the origin is empty or not a valid single note line.
StatusOr<std::string> SignCheckpoint(const Checkpoint& c, const NoteSigner& signer);
// OpenNote + ParseCheckpoint.
StatusOr<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& verifier);

}  // namespace oversight::ledger
