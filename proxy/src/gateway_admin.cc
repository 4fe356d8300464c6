// Work the gateway does besides answering requests: purging by retention rules, reloading the
// rule pack, and rebuilding the history index from the ledger.
#include "gateway_impl.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/entry.h"
#include "oversight/policy/lint.h"

namespace oversight::proxy {
namespace {

constexpr std::chrono::hours kHistoryHorizon{24 * 31};

bool IsSearchOperation(const std::string& name) {
  const auto op = ParseOperationName(name);
  return op && ReturnsFaceMatches(*op);
}

// The first seq whose entry time is at or after `since` (entry times never go backwards).
StatusOr<std::uint64_t> FirstEntryAtOrAfter(const ledger::Ledger& l, const std::string& since) {
  std::uint64_t lo = 0, hi = l.size();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    OVERSIGHT_ASSIGN_OR_RETURN(std::string bytes, l.EntryBytes(mid));
    OVERSIGHT_ASSIGN_OR_RETURN(ledger::EntryView e, ledger::DecodeEntryView(bytes));
    if (e.time < since) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

Status Gateway::RebuildHistory() { return impl_->RebuildHistory(); }
PurgeReport Gateway::Purge(std::string_view by) { return impl_->PurgeNow(by); }
Status Gateway::ReloadRules(std::string_view by) { return impl_->Reload(by); }

Status Gateway::Impl::RebuildHistory() {
  if (deps.ledger == nullptr) return Status::Ok();
  const std::string since = FormatRfc3339Millis(deps.clock->Now() - kHistoryHorizon);
  OVERSIGHT_ASSIGN_OR_RETURN(std::uint64_t start, FirstEntryAtOrAfter(*deps.ledger, since));
  return deps.ledger->ReadEntries(
      start, deps.ledger->size(), [&](std::uint64_t, std::string_view bytes) {
        OVERSIGHT_ASSIGN_OR_RETURN(ledger::EntryView e, ledger::DecodeEntryView(bytes));
        if (e.kind != kRequestEntryKind) return Status::Ok();
        std::optional<Json> p = ParseObject(e.payload);
        if (!p || !IsSearchOperation(p->value("operation", ""))) return Status::Ok();
        const Json& outcome = p->value("outcome", Json::object());
        if (outcome.value("http_status", 0) != 200) return Status::Ok();
        OVERSIGHT_ASSIGN_OR_RETURN(TimePoint at, ParseRfc3339(e.time));
        const Json context = p->value("document", Json::object()).value("context", Json::object());
        SearchEvent event{at,
                          p->value("principal", Json::object()).value("id", ""),
                          context.value("case_id", ""),
                          context.value("camera_id", ""),
                          context.value("location", ""),
                          {}};
        for (const Json& m : outcome.value("matches", Json::array())) {
          const std::string id = m.value("face_id", "");
          if (id.empty()) continue;
          auto rec = deps.records->Get(id);
          event.subjects.push_back(rec.ok() && !rec->subject.empty() ? rec->subject : id);
        }
        history.Add(std::move(event));
        return Status::Ok();
      });
}

bool Gateway::Impl::PurgeOne(const Record& record, const policy::RetentionRule* rule,
                             std::string_view by, bool resumed, PurgeReport& report) {
  auto fail = [&](const std::string& why) {
    ++report.failed;
    report.errors.push_back("FaceId " + record.face_id + ": " + why);
    return false;
  };
  const Json request = {{"CollectionId", record.collection}, {"FaceIds", {record.face_id}}};
  auto reply = deps.upstream->Call("DeleteFaces", Dump(request), NewRequestId());
  if (!reply.ok()) return fail("the matcher is unavailable: " + reply.status().ToString());
  // A collection that is already gone has no face left to delete: the purge may go on.
  const bool gone = reply->body.find("ResourceNotFoundException") != std::string::npos;
  if (reply->http_status != 200 && !gone) return fail("the matcher refused DeleteFaces");

  // The ledger keeps a hash of the FaceId, not the FaceId: the purge is provable without the
  // entry pointing back at a person.
  Json payload = {{"face_id_sha256", HexEncode(Sha256(record.face_id))},
                  {"rule", record.purge_rule},
                  {"charge_status", record.charge_status},
                  {"by", std::string(by)},
                  {"resumed", resumed},
                  {"pack_sha256", deps.policy->Current()->sha256_hex()}};
  if (rule != nullptr) {
    payload["reason"] = rule->message;
    payload["citation"] = rule->citation;
  }
  if (!AppendEntry(kPurgeEntryKind, payload).ok()) return fail("the ledger append failed");
  Status removed = deps.records->Remove(record.face_id);
  if (!removed.ok()) return fail("the record could not be removed: " + removed.ToString());
  metrics.Add("oversight_purged_faces_total", "rule", record.purge_rule);
  return true;
}

PurgeReport Gateway::Impl::PurgeNow(std::string_view by) {
  std::lock_guard lock(purge_mu);
  PurgeReport report;
  auto pack = deps.policy->Current();
  auto rule_named = [&](const std::string& id) -> const policy::RetentionRule* {
    for (const auto& r : pack->retention()) {
      if (r.id == id) return &r;
    }
    return nullptr;
  };
  // First finish what a crash interrupted: these records are already marked.
  for (const Record& r : deps.records->PendingPurges()) {
    if (PurgeOne(r, rule_named(r.purge_rule), by, /*resumed=*/true, report)) ++report.resumed;
  }
  std::vector<policy::RecordStatus> statuses;
  for (const Record& r : deps.records->All()) {
    statuses.push_back({r.face_id, r.charge_status, r.status_changed_at});
  }
  for (const policy::PurgeOrder& order : pack->RecordsToPurge(statuses, deps.clock->Now())) {
    if (!deps.records->MarkPurging(order.record_id, order.rule->id).ok()) {
      ++report.failed;
      continue;
    }
    auto record = deps.records->Get(order.record_id);
    if (record.ok() && PurgeOne(*record, order.rule, by, /*resumed=*/false, report)) {
      ++report.purged;
    }
  }
  return report;
}

Status Gateway::Impl::Reload(std::string_view by) {
  const std::string& path = options.rule_pack_path;
  const std::string old_sha = deps.policy->Current()->sha256_hex();
  Json payload = {
      {"action", "reload"}, {"by", std::string(by)}, {"path", path}, {"old_sha256", old_sha}};
  Status verdict = Status::Ok();
  const std::vector<policy::Diagnostic> diagnostics = policy::LintPackFile(path);
  Json errors = Json::array();
  for (const auto& d : diagnostics) {
    if (d.severity == policy::Diagnostic::Severity::kError) errors.push_back(d.ToString());
  }
  StatusOr<std::shared_ptr<const policy::CompiledPack>> candidate =
      errors.empty() ? policy::LoadPackFile(path) : Status::InvalidArgument(Dump(errors));
  if (!candidate.ok()) verdict = candidate.status();
  payload["accepted"] = verdict.ok();
  if (!verdict.ok()) payload["errors"] = errors.empty() ? Json::array({verdict.message()}) : errors;
  if (verdict.ok()) payload["new_sha256"] = (*candidate)->sha256_hex();
  // The change is recorded before it takes effect: an unrecorded pack never decides anything.
  OVERSIGHT_RETURN_IF_ERROR(AppendEntry(kRulesEntryKind, payload).status());
  if (!verdict.ok()) return verdict;
  OVERSIGHT_RETURN_IF_ERROR(deps.policy->Reload(path));
  if (deps.policy->Current()->sha256_hex() != payload["new_sha256"].get<std::string>()) {
    // The file changed between the check and the swap; record what is actually in force.
    payload["new_sha256"] = deps.policy->Current()->sha256_hex();
    payload["note"] = "the pack file changed during the reload";
    OVERSIGHT_RETURN_IF_ERROR(AppendEntry(kRulesEntryKind, payload).status());
  }
  return Status::Ok();
}

}  // namespace oversight::proxy
