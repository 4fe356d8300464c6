#include "tally.h"

#include <nlohmann/json.hpp>

namespace oversight::report::internal {
namespace {

using Json = nlohmann::json;

constexpr char kNone[] = "(none)";

bool IsSearch(const std::string& operation) {
  return operation == "SearchFacesByImage" || operation == "SearchFaces" ||
         operation == "CompareFaces";
}

// A string member, or `fallback` when it is absent or not a string.
std::string Text(const Json& object, const char* key, const char* fallback = kNone) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const Json& Member(const Json& object, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

void Count(AllowDeny& t, bool allow) { ++(allow ? t.allowed : t.denied); }

// The citation of `id` from the decision's reasons: "<verb> by <id>: <message> [<citation>]".
std::string CitationOf(const Json& reasons, const std::string& id) {
  const std::string marker = " by " + id + ": ";
  for (const Json& r : reasons) {
    if (!r.is_string()) continue;
    const std::string& text = r.get_ref<const std::string&>();
    const auto at = text.find(marker);
    const auto open = text.rfind('[');
    const auto close = text.rfind(']');
    if (at != std::string::npos && open != std::string::npos && close > open) {
      return text.substr(open + 1, close - open - 1);
    }
  }
  return "";
}

void CountRules(const Json& decision, const char* list, const char* effect, Report& r) {
  for (const Json& id : decision.value(list, Json::array())) {
    if (!id.is_string()) continue;
    DecidingRule& rule = r.deciding_rules[id.get<std::string>()];
    rule.effect = effect;
    if (rule.citation.empty()) {
      rule.citation = CitationOf(decision.value("reasons", Json::array()), id.get<std::string>());
    }
    ++rule.count;
  }
}

// Which rules decided: the permits of an allow, the forbids of a deny, or the default deny.
void CountDecision(const Json& decision, Report& r) {
  const bool allow = decision.value("allow", false);
  Count(r.decided_by_pack, allow);
  if (allow) return CountRules(decision, "permitting", "permit", r);
  if (decision.value("forbidding", Json::array()).empty()) {
    DecidingRule& d = r.deciding_rules["(no permit matched)"];
    d.effect = "default";
    d.citation = "default deny";
    ++d.count;
    return;
  }
  CountRules(decision, "forbidding", "forbid", r);
}

std::size_t BucketOf(double similarity) {
  if (similarity < 80) return 0;
  if (similarity < 90) return 1;
  if (similarity < 95) return 2;
  if (similarity < 99) return 3;
  return 4;
}

void CountMatches(const Json& outcome, Report& r) {
  if (outcome.value("http_status", 0) != 200) return;
  ++r.searches_answered;
  const Json matches = outcome.value("matches", Json::array());
  if (!matches.empty()) ++r.searches_with_matches;
  for (const Json& m : matches) {
    ++r.matches_returned;
    ++r.similarity[BucketOf(m.value("similarity", 0.0))];
  }
  const Json& dropped = Member(outcome, "dropped");
  r.dropped_below_floor += dropped.value("below_floor", 0u);
  r.dropped_excluded += dropped.value("excluded", 0u);
  r.dropped_over_cap += dropped.value("over_cap", 0u);
}

void CountNotices(const Json& decision, Report& r) {
  const Json& obligations = Member(decision, "obligations");
  if (obligations.value("human_review_required", false)) ++r.human_review_required;
  for (const Json& n : obligations.value("notices", Json::array())) {
    if (n.is_string()) ++r.notices[n.get<std::string>()];
  }
}

}  // namespace

std::string Tally::CourtOf(const std::string& warrant_id) {
  if (warrants_ == nullptr) return "unknown";
  auto cached = court_cache_.find(warrant_id);
  if (cached != court_cache_.end()) return cached->second;
  auto w = warrants_->Lookup(warrant_id);
  std::string court = w.ok() && w->has_value() && !(*w)->court.empty() ? (*w)->court : "unknown";
  court_cache_.emplace(warrant_id, court);
  return court;
}

void Tally::Add(const ledger::EntryView& entry) {
  if (!report_.period.Contains(entry.time)) return;
  ++report_.entries_in_period;
  if (entry.kind != "request" && entry.kind != "purge" && entry.kind != "rules") return;
  Json p = Json::parse(entry.payload, nullptr, /*allow_exceptions=*/false);
  if (!p.is_object()) {
    ++report_.unreadable_payloads;
    return;
  }
  try {
    if (entry.kind == "request") AddRequest(entry.time, p);
    if (entry.kind == "purge") AddPurge(p);
    if (entry.kind == "rules") AddRulesChange(entry, p);
  } catch (const Json::exception&) {  // a member of an unexpected type
    ++report_.unreadable_payloads;
  }
}

void Tally::AddRequest(std::string_view time, const Json& p) {
  Report& r = report_;
  ++r.requests;
  const Json& decision = Member(p, "decision");
  const bool allow = decision.value("allow", false);
  const std::string stage = Text(decision, "stage", "protocol");
  if (stage == "policy") {
    CountDecision(decision, r);
  } else if (!allow) {
    ++r.refused_by_stage[stage];
  }
  const std::string operation = Text(p, "operation", "unknown");
  if (!IsSearch(operation)) return;
  ++r.searches;
  Count(r.search_decisions, allow);
  const Json& principal = Member(p, "principal");
  const Json& context = Member(Member(p, "document"), "context");
  Count(r.by_operation[operation], allow);
  Count(r.by_agency[Text(principal, "agency")], allow);
  Count(r.by_principal[Text(principal, "id", "(unauthenticated)")], allow);
  Count(r.by_purpose[Text(context, "purpose")], allow);
  Count(r.by_source[Text(context, "source")], allow);
  Count(r.by_database[Text(context, "target_database")], allow);
  // Entry times are UTC in the ledger's format, so the date is their first ten characters.
  Count(r.by_day[std::string(time.substr(0, 10))], allow);
  if (!allow) return;
  CountNotices(decision, r);
  CountMatches(Member(p, "outcome"), r);
  const std::string warrant = Text(context, "warrant_id", "");
  if (warrant.empty()) return;
  ++r.searches_with_warrant;
  const std::string court = CourtOf(warrant);
  ++r.warrants_by_court[court].searches;
  warrant_ids_by_court_[court].insert(warrant);
}

void Tally::AddPurge(const Json& p) {
  PurgeRule& rule = report_.purges_by_rule[Text(p, "rule", "(unknown rule)")];
  if (rule.citation.empty()) rule.citation = Text(p, "citation", "");
  ++rule.count;
}

void Tally::AddRulesChange(const ledger::EntryView& entry, const Json& p) {
  report_.rule_changes.push_back({entry.seq, std::string(entry.time), Text(p, "action", ""),
                                  Text(p, "by", ""), Text(p, "old_sha256", ""),
                                  Text(p, "new_sha256", ""), p.value("accepted", false)});
}

void Tally::Finish() {
  for (const auto& [court, ids] : warrant_ids_by_court_) {
    report_.warrants_by_court[court].warrants = ids.size();
  }
}

}  // namespace oversight::report::internal
