// The accountability report: what a ledger says happened in a period.
//
// Built from the entries the proxy writes (docs/ledger.md, "What the proxy writes"):
// `request` entries give searches, decisions, warrants, matches and human-review notices;
// `purge` entries give purges by retention rule; `rules` entries give rule pack changes.
// docs/reports.md says what each field means and which statutory requirement it answers.
//
// Usage: BuildReport reads a verified (or, if allowed, unverified) source; the Format*
// functions render the result. Pure functions over values apart from BuildReport's reading.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/policy/facts.h"
#include "oversight/report/period.h"
#include "oversight/report/source.h"

namespace oversight::report {

struct AllowDeny {
  std::uint64_t allowed = 0, denied = 0;
};

// A rule that decided requests: permits counted on allowed ones, forbids on denied ones.
struct DecidingRule {
  std::string effect;    // "permit", "forbid", or "default" (no permit matched)
  std::string citation;  // as the pack recorded it in the decision's reasons
  std::uint64_t count = 0;
};

struct CourtWarrants {
  std::uint64_t searches = 0;
  std::uint64_t warrants = 0;  // distinct warrant ids
};

struct PurgeRule {
  std::string citation;
  std::uint64_t count = 0;
};

struct RuleChange {
  std::uint64_t seq = 0;
  std::string time, action, by, old_sha256, new_sha256;
  bool accepted = false;
};

// Similarity buckets of returned matches, in percent: [0,80) [80,90) [90,95) [95,99) [99,100].
inline constexpr std::array<const char*, 5> kSimilarityBuckets = {"<80", "80-90", "90-95", "95-99",
                                                                  ">=99"};

struct Report {
  Provenance provenance;
  Period period;
  std::uint64_t entries_in_period = 0;  // every kind

  std::uint64_t requests = 0;                             // `request` entries
  std::map<std::string, std::uint64_t> refused_by_stage;  // refusals before the rule pack
  AllowDeny decided_by_pack;                              // decisions at the policy stage
  std::map<std::string, DecidingRule> deciding_rules;     // rule id -> tally

  std::uint64_t searches = 0;  // search operations (SearchFacesByImage, SearchFaces, Compare)
  AllowDeny search_decisions;
  std::map<std::string, AllowDeny> by_agency, by_principal, by_purpose, by_source, by_operation;
  std::map<std::string, AllowDeny> by_database;  // context.target_database (RMV, MSP, FBI...)
  std::map<std::string, AllowDeny> by_day;       // UTC date of the entry ("2026-03-01")

  std::uint64_t searches_with_warrant = 0;                 // allowed searches naming a warrant
  std::map<std::string, CourtWarrants> warrants_by_court;  // court or "unknown"

  std::uint64_t searches_answered = 0;  // allowed searches the matcher answered (HTTP 200)
  std::uint64_t searches_with_matches = 0;
  std::uint64_t matches_returned = 0;
  std::array<std::uint64_t, kSimilarityBuckets.size()> similarity{};
  std::uint64_t dropped_below_floor = 0, dropped_excluded = 0, dropped_over_cap = 0;

  std::uint64_t human_review_required = 0;  // allowed requests whose pack required review
  std::map<std::string, std::uint64_t> notices;

  std::map<std::string, PurgeRule> purges_by_rule;
  std::vector<RuleChange> rule_changes;
  std::uint64_t unreadable_payloads = 0;  // request/purge/rules entries whose payload is not JSON
};

struct ReportOptions {
  Period period;
  // Looks up each warrant's issuing court; null: every court is "unknown". Not owned.
  const policy::WarrantRegistry* warrants = nullptr;
};

// Verification must have been done by the caller (VerifySource); `provenance` is carried
// into the report and completed with the checkpoint read.
StatusOr<Report> BuildReport(const SourceSpec& spec, Provenance provenance,
                             const ReportOptions& options);

// The first line of every format says "UNVERIFIED" when the source failed verification.
std::string FormatMarkdown(const Report& report);
std::string FormatJson(const Report& report);
std::string FormatCsv(const Report& report);  // columns: section,name,detail,value

}  // namespace oversight::report
