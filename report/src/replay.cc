#include "oversight/report/replay.h"

#include <algorithm>
#include <optional>
#include <thread>

#include "oversight/common/time_format.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"
#include "replay_history.h"

namespace oversight::report {
namespace {

using internal::HistoryAsOf;
using internal::LedgerHistory;
using internal::SearchEvent;
using policy::JsonValue;

// Entries parsed and evaluated together. Large enough that starting threads per batch costs
// nothing measurable, small enough that a batch of payloads stays in memory comfortably.
constexpr std::size_t kBatch = 16384;
constexpr char kDefaultDeny[] = "(no permit matched)";

enum class ItemState : std::uint8_t { kReplay, kNotByPack, kUnreadable };

struct Item {
  std::uint64_t seq = 0;
  std::string time, payload;
  ItemState state = ItemState::kUnreadable;
  bool recorded_allow = false, new_allow = false;
  std::string recorded_pack;
  TimePoint now{};
  std::optional<policy::RequestDoc> doc;
  std::optional<SearchEvent> event;
  std::vector<const policy::RuleInfo*> deciders;  // the new pack's, for changed decisions
};

template <typename Fn>
void ParallelFor(std::size_t n, unsigned threads, const Fn& fn) {
  const std::size_t parts = std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(n / 64, 1));
  const std::size_t per = (n + parts - 1) / parts;
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < parts; ++t) {
    workers.emplace_back([&fn, t, per, n] { fn(t * per, std::min(n, (t + 1) * per)); });
  }
  fn(0, std::min(n, per));
  for (std::thread& w : workers) w.join();
}

std::string_view Str(const JsonValue* v) {
  return v != nullptr && v->is_string() ? std::string_view(v->text) : std::string_view();
}

const JsonValue* At(const JsonValue* v, std::string_view key) {
  return v != nullptr ? v->Find(key) : nullptr;
}

bool IsSearch(std::string_view op) {
  return op == "SearchFacesByImage" || op == "SearchFaces" || op == "CompareFaces";
}

// An answered search is a history event, exactly as the proxy's RebuildHistory takes it.
std::optional<SearchEvent> EventOf(const JsonValue& p, const Item& item) {
  const JsonValue* status = At(At(&p, "outcome"), "http_status");
  if (!IsSearch(Str(p.Find("operation"))) || status == nullptr || status->number != 200) {
    return std::nullopt;
  }
  const JsonValue* context = At(p.Find("document"), "context");
  SearchEvent e{item.seq,
                item.now,
                std::string(Str(At(p.Find("principal"), "id"))),
                std::string(Str(At(context, "case_id"))),
                std::string(Str(At(context, "camera_id"))),
                std::string(Str(At(context, "location"))),
                {}};
  if (const JsonValue* matches = At(p.Find("outcome"), "matches")) {
    for (const JsonValue& m : matches->items) {
      if (!Str(m.Find("face_id")).empty()) e.subjects.emplace_back(Str(m.Find("face_id")));
    }
  }
  return e;
}

void Parse(Item& item) {
  auto p = policy::ParseJsonc(item.payload, "entry " + std::to_string(item.seq));
  if (!p.ok() || !p->is_object()) return;
  const JsonValue* decision = p->Find("decision");
  if (Str(At(decision, "stage")) != "policy") {
    item.state = ItemState::kNotByPack;
    return;
  }
  const JsonValue* allow = At(decision, "allow");
  const JsonValue* document = p->Find("document");
  auto now = ParseRfc3339(item.time);
  if (allow == nullptr || !allow->is_bool() || document == nullptr || !now.ok()) return;
  auto doc = policy::RequestFromJson(*document, "document");
  if (!doc.ok()) return;
  item.doc = std::move(doc).value();
  item.recorded_allow = allow->boolean;
  item.recorded_pack = Str(At(decision, "pack_sha256"));
  item.now = *now;
  item.event = EventOf(*p, item);
  item.state = ItemState::kReplay;
}

