#include "oversight/policy/decision_json.h"

#include <cstdio>
#include <cstdlib>

#include "oversight/common/canonical_json.h"

namespace oversight::policy {
namespace {

// A minimal JSON writer; DecisionToJson canonicalizes its output (RFC 8785) at the end.
class Writer {
 public:
  void Key(std::string_view k) {
    out_ += first_ ? "" : ",";
    first_ = false;
    AppendCanonicalJsonString(out_, k);
    out_ += ':';
  }
  void Open(char c) {
    out_ += c;
    first_ = true;
  }
  void Close(char c) {
    out_ += c;
    first_ = false;
  }
  void Bool(bool b) { out_ += b ? "true" : "false"; }
  void String(std::string_view s) { AppendCanonicalJsonString(out_, s); }
  void Number(double d) {  // any exact form; DecisionToJson canonicalizes the whole text
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    out_ += buf;
  }
  template <typename List, typename Fn>
  void Array(const List& items, Fn text) {
    Open('[');
    for (const auto& item : items) {
      out_ += first_ ? "" : ",";
      first_ = false;
      AppendCanonicalJsonString(out_, text(item));
    }
    Close(']');
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  bool first_ = true;
};

std::string_view Id(const RuleHit& h) { return h.rule->id; }
std::string_view View(std::string_view s) { return s; }

void WriteObligations(Writer& w, const Obligations& o) {
  w.Open('{');
  w.Key("exclude_record_status");
  w.Array(o.exclude_record_status, View);
  w.Key("human_review_required");
  w.Bool(o.human_review_required);
  if (o.max_results) {
    w.Key("max_results");
    w.Number(static_cast<double>(*o.max_results));
  }
  if (o.min_similarity) {
    w.Key("min_similarity");
    w.Number(*o.min_similarity);
  }
  w.Key("notices");
  w.Array(o.notices, View);
  w.Close('}');
}

}  // namespace

std::string DecisionToJson(const Decision& d) {
  std::vector<std::string_view> undecided;
  for (const auto* list : {&d.forbidding, &d.obligating}) {
    for (const RuleHit& h : *list) {
      if (h.undecided) undecided.push_back(h.rule->id);
    }
  }
  std::vector<std::string> reasons = d.Reasons();
  Writer w;
  w.Open('{');
  w.Key("allow");
  w.Bool(d.allow);
  w.Key("forbidding");
  w.Array(d.forbidding, Id);
  w.Key("obligating");
  w.Array(d.obligating, Id);
  w.Key("obligations");
  WriteObligations(w, d.obligations);
  w.Key("pack");
  w.String(d.pack_name);
  w.Key("pack_sha256");
  w.String(d.pack_sha256);
  w.Key("permitting");
  w.Array(d.permitting, Id);
  w.Key("reasons");
  w.Array(reasons, [](const std::string& s) { return std::string_view(s); });
  w.Key("undecided");
  w.Array(undecided, View);
  w.Close('}');
  auto canonical = CanonicalizeJson(w.Take());
  if (!canonical.ok()) std::abort();  // invariant: the writer emits valid JSON
  return std::move(*canonical);
}

}  // namespace oversight::policy
