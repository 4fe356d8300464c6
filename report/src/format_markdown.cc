// The report for people: Markdown tables, one section per question the statutes ask.
#include <sstream>

#include "format_util.h"
#include "oversight/report/report.h"

namespace oversight::report {
namespace {

using internal::FromText;

constexpr char kNone[] = "None in the period.\n";
using internal::ToText;

// Table cells may not contain '|' or line breaks.
std::string Cell(std::string s) {
  for (char& c : s) {
    if (c == '|' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

void AllowDenyTable(std::ostream& out, const char* title, const char* column,
                    const std::map<std::string, AllowDeny>& rows) {
  out << "\n### " << title << "\n\n| " << column << " | allowed | denied |\n|---|---:|---:|\n";
  for (const auto& [name, t] : rows) {
    out << "| " << Cell(name) << " | " << t.allowed << " | " << t.denied << " |\n";
  }
  if (rows.empty()) out << "| (none) | 0 | 0 |\n";
}

void Header(std::ostream& out, const Report& r) {
  const Provenance& p = r.provenance;
  if (!p.verified) out << "**" << internal::UnverifiedWarning(p) << "**\n\n";
  out << "# Oversight accountability report\n\n"
      << "- Source: " << p.source << "\n"
      << "- Built from the signed checkpoint at size " << p.checkpoint_size << ", root "
      << internal::RootBase64(p) << "\n"
      << "- Verification: " << internal::VerificationSummary(p) << "\n"
      << "- Period (UTC): from " << FromText(r.period) << " to " << ToText(r.period) << "\n";
  if (const std::uint64_t after = internal::EntriesAfterCheckpoint(p)) {
    out << "- Not included: " << after << " entries after that checkpoint (sign a checkpoint to "
        << "include them)\n";
  }
  if (p.undecodable) out << "- Entries that could not be decoded: " << p.undecodable << "\n";
  if (r.unreadable_payloads) {
    out << "- Entries whose payload was not readable: " << r.unreadable_payloads << "\n";
  }
}

void Summary(std::ostream& out, const Report& r) {
  out << "\n## Summary\n\n| figure | count |\n|---|---:|\n"
      << "| ledger entries in the period | " << r.entries_in_period << " |\n"
      << "| requests | " << r.requests << " |\n"
      << "| decided by the rule pack: allowed | " << r.decided_by_pack.allowed << " |\n"
      << "| decided by the rule pack: denied | " << r.decided_by_pack.denied << " |\n"
      << "| searches | " << r.searches << " |\n"
      << "| searches allowed | " << r.search_decisions.allowed << " |\n"
      << "| searches denied | " << r.search_decisions.denied << " |\n";
}

void Searches(std::ostream& out, const Report& r) {
  out << "\n## Searches\n";
  AllowDenyTable(out, "By agency", "agency", r.by_agency);
  AllowDenyTable(out, "By principal", "principal", r.by_principal);
  AllowDenyTable(out, "By purpose", "purpose", r.by_purpose);
  AllowDenyTable(out, "By source of the probe image", "source", r.by_source);
  AllowDenyTable(out, "By database searched", "database", r.by_database);
  AllowDenyTable(out, "By operation", "operation", r.by_operation);
  AllowDenyTable(out, "By day (UTC)", "date", r.by_day);
}

void Decisions(std::ostream& out, const Report& r) {
  out << "\n## Decisions by deciding rule\n\nPermit rules are counted on allowed requests, "
         "forbid rules (and the default deny) on denied ones.\n\n"
         "| rule | effect | citation | requests |\n|---|---|---|---:|\n";
  for (const auto& [id, rule] : r.deciding_rules) {
    out << "| " << Cell(id) << " | " << rule.effect << " | " << Cell(rule.citation) << " | "
        << rule.count << " |\n";
  }
  out << "\n### Refused before the rule pack\n\n";
  if (r.refused_by_stage.empty()) out << kNone;
  if (!r.refused_by_stage.empty()) out << "| stage | requests |\n|---|---:|\n";
  for (const auto& [stage, n] : r.refused_by_stage) out << "| " << stage << " | " << n << " |\n";
}

void Warrants(std::ostream& out, const Report& r) {
  out << "\n## Warrants\n\nAllowed searches naming a warrant: " << r.searches_with_warrant
      << "\n\n";
  if (!r.warrants_by_court.empty()) out << "| court | searches | warrants |\n|---|---:|---:|\n";
  for (const auto& [court, w] : r.warrants_by_court) {
    out << "| " << Cell(court) << " | " << w.searches << " | " << w.warrants << " |\n";
  }
}

void Matches(std::ostream& out, const Report& r) {
  out << "\n## Matches returned\n\n| figure | count |\n|---|---:|\n"
      << "| searches answered | " << r.searches_answered << " |\n"
      << "| searches with at least one match | " << r.searches_with_matches << " |\n"
      << "| matches returned | " << r.matches_returned << " |\n"
      << "| dropped below the similarity floor | " << r.dropped_below_floor << " |\n"
      << "| dropped for an excluded record status | " << r.dropped_excluded << " |\n"
      << "| dropped over the result cap | " << r.dropped_over_cap << " |\n"
      << "\n### Similarity of returned matches (%)\n\n| similarity | matches |\n|---|---:|\n";
  for (std::size_t i = 0; i < kSimilarityBuckets.size(); ++i) {
    out << "| " << kSimilarityBuckets[i] << " | " << r.similarity[i] << " |\n";
  }
}

void Review(std::ostream& out, const Report& r) {
  out << "\n## Human review\n\nAllowed requests whose rule pack required human review: "
      << r.human_review_required << "\n\n";
  if (!r.notices.empty()) out << "| notice | requests |\n|---|---:|\n";
  for (const auto& [notice, n] : r.notices) out << "| " << Cell(notice) << " | " << n << " |\n";
}

void Purges(std::ostream& out, const Report& r) {
  out << "\n## Purges by retention rule\n\n";
  if (r.purges_by_rule.empty()) out << kNone;
  if (!r.purges_by_rule.empty()) out << "| rule | citation | faces purged |\n|---|---|---:|\n";
  for (const auto& [id, p] : r.purges_by_rule) {
    out << "| " << Cell(id) << " | " << Cell(p.citation) << " | " << p.count << " |\n";
  }
}

void RuleChanges(std::ostream& out, const Report& r) {
  out << "\n## Rule pack changes\n\n";
  if (r.rule_changes.empty()) out << kNone;
  if (!r.rule_changes.empty()) {
    out << "| entry | time | action | by | accepted | old sha256 | new sha256 |\n"
           "|---:|---|---|---|---|---|---|\n";
  }
  for (const RuleChange& c : r.rule_changes) {
    out << "| " << c.seq << " | " << c.time << " | " << Cell(c.action) << " | " << Cell(c.by)
        << " | " << (c.accepted ? "yes" : "no") << " | " << Cell(c.old_sha256) << " | "
        << Cell(c.new_sha256) << " |\n";
  }
}

}  // namespace

std::string FormatMarkdown(const Report& r) {
  std::ostringstream out;
  Header(out, r);
  Summary(out, r);
  Searches(out, r);
  Decisions(out, r);
  Warrants(out, r);
  Matches(out, r);
  Review(out, r);
  Purges(out, r);
  RuleChanges(out, r);
  return out.str();
}

}  // namespace oversight::report
