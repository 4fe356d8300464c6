#include "oversight/ledger/verify.h"

#include "chain_checker.h"
#include "oversight/common/key_file.h"
#include "oversight/ledger/entry.h"
#include "range_check.h"
#include "store.h"

namespace oversight::ledger {
namespace {

constexpr std::size_t kMaxLineBytes = kMaxPayloadBytes + 4096;

enum class LineResult { kLine, kEnd, kTooLong };

// Reads one '\n'-terminated line without ever holding more than max bytes of it. Reads the
// stream buffer directly: istream::get builds a sentry per character, which made reading
// lines a third of verify-export's time.
LineResult ReadBoundedLine(std::istream& in, std::string& line, std::size_t max) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  int c;
  while ((c = buf->sbumpc()) != std::char_traits<char>::eof()) {
    if (c == '\n') return LineResult::kLine;
    if (line.size() == max) return LineResult::kTooLong;
    line.push_back(static_cast<char>(c));
  }
  in.setstate(std::ios::eofbit);
  return line.empty() ? LineResult::kEnd : LineResult::kLine;
}

StatusOr<NoteVerifier> VerifierFor(const LedgerPaths& paths, const VerifyOptions& options) {
  std::string source = options.verifier_key.empty() ? paths.verifier_key : options.verifier_key;
  OVERSIGHT_ASSIGN_OR_RETURN(std::string vkey, LoadVerifierKey(source));
  return NoteVerifier::FromVerifierKey(vkey);
}

StatusOr<std::optional<Checkpoint>> OpenTrusted(const std::optional<std::string>& note,
                                                const NoteVerifier& verifier) {
  if (!note) return std::optional<Checkpoint>();
  auto cp = OpenCheckpoint(*note, verifier);
  if (!cp.ok()) return cp.status().WithContext("the trusted checkpoint is not usable");
  return std::optional<Checkpoint>(*cp);
}

void Finish(const MerkleTree& tree, VerifyReport& report) {
  report.tree_size = tree.size();
  report.root = tree.Root();
}

}  // namespace

StatusOr<std::string> LoadVerifierKey(const std::string& key_or_path) {
  std::string text = key_or_path;
  if (key_or_path.find('+') == std::string::npos) {
    auto file = ReadSmallFile(key_or_path, 4096);
    if (!file.ok()) return file.status().WithContext("reading the verifier key");
    text = *file;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

StatusOr<VerifyReport> VerifyLedger(const LedgerPaths& paths, const VerifyOptions& options) {
  OVERSIGHT_ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierFor(paths, options));
  OVERSIGHT_ASSIGN_OR_RETURN(auto trusted, OpenTrusted(options.trusted_checkpoint, verifier));
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes key, ReadRawKey256(paths.key));
  OVERSIGHT_ASSIGN_OR_RETURN(auto store, Store::Open(paths.db, key, /*read_only=*/true));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string origin, store->Meta("origin"));
  VerifyReport report;
  if (auto recorded = store->Meta("verifier_key");
      !recorded.ok() || *recorded != verifier.VerifierKey()) {
    Fail(report, std::nullopt, "the ledger records a different verifier key than the trusted one");
  }
  // Checkpoints first, entries second: while a proxy appends, both only grow, so every
  // checkpoint read here covers a prefix of the entries read next (read the other way round, a
  // checkpoint signed meanwhile would look like a truncated tail).
  auto rows = store->Checkpoints();
  OVERSIGHT_ASSIGN_OR_RETURN(ChainChecker chain, CheckStoredEntries(paths.db, key, *store, report));
  if (report.ok) {
    if (!rows.ok()) Fail(report, std::nullopt, rows.status().message());
    for (const auto& row : rows.ok() ? *rows : std::vector<CheckpointRow>{}) {
      if (!CheckCheckpoint(row.note, verifier, origin, chain.tree(), report)) break;
    }
  }
  if (report.ok && trusted) CheckTrusted(*trusted, chain.tree(), report);
  Finish(chain.tree(), report);
  return report;
}

StatusOr<VerifyReport> VerifyExport(std::istream& lines, const std::string& signed_checkpoint,
                                    const std::string& verifier_key,
                                    const std::optional<std::string>& trusted_checkpoint) {
  OVERSIGHT_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::FromVerifierKey(verifier_key));
  OVERSIGHT_ASSIGN_OR_RETURN(auto trusted, OpenTrusted(trusted_checkpoint, verifier));
  auto cp = OpenCheckpoint(signed_checkpoint, verifier);
  if (!cp.ok()) return cp.status().WithContext("the export's checkpoint is not usable");
  VerifyReport report;
  ChainChecker chain;
  std::string line;
  for (std::uint64_t seq = 0; report.ok; ++seq) {
    LineResult r = ReadBoundedLine(lines, line, kMaxLineBytes);
    if (r == LineResult::kEnd) break;
    if (r == LineResult::kTooLong) {
      Fail(report, seq, "line " + std::to_string(seq + 1) + " is longer than any entry can be");
      break;
    }
    chain.Feed(seq, line, std::nullopt, report);
  }
  if (report.ok && lines.bad()) return Status::IOError("reading the export failed");
  if (report.ok) CheckCheckpoint(signed_checkpoint, verifier, cp->origin, chain.tree(), report);
  if (report.ok && cp->size != chain.tree().size()) {
    Fail(report, std::nullopt,
         "the export holds " + std::to_string(chain.tree().size()) +
             " entries but its checkpoint covers " + std::to_string(cp->size));
  }
  if (report.ok && trusted) CheckTrusted(*trusted, chain.tree(), report);
  Finish(chain.tree(), report);
  return report;
}

}  // namespace oversight::ledger
