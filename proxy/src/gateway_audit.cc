// The auditor's console calls (docs/console.md): the ledger as summarised rows, newest first,
// and the accountability report over the proxy's own ledger directory.
//
// Rows are read from the open ledger (deps.ledger), a bounded number of entries per call. The
// report is the report library's, read-only from options.ledger_dir (as `oversight report
// --dir` reads it beside a running proxy); verification is remembered per checkpoint size.
#include <algorithm>
#include <cctype>

#include "gateway_impl.h"
#include "oversight/ledger/entry.h"
#include "oversight/report/period.h"
#include "oversight/report/report.h"

namespace oversight::proxy {
namespace {

constexpr std::uint64_t kDefaultRows = 100;
constexpr std::uint64_t kMaxRows = 500;
constexpr std::uint64_t kMaxScannedPerCall = 20'000;  // entries read per call, at most
constexpr std::uint64_t kChunk = 500;                 // entries read per ReadEntries
constexpr std::size_t kMaxQueryBytes = 256;

// Decodes a query-string value (%XX escapes, '+' as a space); nullopt on a bad escape.
std::optional<std::string> QueryDecode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] != '%') {
      out += in[i];
    } else {
      if (i + 2 >= in.size()) return std::nullopt;
      const auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      };
      const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

// The decoded query parameter `name`: empty when absent; nullopt when it cannot be decoded.
std::optional<std::string> DecodedParam(const Request& request, std::string_view name) {
  auto raw = QueryParam(request.query, name);
  return raw ? QueryDecode(*raw) : std::optional<std::string>("");
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string TextAt(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& ObjectAt(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

Json IdsAt(const Json& object, const char* key) {
  Json out = Json::array();
  auto it = object.find(key);
  if (it == object.end() || !it->is_array()) return out;
  for (const Json& id : *it) {
    if (id.is_string()) out.push_back(id);
  }
  return out;
}

// One entry as a row. Request entries carry the proxy's decision; purge and rules entries
// (docs/ledger.md) are shown as what they did, by whom.
Json RowOf(const ledger::EntryView& e) {
  Json p = Json::parse(e.payload, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object()) p = Json::object();
  const Json& decision = ObjectAt(p, "decision");
  const Json& principal = ObjectAt(p, "principal");
  const Json& context = ObjectAt(ObjectAt(p, "document"), "context");
  std::string operation = TextAt(p, "operation");
  std::string who = TextAt(principal, "id");
  if (who.empty()) who = TextAt(principal, "access_key_id");
  if (who.empty()) who = TextAt(p, "by");
  bool allow = true;  // a purge or accepted reload happened
  Json rules = Json::array();
  if (auto it = decision.find("allow"); it != decision.end() && it->is_boolean()) {
    allow = it->get<bool>();
    rules = IdsAt(decision, allow ? "permitting" : "forbidding");
  } else if (auto acc = p.find("accepted"); acc != p.end() && acc->is_boolean()) {
    allow = acc->get<bool>();
  }
  if (e.kind == "purge") {
    if (operation.empty()) operation = "purge";
    if (!TextAt(p, "rule").empty()) rules.push_back(TextAt(p, "rule"));
  } else if (e.kind == "rules" && operation.empty()) {
    operation = "rules." + TextAt(p, "action");
  }
  return {{"Seq", e.seq},
          {"Time", std::string(e.time)},
          {"Kind", std::string(e.kind)},
          {"Operation", operation},
          {"Principal", who},
          {"Agency", TextAt(principal, "agency")},
          {"Purpose", TextAt(context, "purpose")},
          {"Decision", allow ? "allow" : "deny"},
          {"Stage", TextAt(decision, "stage")},
          {"Rules", std::move(rules)},
          {"Warrant", TextAt(context, "warrant_id")}};
}

struct RowFilter {
  std::string q;  // lowercase; empty: any
  std::optional<std::string> decision;

  bool Matches(const Json& row) const {
    if (decision && row["Decision"] != *decision) return false;
    if (q.empty()) return true;
    std::string text;
    for (const char* key : {"Time", "Kind", "Operation", "Principal", "Agency", "Purpose",
                            "Decision", "Stage", "Warrant"}) {
      text += row[key].get<std::string>() + '\n';
    }
    for (const Json& id : row["Rules"]) text += id.get<std::string>() + '\n';
    return Lower(std::move(text)).find(q) != std::string::npos;
  }
};

struct RowsQuery {
  std::uint64_t before = 0, limit = kDefaultRows;
  RowFilter filter;
};

std::optional<Outcome> ReadRowsQuery(const Request& request, std::uint64_t size, RowsQuery& out) {
  out.before = size;
  if (auto before = QueryParam(request.query, "before")) {
    auto v = ParseIndex(before);
    if (!v) return Fail(ErrorType::kInvalidParameter, "before must be an entry seq");
    out.before = std::min(*v, size);
  }
  if (auto limit = QueryParam(request.query, "limit")) {
    auto v = ParseIndex(limit);
    if (!v || *v == 0 || *v > kMaxRows) {
      return Fail(ErrorType::kInvalidParameter,
                  "limit must be between 1 and " + std::to_string(kMaxRows));
    }
    out.limit = *v;
  }
  auto q = DecodedParam(request, "q");
  if (!q || q->size() > kMaxQueryBytes) {
    return Fail(ErrorType::kInvalidParameter, "q must be URL-encoded text of at most " +
                                                  std::to_string(kMaxQueryBytes) + " bytes");
  }
  out.filter.q = Lower(*q);
  auto decision = DecodedParam(request, "decision");
  if (!decision || (!decision->empty() && *decision != "allow" && *decision != "deny")) {
    return Fail(ErrorType::kInvalidParameter, "decision must be allow or deny");
  }
  if (!decision->empty()) out.filter.decision = *decision;
  return std::nullopt;
}

}  // namespace

Outcome LedgerRows(Gateway::Impl& g, const Request& request, Json& log) {
  const ledger::Ledger& l = *g.deps.ledger;
  const std::uint64_t size = l.size();
  RowsQuery query;
  if (auto bad = ReadRowsQuery(request, size, query)) return std::move(*bad);
  log["rows"] = {{"before", query.before}, {"limit", query.limit}, {"q", query.filter.q}};
  if (query.filter.decision) log["rows"]["decision"] = *query.filter.decision;

  // Newest first: read chunks backwards from `before`, each in seq order, rows taken in reverse.
  Json rows = Json::array();
  std::uint64_t hi = query.before, scanned = 0;
  std::optional<std::uint64_t> next;
  while (hi > 0 && scanned < kMaxScannedPerCall && !next) {
    const std::uint64_t lo = hi - std::min({kChunk, hi, kMaxScannedPerCall - scanned});
    std::vector<Json> chunk;
    Status s = l.ReadEntries(lo, hi, [&](std::uint64_t, std::string_view bytes) {
      OVERSIGHT_ASSIGN_OR_RETURN(ledger::EntryView e, ledger::DecodeEntryView(bytes));
      Json row = RowOf(e);
      if (query.filter.Matches(row)) chunk.push_back(std::move(row));
      return Status::Ok();
    });
    if (!s.ok()) return FromStatus(s);
    for (auto it = chunk.rbegin(); it != chunk.rend(); ++it) {
      rows.push_back(std::move(*it));
      if (rows.size() == query.limit) {
        next = rows.back()["Seq"].get<std::uint64_t>();
        break;
      }
    }
    scanned += hi - lo;
    hi = lo;
  }
  if (!next && hi > 0) next = hi;  // the scan budget ran out before the start
  log["rows"]["returned"] = rows.size();
  Json body = {{"Rows", std::move(rows)}, {"Size", size}};
  body["Next"] = next && *next > 0 ? Json(*next) : Json(nullptr);
  Outcome o;
  o.body = std::move(body);
  return o;
}

StatusOr<report::Provenance> VerifiedLedger(Gateway::Impl& g) {
  if (g.options.ledger_dir.empty() || g.deps.ledger == nullptr) {
    return Status::Unavailable("the proxy was not given its ledger directory");
  }
  VerifiedLedgerCache& cache = g.verified_ledger;
  std::lock_guard lock(cache.mu);
  auto checkpoint = g.deps.ledger->LatestCheckpoint();
  if (!checkpoint) {
    return Status::NotFound(
        "the ledger has no signed checkpoint yet (an auditor may POST "
        "/oversight/v1/ledger/checkpoint)");
  }
  if (cache.checkpoint_size == checkpoint->size) return cache.provenance;
  OVERSIGHT_ASSIGN_OR_RETURN(report::Provenance p,
                             report::VerifySource({g.options.ledger_dir, "", "", ""}));
  cache.checkpoint_size = checkpoint->size;
  cache.provenance = p;
  return p;
}

Outcome AuditReport(Gateway::Impl& g, const Request& request, Json& log) {
  auto from = DecodedParam(request, "from");
  auto to = DecodedParam(request, "to");
  if (!from || !to) return Fail(ErrorType::kInvalidParameter, "from and to must be dates");
  auto period = report::ParsePeriod(*from, *to);
  if (!period.ok()) return FromStatus(period.status());
  log["report"] = {{"from", period->from}, {"to", period->to}};
  report::ReportOptions options;
  options.period = *period;
  options.warrants = g.deps.warrants;
  const report::SourceSpec spec{g.options.ledger_dir, "", "", ""};
  // A checkpoint signed between verifying and reading would cover entries the verification
  // did not read: then verify again (once; checkpoints are minutes apart, not microseconds).
  StatusOr<report::Report> built = Status::Unavailable("not built");
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto provenance = VerifiedLedger(g);
    if (!provenance.ok()) return FromStatus(provenance.status());
    const std::uint64_t verified = provenance->entries_verified;
    built = report::BuildReport(spec, *provenance, options);
    if (!built.ok()) return FromStatus(built.status());
    if (built->provenance.checkpoint_size <= verified) break;
  }
  const report::Provenance& p = built->provenance;
  log["report"]["checkpoint_size"] = p.checkpoint_size;
  log["report"]["verified"] = p.verified;
  Json body = Json::parse(report::FormatJson(*built), nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) return Fail(ErrorType::kInternalServerError, "the report is not JSON");
  Outcome o;
  o.body = std::move(body);
  return o;
}

}  // namespace oversight::proxy
