// Rule packs: compile once into an immutable CompiledPack, evaluate per request.
//
// Semantics follow Cedar: default deny; a request is allowed only if at least one permit rule
// matches and no forbid rule matches (forbid always wins). Obligate rules that match attach
// obligations, merged strictest-wins. A condition that cannot be decided because a field is
// missing or a provider failed is "undecided": it never satisfies a permit, and it counts as a
// match for forbid and obligate rules (fail closed). docs/rules.md specifies the language.
//
// Thread safety: a CompiledPack is immutable; Evaluate and RecordsToPurge may be called from
// any number of threads at once. PolicyStore swaps packs atomically on reload.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/status.h"
#include "oversight/policy/diagnostic.h"
#include "oversight/policy/facts.h"
#include "oversight/policy/request.h"

namespace oversight::policy {

namespace internal {
struct Program;
}

enum class Effect : std::uint8_t { kPermit, kForbid, kObligate };
std::string_view EffectName(Effect effect);

// Obligations as written on one obligate rule.
struct ObligationSpec {
  std::optional<double> min_similarity;
  std::optional<std::int64_t> max_results;
  std::uint64_t exclude_status_mask = 0;  // bit i = ChargeStatusValues()[i]
  bool human_review_required = false;
  std::string notice;
};

struct RuleInfo {
  std::string id;
  Effect effect = Effect::kForbid;
  std::string message;
  std::string citation;
  JsonPos pos;
  bool has_condition = false;  // false: the rule always applies
  ObligationSpec obligations;  // obligate rules only
};

struct RetentionRule {
  std::string id;
  std::uint64_t status_mask = 0;  // charge statuses the rule purges
  std::chrono::seconds older_than{0};
  std::string message;
  std::string citation;
  JsonPos pos;
};

struct PackMetadata {
  int format = 1;
  std::string name, jurisdiction, version, description;
  std::vector<std::string> sources;
  std::string source_path;  // file the pack was loaded from, as given
};

// Obligations merged over every obligate rule that applied. Views point into the pack.
struct Obligations {
  std::optional<double> min_similarity;                 // highest wins
  std::optional<std::int64_t> max_results;              // lowest wins
  std::vector<std::string_view> exclude_record_status;  // union, schema order
  bool human_review_required = false;                   // or
  std::vector<std::string_view> notices;                // all, pack order
};

struct RuleHit {
  const RuleInfo* rule = nullptr;
  bool undecided = false;  // matched only because a needed fact was missing (fail closed)
};

// The answer for one request. Pointers and views refer into the CompiledPack that produced it:
// keep the pack alive (hold its shared_ptr) as long as the Decision.
struct Decision {
  bool allow = false;
  std::vector<RuleHit> permitting, forbidding, obligating;
  Obligations obligations;
  std::string_view pack_name;
  std::string_view pack_sha256;  // lowercase hex SHA-256 of the canonical (RFC 8785) pack

  // Plain-language reasons with citations, deciding rules first. Allocates; not for hot paths.
  std::vector<std::string> Reasons() const;
};

struct RecordStatus {
  std::string record_id;
  std::string charge_status;  // a ChargeStatusValues() value
  TimePoint status_changed_at{};
};

struct PurgeOrder {
  std::string record_id;
  const RetentionRule* rule = nullptr;
};

class CompiledPack {
 public:
  CompiledPack(PackMetadata metadata, std::string sha256_hex, std::vector<RuleInfo> rules,
               std::vector<RetentionRule> retention, std::unique_ptr<internal::Program> program);
  ~CompiledPack();
  CompiledPack(const CompiledPack&) = delete;
  CompiledPack& operator=(const CompiledPack&) = delete;

  const PackMetadata& metadata() const { return metadata_; }
  const std::string& sha256_hex() const { return sha256_hex_; }
  std::span<const RuleInfo> rules() const { return rules_; }
  std::span<const RetentionRule> retention() const { return retention_; }

  Decision Evaluate(const RequestDoc& request, const Facts& facts) const;

  // Records that retention rules say must be purged at `now` (the gallery deletes them).
  // Records with an unknown charge status are never purged by default; they are kept.
  std::vector<PurgeOrder> RecordsToPurge(std::span<const RecordStatus> records,
                                         TimePoint now) const;

  // The compiled conditions; for the explain, lint and diff tools in this library only.
  const internal::Program& program() const { return *program_; }

 private:
  PackMetadata metadata_;
  std::string sha256_hex_;
  std::vector<RuleInfo> rules_;
  std::vector<RetentionRule> retention_;
  std::unique_ptr<internal::Program> program_;
};

// Compiles pack text. On any error the pack is null and diagnostics say where and why; a
// pack is never partially loaded. Warnings (lint findings) are not produced here.
struct CompileResult {
  std::shared_ptr<const CompiledPack> pack;
  std::vector<Diagnostic> diagnostics;
};
CompileResult CompilePack(std::string_view text, std::string_view source);
CompileResult CompilePackFile(const std::string& path);

// Loads a pack file; every error diagnostic joined into one InvalidArgument message.
StatusOr<std::shared_ptr<const CompiledPack>> LoadPackFile(const std::string& path);

// Holds the pack in force. Reload compiles a new file and swaps it in only if it compiled:
// a failed reload keeps the old pack and returns the errors.
class PolicyStore {
 public:
  explicit PolicyStore(std::shared_ptr<const CompiledPack> initial) : pack_(std::move(initial)) {}
  std::shared_ptr<const CompiledPack> Current() const;
  Status Reload(const std::string& path);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const CompiledPack> pack_;
};

}  // namespace oversight::policy