void Evaluate(Item& item, const policy::CompiledPack& pack, const policy::WarrantRegistry* w,
              const LedgerHistory& history) {
  if (item.state != ItemState::kReplay) return;
  const HistoryAsOf as_of(history, item.seq);
  const policy::Decision d = pack.Evaluate(*item.doc, {w, &as_of, item.now});
  item.new_allow = d.allow;
  if (d.allow == item.recorded_allow) return;
  for (const policy::RuleHit& h : d.allow ? d.permitting : d.forbidding) {
    item.deciders.push_back(h.rule);
  }
}

void Note(ChangedByRule& rule, const Item& item, std::size_t max_examples) {
  ++(item.new_allow ? rule.deny_to_allow : rule.allow_to_deny);
  if (rule.examples.size() < max_examples) rule.examples.push_back(item.seq);
}

}  // namespace

class Replayer::Impl {
 public:
  Impl(std::shared_ptr<const policy::CompiledPack> pack, ReplayOptions options)
      : pack_(std::move(pack)), options_(std::move(options)) {
    result_.pack_name = pack_->metadata().name;
    result_.pack_sha256 = pack_->sha256_hex();
    result_.had_warrant_registry = options_.warrants != nullptr;
  }

  void Add(const ledger::EntryView& e) {
    if (e.kind != "request" || !options_.period.Contains(e.time)) return;
    Item& item = batch_.emplace_back();
    item.seq = e.seq;
    item.time = e.time;
    item.payload = e.payload;
    if (batch_.size() == kBatch) Flush();
  }

  ReplayResult Finish() {
    Flush();
    return std::move(result_);
  }

 private:
  // Parse on every thread, extend the history in order, evaluate on every thread, count in
  // order (so examples are the lowest seqs whatever the thread count).
  void Flush() {
    const unsigned threads = std::max(1u, options_.threads);
    ParallelFor(batch_.size(), threads, [this](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) Parse(batch_[i]);
    });
    for (Item& item : batch_) {
      if (item.event) history_.Add(std::move(*item.event));
    }
    ParallelFor(batch_.size(), threads, [this](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        Evaluate(batch_[i], *pack_, options_.warrants, history_);
      }
    });
    for (const Item& item : batch_) Count(item);
    batch_.clear();
  }

  void Count(const Item& item) {
    ReplayResult& r = result_;
    ++r.requests;
    if (item.state == ItemState::kNotByPack) ++r.not_by_pack;
    if (item.state == ItemState::kUnreadable) ++r.unreadable;
    if (item.state != ItemState::kReplay) return;
    ++r.replayed;
    ++r.recorded_packs[item.recorded_pack];
    const bool before = item.recorded_allow, after = item.new_allow;
    ++(before ? (after ? r.allow_allow : r.allow_deny) : (after ? r.deny_allow : r.deny_deny));
    if (before == after) return;
    if (item.deciders.empty()) {
      ChangedByRule& rule = r.by_rule[kDefaultDeny];
      rule.effect = "default";
      rule.citation = "default deny";
      return Note(rule, item, options_.examples_per_rule);
    }
    for (const policy::RuleInfo* info : item.deciders) {
      ChangedByRule& rule = r.by_rule[info->id];
      rule.effect = std::string(policy::EffectName(info->effect));
      rule.citation = info->citation;
      Note(rule, item, options_.examples_per_rule);
    }
  }

  std::shared_ptr<const policy::CompiledPack> pack_;
  ReplayOptions options_;
  ReplayResult result_;
  LedgerHistory history_;
  std::vector<Item> batch_;
};

Replayer::Replayer(std::shared_ptr<const policy::CompiledPack> pack, ReplayOptions options)
    : impl_(std::make_unique<Impl>(std::move(pack), std::move(options))) {}
Replayer::~Replayer() = default;
void Replayer::Add(const ledger::EntryView& entry) { impl_->Add(entry); }
ReplayResult Replayer::Finish() { return impl_->Finish(); }

StatusOr<ReplayResult> ReplaySource(const SourceSpec& spec, Provenance* provenance,
                                    std::shared_ptr<const policy::CompiledPack> pack,
                                    const ReplayOptions& options) {
  Replayer replayer(std::move(pack), options);
  OVERSIGHT_RETURN_IF_ERROR(ForEachEntry(
      spec,
      [&replayer](const ledger::EntryView& e) {
        replayer.Add(e);
        return Status::Ok();
      },
      provenance));
  return replayer.Finish();
}

}  // namespace oversight::report
