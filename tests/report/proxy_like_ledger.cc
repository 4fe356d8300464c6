#include "proxy_like_ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/policy/case.h"
#include "oversight/policy/decision_json.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"

namespace oversight::report::testing {
namespace {

using Json = nlohmann::json;

TimePoint StartTime() { return *ParseRfc3339(kStart); }

// The policy document, built as proxy/src/request_context.cc BuildRequestDocument does.
Json Document(const Search& s) {
  Json context = {
      {"case_id", s.case_id}, {"purpose", s.purpose}, {"mode", s.mode}, {"source", s.source}};
  if (s.warrant_id) context["warrant_id"] = *s.warrant_id;
  if (s.exigency) context["exigency"] = *s.exigency;
  if (s.camera_id) context["camera_id"] = *s.camera_id;
  return {{"principal",
           {{"id", s.principal},
            {"agency", s.agency},
            {"agency_type", "law_enforcement"},
            {"roles", {"investigator"}}}},
          {"action", "search_by_image"},
          {"context", context},
          {"request", {{"collection", "booking"}, {"threshold", 80.0}, {"max_results", 10.0}}}};
}

Json Principal(const std::string& id, const std::string& agency, const char* role) {
  return {{"id", id}, {"agency", agency}, {"roles", {role}}, {"access_key_id", "AKIA" + id}};
}

}  // namespace

std::shared_ptr<const policy::CompiledPack> LoadShippedPack(const std::string& file) {
  auto pack = policy::LoadPackFile(std::string(OVERSIGHT_RULES_DIR) + "/" + file);
  if (!pack.ok()) ADD_FAILURE() << pack.status().ToString();
  return pack.ok() ? *pack : nullptr;
}

std::unique_ptr<policy::JsonWarrantRegistry> LoadSampleWarrants() {
  auto r = policy::JsonWarrantRegistry::LoadFile(std::string(OVERSIGHT_RULES_DIR) +
                                                 "/warrants.sample.json");
  if (!r.ok()) ADD_FAILURE() << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

ProxyLikeLedger::ProxyLikeLedger(const std::string& pack_file)
    : dir_(tmp_.File("ledger")),
      clock_(StartTime()),
      pack_(LoadShippedPack(pack_file)),
      registry_(LoadSampleWarrants()) {
  ::mkdir(dir_.c_str(), 0700);
  const auto paths = ledger::LedgerPaths::InDirectory(dir_);
  auto vkey = ledger::Ledger::Create(paths, "report.test/ledger", clock_);
  if (!vkey.ok()) ADD_FAILURE() << vkey.status().ToString();
  ledger::LedgerOptions options;
  options.checkpoint_every_entries = 0;
  options.checkpoint_every = std::chrono::milliseconds(0);
  options.clock = &clock_;
  auto opened = ledger::Ledger::Open(paths, options);
  if (!opened.ok()) ADD_FAILURE() << opened.status().ToString();
  if (opened.ok()) ledger_ = std::move(opened).value();
}

ProxyLikeLedger::~ProxyLikeLedger() = default;

void ProxyLikeLedger::Append(const std::string& kind, const std::string& payload) {
  clock_.Set(StartTime() + std::chrono::minutes(requests_++));
  auto receipt = ledger_->Append(kind, payload);
  if (!receipt.ok()) ADD_FAILURE() << receipt.status().ToString();
}

bool ProxyLikeLedger::AppendSearch(const Search& s) {
  const Json doc = Document(s);
  auto parsed = policy::ParseJsonc(doc.dump(), "request");
  auto request = policy::RequestFromJson(*parsed, "request");
  if (!request.ok()) ADD_FAILURE() << request.status().ToString();
  policy::FixtureHistory history;  // no earlier searches matched anyone at a camera
  const TimePoint now = StartTime() + std::chrono::minutes(requests_);
  const policy::Decision d = pack_->Evaluate(*request, {registry_.get(), &history, now});
  Json log = {{"request_id", "req-" + std::to_string(requests_)},
              {"remote", "10.0.0.7:51234"},
              {"operation", "SearchFacesByImage"},
              {"principal", Principal(s.principal, s.agency, "investigator")},
              {"images", {{"Image", HexEncode(Sha256("probe" + std::to_string(requests_)))}}},
              {"document", doc}};
  log["decision"] = Json::parse(policy::DecisionToJson(d));
  log["decision"]["stage"] = "policy";
  if (d.allow) {
    Json matches = Json::array();
    for (std::size_t i = 0; i < s.similarities.size(); ++i) {
      const std::string id = i < s.face_ids.size()
                                 ? s.face_ids[i]
                                 : "face-" + std::to_string(requests_) + "-" + std::to_string(i);
      matches.push_back({{"face_id", id}, {"similarity", s.similarities[i]}});
    }
    log["outcome"] = {{"http_status", 200},
                      {"matches", matches},
                      {"dropped", {{"below_floor", 1}, {"excluded", 0}, {"over_cap", 0}}}};
  } else {
    log["outcome"] = {{"http_status", 400},
                      {"error", {{"type", "AccessDeniedException"}, {"message", "Denied"}}}};
  }
  Append("request", log.dump());
  return d.allow;
}

void ProxyLikeLedger::AppendRoleRefusal(const std::string& principal) {
  Json log = {{"request_id", "req-" + std::to_string(requests_)},
              {"remote", "10.0.0.8:40000"},
              {"operation", "SearchFacesByImage"},
              {"principal", Principal(principal, "County Records", "records_admin")},
              {"decision", {{"allow", false}, {"stage", "role"}}},
              {"outcome",
               {{"http_status", 400},
                {"error", {{"type", "AccessDeniedException"}, {"message", "may not call"}}}}}};
  Append("request", log.dump());
}

void ProxyLikeLedger::AppendPurge(const std::string& rule, const std::string& citation) {
  Json payload = {{"face_id_sha256", HexEncode(Sha256("face-x"))},
                  {"rule", rule},
                  {"charge_status", "dismissed"},
                  {"by", "records-admin-1"},
                  {"resumed", false},
                  {"pack_sha256", pack_->sha256_hex()},
                  {"reason", "never charged"},
                  {"citation", citation}};
  Append("purge", payload.dump());
}

void ProxyLikeLedger::AppendRulesReload(bool accepted) {
  Json payload = {{"action", "reload"},
                  {"by", "operator-1"},
                  {"path", "/etc/oversight/rules.json"},
                  {"old_sha256", pack_->sha256_hex()},
                  {"accepted", accepted}};
  if (accepted) payload["new_sha256"] = std::string(64, 'a');
  if (!accepted) payload["errors"] = {"rules.json:3:1: error [syntax]: expected a value"};
  Append("rules", payload.dump());
}

void ProxyLikeLedger::Checkpoint() {
  auto cp = ledger_->Checkpoint();
  if (!cp.ok()) ADD_FAILURE() << cp.status().ToString();
}

void ProxyLikeLedger::Close(bool sign) {
  if (sign) Checkpoint();
  ledger_.reset();
}

std::string ProxyLikeLedger::vkey() const { return dir_ + "/ledger.vkey"; }

std::string ProxyLikeLedger::Export(const std::string& name) {
  const std::string file = tmp_.File(name);
  std::ofstream out(file, std::ios::binary);
  auto cp = ledger::ReadCheckpointed(ledger::LedgerPaths::InDirectory(dir_),
                                     [&](std::uint64_t, std::string_view bytes) {
                                       out << bytes << '\n';
                                       return Status::Ok();
                                     });
  if (!cp.ok()) ADD_FAILURE() << cp.status().ToString();
  out.close();
  std::ofstream(file + ".checkpoint", std::ios::binary) << (cp.ok() ? cp->note : "");
  return file;
}

void TamperEntry(const std::string& dir, std::uint64_t seq, const std::string& from,
                 const std::string& to) {
  const auto paths = ledger::LedgerPaths::InDirectory(dir);
  auto key = ReadRawKey256(paths.key);
  ASSERT_TRUE(key.ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(paths.db.c_str(), &db), SQLITE_OK);
  const std::string pragma =
      "PRAGMA key = \"x'" + HexEncode(key->view()) + "'\"; PRAGMA cipher_page_size = 16384;";
  ASSERT_EQ(sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT bytes FROM entries WHERE seq = ?", -1, &s, nullptr);
  sqlite3_bind_int64(s, 1, static_cast<sqlite3_int64>(seq));
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  std::string bytes(static_cast<const char*>(sqlite3_column_blob(s, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
  sqlite3_finalize(s);
  const auto at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  bytes.replace(at, from.size(), to);
  sqlite3_prepare_v2(db, "UPDATE entries SET bytes = ?1 WHERE seq = ?2", -1, &s, nullptr);
  sqlite3_bind_blob(s, 1, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(seq));
  EXPECT_EQ(sqlite3_step(s), SQLITE_DONE);
  sqlite3_finalize(s);
  sqlite3_close(db);
}

}  // namespace oversight::report::testing
