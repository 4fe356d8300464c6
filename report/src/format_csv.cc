// The report for spreadsheets: RFC 4180 CSV, one figure per row, four columns:
// section, name, detail, value. A source that failed verification gets a first row saying so.
#include <sstream>

#include "format_util.h"
#include "oversight/report/report.h"

namespace oversight::report {
namespace {

std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

class Rows {
 public:
  void Add(const std::string& section, const std::string& name, const std::string& detail,
           const std::string& value) {
    out_ << Field(section) << ',' << Field(name) << ',' << Field(detail) << ',' << Field(value)
         << "\r\n";
  }
  void Add(const std::string& section, const std::string& name, const std::string& detail,
           std::uint64_t value) {
    Add(section, name, detail, std::to_string(value));
  }
  void AllowDenyRows(const std::string& section, const std::map<std::string, AllowDeny>& m) {
    for (const auto& [name, t] : m) {
      Add(section, name, "allowed", t.allowed);
      Add(section, name, "denied", t.denied);
    }
  }
  std::string Take() { return out_.str(); }

 private:
  std::ostringstream out_;
};

void ProvenanceRows(Rows& rows, const Report& r) {
  const Provenance& p = r.provenance;
  rows.Add("report", "source", "", p.source);
  rows.Add("report", "verified", "", p.verified ? "true" : "false");
  rows.Add("report", "verification", "", internal::VerificationSummary(p));
  rows.Add("report", "checkpoint", "size", p.checkpoint_size);
  rows.Add("report", "checkpoint", "root", internal::RootBase64(p));
  rows.Add("report", "period", "from", r.period.from);
  rows.Add("report", "period", "to", r.period.to);
  rows.Add("report", "entries", "after_checkpoint", internal::EntriesAfterCheckpoint(p));
  rows.Add("report", "entries", "undecodable", p.undecodable);
  rows.Add("report", "entries", "payload_unreadable", r.unreadable_payloads);
}

void Decisions(Rows& rows, const Report& r) {
  rows.Add("summary", "entries_in_period", "", r.entries_in_period);
  rows.Add("summary", "requests", "", r.requests);
  rows.Add("summary", "decided_by_pack", "allowed", r.decided_by_pack.allowed);
  rows.Add("summary", "decided_by_pack", "denied", r.decided_by_pack.denied);
  rows.Add("summary", "searches", "allowed", r.search_decisions.allowed);
  rows.Add("summary", "searches", "denied", r.search_decisions.denied);
  for (const auto& [stage, n] : r.refused_by_stage) rows.Add("refused_before_pack", stage, "", n);
  for (const auto& [id, d] : r.deciding_rules) {
    rows.Add("deciding_rule", id, "effect", d.effect);
    rows.Add("deciding_rule", id, "citation", d.citation);
    rows.Add("deciding_rule", id, "requests", d.count);
  }
}

void Searches(Rows& rows, const Report& r) {
  rows.AllowDenyRows("searches_by_agency", r.by_agency);
  rows.AllowDenyRows("searches_by_principal", r.by_principal);
  rows.AllowDenyRows("searches_by_purpose", r.by_purpose);
  rows.AllowDenyRows("searches_by_source", r.by_source);
  rows.AllowDenyRows("searches_by_database", r.by_database);
  rows.AllowDenyRows("searches_by_operation", r.by_operation);
  rows.AllowDenyRows("searches_by_day", r.by_day);
  rows.Add("warrants", "searches_with_warrant", "", r.searches_with_warrant);
  for (const auto& [court, w] : r.warrants_by_court) {
    rows.Add("warrants_by_court", court, "searches", w.searches);
    rows.Add("warrants_by_court", court, "warrants", w.warrants);
  }
}

void Matches(Rows& rows, const Report& r) {
  rows.Add("matches", "searches_answered", "", r.searches_answered);
  rows.Add("matches", "searches_with_matches", "", r.searches_with_matches);
  rows.Add("matches", "matches_returned", "", r.matches_returned);
  for (std::size_t i = 0; i < kSimilarityBuckets.size(); ++i) {
    rows.Add("similarity", kSimilarityBuckets[i], "matches", r.similarity[i]);
  }
  rows.Add("matches", "dropped", "below_floor", r.dropped_below_floor);
  rows.Add("matches", "dropped", "excluded", r.dropped_excluded);
  rows.Add("matches", "dropped", "over_cap", r.dropped_over_cap);
  rows.Add("human_review", "required", "", r.human_review_required);
  for (const auto& [notice, n] : r.notices) rows.Add("notice", notice, "", n);
}

void PurgesAndChanges(Rows& rows, const Report& r) {
  for (const auto& [id, p] : r.purges_by_rule) {
    rows.Add("purge", id, "citation", p.citation);
    rows.Add("purge", id, "faces", p.count);
  }
  for (const RuleChange& c : r.rule_changes) {
    const std::string seq = std::to_string(c.seq);
    rows.Add("rule_change", seq, "time", c.time);
    rows.Add("rule_change", seq, "action", c.action);
    rows.Add("rule_change", seq, "by", c.by);
    rows.Add("rule_change", seq, "accepted", c.accepted ? "true" : "false");
    rows.Add("rule_change", seq, "old_sha256", c.old_sha256);
    rows.Add("rule_change", seq, "new_sha256", c.new_sha256);
  }
}

}  // namespace

std::string FormatCsv(const Report& r) {
  Rows rows;
  if (!r.provenance.verified) {
    rows.Add("UNVERIFIED", internal::UnverifiedWarning(r.provenance), "", "");
  }
  rows.Add("section", "name", "detail", "value");
  ProvenanceRows(rows, r);
  Decisions(rows, r);
  Searches(rows, r);
  Matches(rows, r);
  PurgesAndChanges(rows, r);
  return rows.Take();
}

}  // namespace oversight::report
