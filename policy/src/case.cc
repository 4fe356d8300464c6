#include "oversight/policy/case.h"

#include <algorithm>

#include "oversight/common/time_format.h"
#include "oversight/policy/request.h"
#include "util.h"

namespace oversight::policy {

StatusOr<std::optional<Warrant>> FixtureWarrantRegistry::Lookup(std::string_view) const {
  if (unavailable) return Status::Unavailable("warrant registry fixture marked unavailable");
  return warrant;
}

StatusOr<std::int64_t> FixtureHistory::Count(HistoryMetric metric, const RequestDoc&,
                                             std::chrono::seconds window, TimePoint) const {
  if (unavailable) return Status::Unavailable("history fixture marked unavailable");
  static constexpr std::string_view kNames[] = {"searches_by_principal", "searches_in_case",
                                                "distinct_cameras_for_subject",
                                                "distinct_locations_for_subject"};
  auto it = counts.find(std::string(kNames[static_cast<int>(metric)]));
  if (it == counts.end()) return std::int64_t{0};
  for (const auto& [w, n] : it->second) {
    auto d = internal::ParseDuration(w);
    if (d && *d == window) return n;
  }
  auto any = it->second.find("");
  return any == it->second.end() ? std::int64_t{0} : any->second;
}

JsonValue MergeJson(const JsonValue& base, const JsonValue& patch) {
  if (!base.is_object() || !patch.is_object()) return patch;
  JsonValue out = base;
  for (const JsonMember& m : patch.members) {
    auto it = std::find_if(out.members.begin(), out.members.end(),
                           [&](const JsonMember& o) { return o.key == m.key; });
    if (m.value.is_null()) {
      if (it != out.members.end()) out.members.erase(it);
    } else if (it != out.members.end()) {
      it->value = MergeJson(it->value, m.value);
    } else {
      out.members.push_back(m);
    }
  }
  return out;
}

namespace {

Status At(std::string_view source, const JsonValue& v, const std::string& message) {
  return Status::InvalidArgument(FormatPos(source, v.pos) + ": " + message);
}

StatusOr<std::vector<std::string>> SortedStrings(std::string_view source, const JsonValue& v) {
  if (!v.is_array()) return At(source, v, "expected an array of strings");
  std::vector<std::string> out;
  for (const JsonValue& item : v.items) {
    if (!item.is_string()) return At(source, item, "expected a string");
    out.push_back(item.text);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<Warrant> ParseWarrantFixture(std::string_view source, const JsonValue& v) {
  if (!v.is_object()) return At(source, v, "facts.warrant must be an object or null");
  Warrant w;
  w.status = "active";
  w.signature_valid = true;
  for (const JsonMember& m : v.members) {
    const JsonValue& x = m.value;
    if ((m.key == "status" || m.key == "court" || m.key == "id") && x.is_string()) {
      (m.key == "status" ? w.status : m.key == "court" ? w.court : w.id) = x.text;
    } else if ((m.key == "issued_at" || m.key == "expires_at") && x.is_string()) {
      auto t = ParsePolicyTime(x.text);
      if (!t.ok()) return At(source, x, t.status().message());
      (m.key == "issued_at" ? w.issued_at : w.expires_at) = *t;
    } else if (m.key == "case_ids" || m.key == "purposes") {
      OVERSIGHT_ASSIGN_OR_RETURN(auto list, SortedStrings(source, x));
      (m.key == "case_ids" ? w.case_ids : w.purposes) = std::move(list);
    } else if (m.key == "signature_valid" && x.is_bool()) {
      w.signature_valid = x.boolean;
    } else {
      return At(source, x, "unknown or mistyped warrant fixture member \"" + m.key + "\"");
    }
  }
  return w;
}

Status ParseHistoryFixture(std::string_view source, const JsonValue& v, FixtureHistory& out) {
  if (v.is_string() && v.text == "unavailable") return out.unavailable = true, Status::Ok();
  if (!v.is_object()) return At(source, v, "facts.history must be an object or \"unavailable\"");
  for (const JsonMember& m : v.members) {
    auto field = FindField("history." + m.key);
    if (!field) return At(source, v, "unknown history metric \"" + m.key + "\"");
    if (m.value.is_number()) {
      auto n = internal::WholeNumber(m.value.number, 0, 1e12);
      if (!n) return At(source, m.value, "a history count is a whole number from 0 to 10^12");
      out.counts[m.key][""] = *n;
      continue;
    }
    if (!m.value.is_object()) return At(source, m.value, "a count or {\"24h\": count, ...}");
    for (const JsonMember& w : m.value.members) {
      auto n = w.value.is_number() ? internal::WholeNumber(w.value.number, 0, 1e12) : std::nullopt;
      if (!internal::ParseDuration(w.key) || !n) {
        return At(source, w.value, "expected {\"<window>\": <whole-number count>}");
      }
      out.counts[m.key][w.key] = *n;
    }
  }
  return Status::Ok();
}

Status ParseFacts(std::string_view source, const JsonValue& v, Case& c) {
  if (!v.is_object()) return At(source, v, "facts must be an object");
  for (const JsonMember& m : v.members) {
    if (m.key == "warrant") {
      if (m.value.is_string() && m.value.text == "unavailable") {
        c.warrants.unavailable = true;
      } else if (!m.value.is_null()) {
        OVERSIGHT_ASSIGN_OR_RETURN(Warrant w, ParseWarrantFixture(source, m.value));
        c.warrants.warrant = std::move(w);
      }
    } else if (m.key == "history") {
      OVERSIGHT_RETURN_IF_ERROR(ParseHistoryFixture(source, m.value, c.history));
    } else {
      return At(source, m.value, "unknown facts member \"" + m.key + "\" (warrant, history)");
    }
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Case> ParseCase(const JsonValue& v, std::string_view source, TimePoint default_now) {
  Case c;
  c.pos = v.pos;
  c.now = default_now;
  const JsonValue* request = v.Find("request");
  if (!request) {
    OVERSIGHT_ASSIGN_OR_RETURN(c.request, RequestFromJson(v, source));
    return c;
  }
  for (const JsonMember& m : v.members) {
    if (m.key == "request") {
      OVERSIGHT_ASSIGN_OR_RETURN(c.request, RequestFromJson(m.value, source));
    } else if (m.key == "facts") {
      OVERSIGHT_RETURN_IF_ERROR(ParseFacts(source, m.value, c));
    } else if (m.key == "now") {
      auto t = m.value.is_string() ? ParsePolicyTime(m.value.text)
                                   : StatusOr<TimePoint>(Status::InvalidArgument("not a string"));
      if (!t.ok()) return At(source, m.value, "now must be an RFC 3339 time");
      c.now = *t;
    } else if (m.key == "name" && m.value.is_string()) {
      c.name = m.value.text;
    } else if (m.key != "expect") {
      return At(source, m.value, "unknown case member \"" + m.key + "\"");
    }
  }
  return c;
}

}  // namespace oversight::policy
