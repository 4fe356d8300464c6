#include "oversight/report/replay.h"

#include <algorithm>
#include <future>
#include <optional>
#include <thread>

#include "json_scan.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"
#include "replay_history.h"

namespace oversight::report {
namespace {

using internal::HistoryAsOf;
using internal::LedgerHistory;
using internal::SearchEvent;

// Entries parsed and evaluated together. Large enough that starting threads per batch costs
// nothing measurable, small enough that a batch of payloads stays in memory comfortably.
constexpr std::size_t kBatch = 4096;
constexpr char kDefaultDeny[] = "(no permit matched)";

enum class ItemState : std::uint8_t {
  kReplay,
  kNotByPack,
  kUnreadable,
  kUndecodable,  // the entry's bytes (AddEncoded) do not decode
  kNotCounted,   // decoded, but not a request entry in the period
};

struct Item {
  std::uint64_t seq = 0;
  std::string bytes;  // the whole entry (AddEncoded), or its time then its payload (Add)
  bool encoded = false;
  std::string_view time, payload;  // into bytes; for an encoded entry, set by Parse
  ItemState state = ItemState::kUnreadable;
  bool recorded_allow = false, new_allow = false;
  std::string_view recorded_pack;  // into payload, valid until the batch is counted
  TimePoint now{};
  policy::RequestDoc doc;  // valid when state is kReplay; reused by the next batch
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

// `op` is the member's raw JSON text, quotes included.
bool IsSearch(std::string_view op) {
  return op == "\"SearchFacesByImage\"" || op == "\"SearchFaces\"" || op == "\"CompareFaces\"";
}

std::string_view Member(std::string_view object, std::string_view key) {
  return internal::MemberValue(object, key).value_or(std::string_view());
}

std::string StringMember(std::string_view object, std::string_view key) {
  return internal::StringValue(Member(object, key)).value_or("");
}

// The members replay reads, found in one pass over the payload.
struct PayloadParts {
  std::string_view decision, document, operation, outcome, principal;
  std::string_view stage, allow, pack_sha256;  // of the decision
};

PayloadParts Split(std::string_view payload) {
  PayloadParts p;
  internal::ForEachMember(payload, [&p](std::string_view name, std::string_view value) {
    if (name == "decision") p.decision = value;
    if (name == "document") p.document = value;
    if (name == "operation") p.operation = value;
    if (name == "outcome") p.outcome = value;
    if (name == "principal") p.principal = value;
    return true;
  });
  internal::ForEachMember(p.decision, [&p](std::string_view name, std::string_view value) {
    if (name == "allow") p.allow = value;
    if (name == "pack_sha256") p.pack_sha256 = value;
    if (name == "stage") p.stage = value;
    return true;
  });
  return p;
}

// An answered search is a history event, exactly as the proxy's RebuildHistory takes it.
std::optional<SearchEvent> EventOf(const PayloadParts& p, const Item& item) {
  if (!IsSearch(p.operation) || Member(p.outcome, "http_status") != "200") return std::nullopt;
  static const policy::FieldId kCamera = *policy::FindField("context.camera_id");
  static const policy::FieldId kLocation = *policy::FindField("context.location");
  SearchEvent e{item.seq,
                item.now,
                StringMember(p.principal, "id"),
                item.doc.slot(policy::fields::CaseId()).str,
                item.doc.slot(kCamera).str,
                item.doc.slot(kLocation).str,
                {}};
  internal::ForEachItem(Member(p.outcome, "matches"), [&e](std::string_view match) {
    std::string id = StringMember(match, "face_id");
    if (!id.empty()) e.subjects.push_back(std::move(id));
  });
  return e;
}

// Reads only what replay needs: the decision's stage, outcome and pack, and the policy
// document (about a fifth of the bytes), which the policy library reads straight from its
// canonical bytes into the item's reused RequestDoc (or, if unusual, through its parser).
bool ReadDocument(std::string_view text, policy::RequestDoc& doc) {
  if (policy::ReadCanonicalRequest(text, doc)) return true;
  auto tree = policy::ParseJsonc(text, "document");
  auto read = tree.ok() ? policy::RequestFromJson(*tree, "document") : tree.status();
  if (!read.ok()) return false;
  doc = std::move(read).value();
  return true;
}

// Decodes an entry added as bytes (here, on the batch's threads, not the reader's) and says
// whether it is a request in the period.
bool Decode(Item& item, const Period& period) {
  if (!item.encoded) return true;
  auto e = ledger::DecodeEntryView(item.bytes);
  if (!e.ok()) {
    item.state = ItemState::kUndecodable;
    return false;
  }
  if (e->kind != "request" || !period.Contains(e->time)) {
    item.state = ItemState::kNotCounted;
    return false;
  }
  item.seq = e->seq;
  item.time = e->time;
  item.payload = e->payload;
  return true;
}

void Parse(Item& item, const Period& period) {
  if (!Decode(item, period)) return;
  const PayloadParts p = Split(item.payload);
  if (p.stage != "\"policy\"") {
    item.state = p.decision.empty() ? ItemState::kUnreadable : ItemState::kNotByPack;
    return;
  }
  auto now = ParseRfc3339(item.time);
  if ((p.allow != "true" && p.allow != "false") || p.document.empty() || !now.ok()) return;
  if (!ReadDocument(p.document, item.doc)) return;
  item.recorded_allow = p.allow == "true";
  if (p.pack_sha256.size() >= 2)
    item.recorded_pack = p.pack_sha256.substr(1, p.pack_sha256.size() - 2);
  item.now = *now;
  item.event = EventOf(p, item);
  item.state = ItemState::kReplay;
}

void Evaluate(Item& item, const policy::CompiledPack& pack, const policy::WarrantRegistry* w,
              const LedgerHistory& history) {
  if (item.state != ItemState::kReplay) return;
  const HistoryAsOf as_of(history, item.seq);
  const policy::Decision d = pack.Evaluate(item.doc, {w, &as_of, item.now});
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
    Item& item = Next();
    item.seq = e.seq;
    item.bytes.assign(e.time);  // reuses an earlier batch's buffers: no malloc per entry
    item.bytes.append(e.payload);
    item.encoded = false;
    item.time = std::string_view(item.bytes).substr(0, e.time.size());
    item.payload = std::string_view(item.bytes).substr(e.time.size());
    Filled();
  }

