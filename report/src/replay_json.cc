// The replay's result as JSON, shared by `oversight rules replay --json` and the proxy.
#include <nlohmann/json.hpp>

#include "oversight/common/encoding.h"
#include "oversight/report/replay.h"

namespace oversight::report {

std::string ReplayFactsNote(const ReplayResult& r) {
  return r.had_warrant_registry
             ? "warrant facts from the registry given; history rebuilt from the ledger"
             : "no warrant registry given (--warrants): rules that read warrant.* are undecided "
               "and fail closed; history rebuilt from the ledger";
}

std::string ReplayResultJson(const ReplayResult& r, const Provenance& p) {
  using Json = nlohmann::json;
  Json rules = Json::object();
  for (const auto& [id, c] : r.by_rule) {
    rules[id] = {{"effect", c.effect},
                 {"citation", c.citation},
                 {"allow_to_deny", c.allow_to_deny},
                 {"deny_to_allow", c.deny_to_allow},
                 {"examples", c.examples}};
  }
  const Json out = {
      {"source", p.source},
      {"verified", p.verified},
      {"problem", p.problem},
      {"checkpoint", {{"size", p.checkpoint_size}, {"root", Base64Encode(p.checkpoint_root)}}},
      {"pack", {{"name", r.pack_name}, {"sha256", r.pack_sha256}}},
      {"requests", r.requests},
      {"replayed", r.replayed},
      {"not_by_pack", r.not_by_pack},
      {"unreadable", r.unreadable},
      {"allow_allow", r.allow_allow},
      {"allow_deny", r.allow_deny},
      {"deny_allow", r.deny_allow},
      {"deny_deny", r.deny_deny},
      {"by_rule", rules},
      {"recorded_packs", r.recorded_packs},
      {"facts", ReplayFactsNote(r)}};
  return out.dump(2, ' ', false, Json::error_handler_t::replace);
}

}  // namespace oversight::report
