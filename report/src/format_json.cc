// The report for programs: one JSON object whose members follow the Markdown sections.
#include <nlohmann/json.hpp>

#include "format_util.h"
#include "oversight/report/report.h"

namespace oversight::report {
namespace {

using Json = nlohmann::ordered_json;

Json AllowDenyJson(const AllowDeny& t) { return {{"allowed", t.allowed}, {"denied", t.denied}}; }

Json AllowDenyMap(const std::map<std::string, AllowDeny>& rows) {
  Json out = Json::object();
  for (const auto& [name, t] : rows) out[name] = AllowDenyJson(t);
  return out;
}

Json ProvenanceJson(const Report& r) {
  const Provenance& p = r.provenance;
  Json j = {{"source", p.source},
            {"verified", p.verified},
            {"verification", internal::VerificationSummary(p)},
            {"checkpoint", {{"size", p.checkpoint_size}, {"root", internal::RootBase64(p)}}},
            {"period", {{"from", r.period.from}, {"to", r.period.to}}},
            {"entries_after_checkpoint", internal::EntriesAfterCheckpoint(p)},
            {"entries_undecodable", p.undecodable},
            {"payloads_unreadable", r.unreadable_payloads}};
  if (p.bad_seq) j["bad_entry"] = *p.bad_seq;
  return j;
}

Json DecisionsJson(const Report& r) {
  Json rules = Json::object();
  for (const auto& [id, d] : r.deciding_rules) {
    rules[id] = {{"effect", d.effect}, {"citation", d.citation}, {"requests", d.count}};
  }
  return {{"requests", r.requests},
          {"decided_by_pack", AllowDenyJson(r.decided_by_pack)},
          {"refused_before_pack", r.refused_by_stage},
          {"deciding_rules", rules}};
}

Json SearchesJson(const Report& r) {
  return {{"total", r.searches},
          {"decisions", AllowDenyJson(r.search_decisions)},
          {"by_agency", AllowDenyMap(r.by_agency)},
          {"by_principal", AllowDenyMap(r.by_principal)},
          {"by_purpose", AllowDenyMap(r.by_purpose)},
          {"by_source", AllowDenyMap(r.by_source)},
          {"by_database", AllowDenyMap(r.by_database)},
          {"by_operation", AllowDenyMap(r.by_operation)}};
}

// Searches per UTC day, oldest first; days without a search are absent.
Json ByDayJson(const Report& r) {
  Json days = Json::array();
  for (const auto& [date, t] : r.by_day) {
    days.push_back({{"date", date}, {"allowed", t.allowed}, {"denied", t.denied}});
  }
  return days;
}

Json WarrantsJson(const Report& r) {
  Json courts = Json::object();
  for (const auto& [court, w] : r.warrants_by_court) {
    courts[court] = {{"searches", w.searches}, {"warrants", w.warrants}};
  }
  return {{"searches_with_warrant", r.searches_with_warrant}, {"by_court", courts}};
}

Json MatchesJson(const Report& r) {
  Json buckets = Json::object();
  for (std::size_t i = 0; i < kSimilarityBuckets.size(); ++i) {
    buckets[kSimilarityBuckets[i]] = r.similarity[i];
  }
  return {{"searches_answered", r.searches_answered},
          {"searches_with_matches", r.searches_with_matches},
          {"matches_returned", r.matches_returned},
          {"similarity", buckets},
          {"dropped",
           {{"below_floor", r.dropped_below_floor},
            {"excluded", r.dropped_excluded},
            {"over_cap", r.dropped_over_cap}}}};
}

void AddPurgesAndChanges(const Report& r, Json& out) {
  Json purges = Json::object();
  for (const auto& [id, p] : r.purges_by_rule) {
    purges[id] = {{"citation", p.citation}, {"faces", p.count}};
  }
  Json changes = Json::array();
  for (const RuleChange& c : r.rule_changes) {
    changes.push_back({{"seq", c.seq},
                       {"time", c.time},
                       {"action", c.action},
                       {"by", c.by},
                       {"accepted", c.accepted},
                       {"old_sha256", c.old_sha256},
                       {"new_sha256", c.new_sha256}});
  }
  out["purges_by_rule"] = purges;
  out["rule_changes"] = changes;
}

}  // namespace

std::string FormatJson(const Report& r) {
  Json body = {{"report", ProvenanceJson(r)},
               {"entries_in_period", r.entries_in_period},
               {"decisions", DecisionsJson(r)},
               {"searches", SearchesJson(r)},
               {"by_day", ByDayJson(r)},
               {"warrants", WarrantsJson(r)},
               {"matches", MatchesJson(r)},
               {"human_review", {{"required", r.human_review_required}, {"notices", r.notices}}}};
  AddPurgesAndChanges(r, body);
  std::string text = body.dump(2, ' ', false, Json::error_handler_t::replace);
  if (r.provenance.verified) return text + "\n";
  // The warning goes on the very first line, as a member, so the output stays one JSON value.
  const Json warning = internal::UnverifiedWarning(r.provenance);
  return "{\"UNVERIFIED\": " + warning.dump(-1, ' ', false, Json::error_handler_t::replace) +
         ",\n" + text.substr(2) + "\n";
}

}  // namespace oversight::report
