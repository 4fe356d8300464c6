// `oversight init`, step stores: the ledger, and the keys of the gallery and records
// databases (the databases themselves are created on first open by the processes that own
// them: the matcher opens the gallery, the proxy the records). Plus the small filesystem
// helpers every step shares.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "init_steps.h"
#include "oversight/common/key_file.h"
#include "oversight/ledger/ledger.h"

namespace oversight::cli::init {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status MakeDir(const std::string& dir, int mode) {
  if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
    return Status::FailedPrecondition(dir + " exists and is not a directory");
  }
  return Status::IOError("cannot create directory " + dir + ": " + std::strerror(errno));
}

namespace {

// An existing ledger (any of its files) is kept; its verifier key is read back for the summary.
Status MakeLedger(Report* report) {
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path("ledger"), 0700));
  const ledger::LedgerPaths paths = ledger::LedgerPaths::InDirectory(report->Path("ledger"));
  const bool kept = Exists(paths.db) || Exists(paths.key) || Exists(paths.signing_key);
  if (kept) {
    OVERSIGHT_ASSIGN_OR_RETURN(report->verifier_key, ReadSmallFile(paths.verifier_key, 4096));
    while (!report->verifier_key.empty() && report->verifier_key.back() == '\n') {
      report->verifier_key.pop_back();
    }
  } else {
    OVERSIGHT_ASSIGN_OR_RETURN(report->verifier_key,
                               ledger::Ledger::Create(paths, std::string(kDemoLedgerOrigin)));
  }
  report->Add("ledger/",
              "encrypted ledger: database, 0600 database and signing keys, public "
              "verifier key",
              true, kept);
  return Status::Ok();
}

Status MakeRawKey(Report* report, const std::string& dir, const std::string& rel,
                  const std::string& what) {
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path(dir), 0700));
  const bool kept = Exists(report->Path(rel));
  if (!kept) OVERSIGHT_RETURN_IF_ERROR(CreateRawKey256File(report->Path(rel)));
  report->Add(rel, what, true, kept);
  return Status::Ok();
}

}  // namespace

Status MakeStores(Report* report) {
  OVERSIGHT_RETURN_IF_ERROR(MakeLedger(report));
  OVERSIGHT_RETURN_IF_ERROR(MakeRawKey(report, "gallery", "gallery/gallery.key",
                                       "gallery database key (SQLCipher, 256-bit)"));
  OVERSIGHT_RETURN_IF_ERROR(MakeRawKey(report, "records", "records/records.key",
                                       "records database key (SQLCipher, 256-bit)"));
  return MakeRawKey(report, "console", "console/console.key",
                    "console sign-in link key (HMAC-SHA256, 256-bit)");
}

}  // namespace oversight::cli::init
