#include "oversight/ledger/ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ledger_impl.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/entry.h"

namespace oversight::ledger {
namespace {

Status ValidateOrigin(const std::string& origin) {
  if (origin.empty() || origin.size() > 255) {
    return Status::InvalidArgument("origin must be 1 to 255 characters");
  }
  for (char c : origin) {
    if (c <= ' ' || c == '+' || static_cast<unsigned char>(c) >= 0x7f) {
      return Status::InvalidArgument(
          "origin may not contain spaces, '+' or non-ASCII characters (C2SP key names)");
    }
  }
  return Status::Ok();
}

Status RefuseExisting(const LedgerPaths& p) {
  for (const std::string* f : {&p.db, &p.key, &p.signing_key, &p.verifier_key}) {
    if (::access(f->c_str(), F_OK) == 0) {
      return Status::AlreadyExists(*f + " already exists; refusing to overwrite a ledger");
    }
  }
  return Status::Ok();
}

// The signing key must be the one whose verifier key the ledger recorded at creation.
StatusOr<NoteSigner> LoadSigner(const LedgerPaths& paths, const std::string& origin,
                                const std::string& recorded_vkey) {
  OVERSIGHT_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::FromPemFile(origin, paths.signing_key));
  if (signer.VerifierKey() != recorded_vkey) {
    return Status::PermissionDenied("signing key " + paths.signing_key +
                                    " does not belong to this ledger (verifier key differs)");
  }
  return signer;
}

// One writer per ledger: the tree, the chain tip and checkpoint signing live in the writer's
// memory, so a second writing process would race it (and a commit failing on its lock would
// poison the first). An advisory lock on <db>.lock, released by the kernel even on SIGKILL.
StatusOr<int> LockForWriting(const std::string& db) {
  const std::string path = db + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return Status::FailedPrecondition(
          "the ledger " + db +
          " is open for writing by another process (a running `oversight "
          "serve`?); only one process may write it. Read-only commands work meanwhile: "
          "`ledger verify`, and `ledger export` of what the latest checkpoint covers");
    }
    return Status::IOError("cannot lock " + path + ": " + std::strerror(err));
  }
  return fd;
}

}  // namespace

bool IsLockedByAnotherWriter(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         status.message().find("open for writing by another process") != std::string::npos;
}

LedgerPaths LedgerPaths::InDirectory(const std::string& dir) {
  return {dir + "/ledger.db", dir + "/ledger.key", dir + "/signing.pem", dir + "/ledger.vkey"};
}

StatusOr<std::string> Ledger::Create(const LedgerPaths& paths, const std::string& origin,
                                     const Clock& clock) {
  OVERSIGHT_RETURN_IF_ERROR(ValidateOrigin(origin));
  OVERSIGHT_RETURN_IF_ERROR(RefuseExisting(paths));
  OVERSIGHT_RETURN_IF_ERROR(CreateRawKey256File(paths.key));
  OVERSIGHT_RETURN_IF_ERROR(NoteSigner::GeneratePemFile(paths.signing_key));
  OVERSIGHT_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::FromPemFile(origin, paths.signing_key));
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes key, ReadRawKey256(paths.key));
  std::string vkey = signer.VerifierKey();
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto store, Store::Create(paths.db, key, origin, vkey, FormatRfc3339Millis(clock.Now())));
  OVERSIGHT_RETURN_IF_ERROR(WriteFileAtomically(paths.verifier_key, vkey + "\n", 0644));
  return vkey;
}

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const LedgerPaths& paths, LedgerOptions options) {
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes key, ReadRawKey256(paths.key));
  OVERSIGHT_RETURN_IF_ERROR(CheckKeyFilePermissions(paths.signing_key));
  if (::access(paths.db.c_str(), F_OK) != 0) {
    return Status::NotFound("no ledger at " + paths.db +
                            " (create one with `oversight ledger init`)");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(int lock_fd, LockForWriting(paths.db));
  auto opened = OpenLocked(paths, options, key);
  if (!opened.ok()) {
    ::close(lock_fd);
    return opened.status();
  }
  (*opened)->lock_fd_ = lock_fd;
  return opened;
}