  void AddEncoded(std::string_view bytes) {
    Item& item = Next();
    item.bytes.assign(bytes);
    item.encoded = true;
    Filled();
  }

  std::uint64_t undecodable() const { return undecodable_; }

  ReplayResult Finish() {
    HandOff();
    if (processing_.valid()) processing_.get();
    return std::move(result_);
  }

 private:
  struct Batch {
    std::vector<Item> items;  // kept between batches; the first `used` are current
    std::size_t used = 0;
  };

  Item& Next() {
    Batch& b = batches_[filling_];
    b.items.reserve(kBatch);  // never reallocates, so views into items' bytes stay valid
    if (b.used == b.items.size()) b.items.emplace_back();
    Item& item = b.items[b.used++];
    item.state = ItemState::kUnreadable;
    item.event.reset();
    item.deciders.clear();
    item.recorded_pack = {};
    return item;
  }

  void Filled() {
    if (batches_[filling_].used == kBatch) HandOff();
  }

  // A full batch goes through two stages. Reading it: decoding, finding the payload's members
  // and reading the document, item by item (no shared state). Settling it: extending the
  // history in order, evaluating, counting in order (so examples are the lowest seqs whatever
  // the thread count). With more than one thread the caller reads each batch itself (on half
  // the threads) while the previous batch settles in the background (on the other half):
  // settling has serial steps, and this way the reader's work fills the time they take.
  // Batches settle strictly in order; reading never touches the history or the result.
  void HandOff() {
    Batch* full = &batches_[filling_];
    const unsigned threads = std::max(1u, options_.threads);
    ReadBatch(*full, (threads + 1) / 2);
    if (processing_.valid()) processing_.get();  // the previous batch has settled
    if (threads == 1) {
      Settle(*full, 1);
    } else {
      processing_ =
          std::async(std::launch::async, [this, full, threads] { Settle(*full, threads / 2); });
    }
    filling_ ^= 1;  // the batch settled last (or never used): free
  }

  void ReadBatch(Batch& batch, unsigned threads) {
    std::vector<Item>& items = batch.items;
    ParallelFor(batch.used, threads, [this, &items](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) Parse(items[i], options_.period);
    });
  }

  void Settle(Batch& batch, unsigned threads) {
    std::vector<Item>& items = batch.items;
    for (std::size_t i = 0; i < batch.used; ++i) {
      if (items[i].event) history_.Add(std::move(*items[i].event));
    }
    ParallelFor(batch.used, threads, [this, &items](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) Evaluate(items[i], *pack_, options_.warrants, history_);
    });
    for (std::size_t i = 0; i < batch.used; ++i) Count(items[i]);
    batch.used = 0;
  }

  void Count(const Item& item) {
    if (item.state == ItemState::kUndecodable) ++undecodable_;
    if (item.state == ItemState::kUndecodable || item.state == ItemState::kNotCounted) return;
    ReplayResult& r = result_;
    ++r.requests;
    if (item.state == ItemState::kNotByPack) ++r.not_by_pack;
    if (item.state == ItemState::kUnreadable) ++r.unreadable;
    if (item.state != ItemState::kReplay) return;
    ++r.replayed;
    auto pack = r.recorded_packs.find(item.recorded_pack);
    if (pack == r.recorded_packs.end())
      pack = r.recorded_packs.emplace(item.recorded_pack, 0).first;
    ++pack->second;
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
  std::uint64_t undecodable_ = 0;
  Batch batches_[2];
  int filling_ = 0;               // the batch Add fills; the other may be processing
  std::future<void> processing_;  // last member: waited for before the rest is destroyed
};

Replayer::Replayer(std::shared_ptr<const policy::CompiledPack> pack, ReplayOptions options)
    : impl_(std::make_unique<Impl>(std::move(pack), std::move(options))) {}
Replayer::~Replayer() = default;
void Replayer::Add(const ledger::EntryView& entry) { impl_->Add(entry); }
void Replayer::AddEncoded(std::string_view bytes) { impl_->AddEncoded(bytes); }
std::uint64_t Replayer::undecodable() const { return impl_->undecodable(); }
ReplayResult Replayer::Finish() { return impl_->Finish(); }

StatusOr<ReplayResult> ReplaySource(const SourceSpec& spec, Provenance* provenance,
                                    std::shared_ptr<const policy::CompiledPack> pack,
                                    const ReplayOptions& options) {
  Replayer replayer(std::move(pack), options);
  OVERSIGHT_RETURN_IF_ERROR(ForEachEntryBytes(
      spec,
      [&replayer](std::string_view bytes) {
        replayer.AddEncoded(bytes);
        return Status::Ok();
      },
      provenance));
  ReplayResult result = replayer.Finish();
  provenance->undecodable = replayer.undecodable();
  return result;
}

}  // namespace oversight::report
