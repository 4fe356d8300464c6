// A Gateway wired to real parts (a real ledger and records store in a temp dir, the shipped
// baseline pack and sample warrant registry) and a scripted matcher, for the request-path tests.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/ledger/ledger.h"
#include "oversight/policy/pack.h"
#include "oversight/policy/warrant_registry.h"
#include "oversight/proxy/gateway.h"
#include "temp_dir.h"

namespace oversight::proxy::testing {

using Json = nlohmann::json;

// The matcher, scripted: records every call and answers with `respond`.
class ScriptedUpstream final : public Upstream {
 public:
  std::function<UpstreamReply(const std::string& op, const Json& body)> respond;
  std::atomic<bool> down{false};

  StatusOr<UpstreamReply> Call(std::string_view operation, std::string_view json_body,
                               std::string_view request_id) override;
  std::vector<std::pair<std::string, Json>> Calls() const;
  std::size_t CallCount(const std::string& op) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Json>> calls_;
};

// The real ledger, with a switch that makes appends fail like a full disk, and one that holds
// asynchronous appends back until released (to see what happens while an entry commits).
class SwitchableAudit final : public AuditLog {
 public:
  explicit SwitchableAudit(ledger::Ledger& ledger) : ledger_(ledger) {}
  std::atomic<bool> failing{false};
  std::atomic<bool> holding{false};
  StatusOr<ledger::Receipt> Append(std::string_view kind, std::string_view payload) override;
  void AppendAsync(std::string_view kind, std::string_view payload,
                   ledger::Ledger::AppendCallback done) override;
  std::size_t held() const;
  // Appends what was held back, in order (or fails it, if `failing`).
  void Release();

 private:
  struct Held {
    std::string kind, payload;
    ledger::Ledger::AppendCallback done;
  };
  ledger::Ledger& ledger_;
  mutable std::mutex mu_;
  std::vector<Held> held_;
};

struct Key {
  const char* id;
  const char* secret;
};
inline constexpr Key kInvestigator{"AKIAINVESTIGATOR01", "investigator-secret-0001"};
inline constexpr Key kRecordsAdmin{"AKIARECORDSADMIN01", "records-admin-secret-01"};
inline constexpr Key kAuditor{"AKIAAUDITOR0000001", "auditor-secret-00000001"};
inline constexpr Key kPolicyAnalyst{"AKIAPOLICYANALYST1", "analyst-secret-0000001"};
inline constexpr Key kOperator{"AKIAOPERATOR000001", "operator-secret-000001"};

// Headers of a lawful warranted search against the sample registry (its warrant W-2026-0042
// is valid on the fixture's date, 2026-03-01).
std::vector<std::pair<std::string, std::string>> WarrantedContext();

class GatewayTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void Rebuild();  // a new Gateway over the same files (a restart)
  // A new Gateway over the open stores with this per-principal rate limit.
  void MakeGateway(RateLimit rate_limit);

  Request Rekognition(const std::string& op, const Json& body,
                      const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  Request Api(const std::string& method, const std::string& path, const Json& body = {},
              const std::string& query = "") const;
  void Sign(Request& r, const Key& key, const std::string& token = "") const;
  Response Send(Request r, const Key& key, const std::string& token = "");

  Json LastEntry(std::string* kind = nullptr) const;
  std::uint64_t EntryCount() const { return ledger_->size(); }
  Json Body(const Response& r) const;
  std::string Header(const Response& r, const std::string& name) const;

  oversight::testing::TempDir dir_;
  FakeClock clock_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::unique_ptr<SwitchableAudit> audit_;
  std::shared_ptr<const PrincipalStore> principals_;
  std::unique_ptr<policy::PolicyStore> policy_;
  std::unique_ptr<policy::JsonWarrantRegistry> warrants_;
  std::unique_ptr<RecordStore> records_;
  ScriptedUpstream upstream_;
  std::unique_ptr<Gateway> gateway_;
  SecretBytes console_key_{std::vector<std::uint8_t>(32, 0x5c)};  // signs console sign-in links
  std::string pack_path_;
  mutable int next_request_ = 0;
};

}  // namespace oversight::proxy::testing