StatusOr<std::unique_ptr<Ledger>> Ledger::OpenLocked(const LedgerPaths& paths,
                                                     const LedgerOptions& options,
                                                     const SecretBytes& key) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto writer, Store::Open(paths.db, key, /*read_only=*/false));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string origin, writer->Meta("origin"));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string vkey, writer->Meta("verifier_key"));
  OVERSIGHT_ASSIGN_OR_RETURN(NoteSigner signer, LoadSigner(paths, origin, vkey));
  OVERSIGHT_ASSIGN_OR_RETURN(auto reader, Store::Open(paths.db, key, /*read_only=*/true));
  OVERSIGHT_ASSIGN_OR_RETURN(auto leaf_reader, Store::Open(paths.db, key, /*read_only=*/true));
  auto impl = std::make_unique<Impl>(options, std::move(writer), std::move(reader),
                                     std::move(leaf_reader), std::move(signer), origin, vkey);
  OVERSIGHT_RETURN_IF_ERROR(impl->Load());
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() {
  impl_.reset();  // drain and stop the committer before letting another writer in
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void Ledger::AppendAsync(std::string_view kind, std::string_view payload_json,
                         AppendCallback done) {
  impl_->AppendAsync(kind, payload_json, std::move(done));
}

StatusOr<Receipt> Ledger::Append(std::string_view kind, std::string_view payload_json) {
  return impl_->Append(kind, payload_json);
}
StatusOr<SignedCheckpoint> Ledger::Checkpoint() { return impl_->Checkpoint(); }
std::optional<SignedCheckpoint> Ledger::LatestCheckpoint() const {
  return impl_->LatestCheckpoint();
}
std::vector<SignedCheckpoint> Ledger::Checkpoints() const { return impl_->Checkpoints(); }
std::uint64_t Ledger::size() const { return impl_->size(); }
LedgerStats Ledger::stats() const { return impl_->stats(); }
const std::string& Ledger::origin() const { return impl_->origin(); }
const std::string& Ledger::verifier_key() const { return impl_->verifier_key(); }
StatusOr<std::string> Ledger::EntryBytes(std::uint64_t seq) const { return impl_->EntryBytes(seq); }
Status Ledger::ReadEntries(std::uint64_t from, std::uint64_t to, const EntryCallback& fn) const {
  return impl_->ReadEntries(from, to, fn);
}
StatusOr<InclusionProof> Ledger::ProveInclusion(std::uint64_t index, std::uint64_t size) const {
  return impl_->ProveInclusion(index, size);
}
StatusOr<ConsistencyProof> Ledger::ProveConsistency(std::uint64_t size1,
                                                    std::uint64_t size2) const {
  return impl_->ProveConsistency(size1, size2);
}

StatusOr<SignedCheckpoint> ReadCheckpointed(const LedgerPaths& paths,
                                            const Ledger::EntryCallback& fn) {
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes key, ReadRawKey256(paths.key));
  OVERSIGHT_ASSIGN_OR_RETURN(auto store, Store::Open(paths.db, key, /*read_only=*/true));
  OVERSIGHT_ASSIGN_OR_RETURN(std::vector<CheckpointRow> rows, store->Checkpoints());
  if (rows.empty()) {
    return Status::FailedPrecondition(
        "the ledger has no signed checkpoint yet; a writer must "
        "sign one (POST /oversight/v1/ledger/checkpoint)");
  }
  const CheckpointRow& latest = rows.back();
  OVERSIGHT_RETURN_IF_ERROR(
      store->ForEachEntry(0, latest.size,
                          [&](std::uint64_t seq, std::string_view bytes,
                              std::span<const std::uint8_t>) { return fn(seq, bytes); }));
  return SignedCheckpoint{latest.size, latest.root, latest.note, latest.time};
}

}  // namespace oversight::ledger
