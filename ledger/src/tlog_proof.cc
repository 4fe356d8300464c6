#include "oversight/ledger/tlog_proof.h"

#include <charconv>

#include "oversight/common/encoding.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {
namespace {

constexpr std::string_view kHeader = "c2sp.org/tlog-proof@v1";

Status Malformed(const std::string& why) {
  return Status::InvalidArgument("malformed tlog-proof: " + why);
}

// Splits off the next '\n'-terminated line; false at the end of the text.
bool NextLine(std::string_view& rest, std::string_view& line) {
  auto nl = rest.find('\n');
  if (nl == std::string_view::npos) return false;
  line = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return true;
}

StatusOr<std::uint64_t> ParseIndex(std::string_view digits) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      (digits.size() > 1 && digits[0] == '0')) {
    return Malformed("index is not a decimal without leading zeros");
  }
  return v;
}

}  // namespace

std::string FormatTlogProof(const TlogProof& p) {
  std::string out(kHeader);
  out += '\n';
  if (!p.extra.empty()) out += "extra " + Base64Encode(AsBytes(p.extra)) + "\n";
  out += "index " + std::to_string(p.index) + "\n";
  for (const auto& h : p.hashes) out += Base64Encode(h) + "\n";
  out += '\n';
  out += p.checkpoint;
  return out;
}

StatusOr<TlogProof> ParseTlogProof(std::string_view text) {
  TlogProof p;
  std::string_view rest = text, line;
  if (!NextLine(rest, line) || line != kHeader)
    return Malformed("first line is not " + std::string(kHeader));
  if (!NextLine(rest, line)) return Malformed("missing index line");
  if (line.rfind("extra ", 0) == 0) {
    auto extra = Base64Decode(line.substr(6));
    if (!extra.ok()) return Malformed("extra line is not base64");
    p.extra.assign(extra->begin(), extra->end());
    if (!NextLine(rest, line)) return Malformed("missing index line");
  }
  if (line.rfind("index ", 0) != 0) return Malformed("missing index line");
  OVERSIGHT_ASSIGN_OR_RETURN(p.index, ParseIndex(line.substr(6)));
  while (NextLine(rest, line) && !line.empty()) {
    auto h = Base64Decode(line);
    if (!h.ok() || h->size() != 32) return Malformed("a proof line is not a base64 SHA-256 hash");
    std::copy(h->begin(), h->end(), p.hashes.emplace_back().begin());
  }
  if (!line.empty() || rest.empty()) return Malformed("missing the checkpoint after a blank line");
  p.checkpoint = std::string(rest);
  return p;
}

StatusOr<VerifiedInclusion> VerifyTlogProof(std::string_view text, const NoteVerifier& verifier,
                                            std::string_view entry) {
  OVERSIGHT_ASSIGN_OR_RETURN(TlogProof p, ParseTlogProof(text));
  OVERSIGHT_ASSIGN_OR_RETURN(Checkpoint cp, OpenCheckpoint(p.checkpoint, verifier));
  VerifiedInclusion out{cp, p.index, entry.empty() ? p.extra : std::string(entry)};
  if (out.entry.empty()) return Status::InvalidArgument("no entry bytes to prove: give the entry");
  OVERSIGHT_RETURN_IF_ERROR(
      VerifyInclusion(p.index, cp.size, LeafHash(AsBytes(out.entry)), p.hashes, cp.root));
  return out;
}

}  // namespace oversight::ledger
