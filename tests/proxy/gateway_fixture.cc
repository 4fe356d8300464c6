#include "gateway_fixture.h"

#include <filesystem>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/ledger/entry.h"

namespace oversight::proxy::testing {
namespace {

const char* kPrincipals = R"({"version": 1, "access_keys": {
  "AKIAINVESTIGATOR01": {"secret_access_key": "investigator-secret-0001", "principal_id": "det.jones",
                         "agency": "Metro PD", "roles": ["investigator"]},
  "AKIARECORDSADMIN01": {"secret_access_key": "records-admin-secret-01", "principal_id": "rec.admin",
                         "agency": "Metro PD", "roles": ["records_admin"]},
  "AKIAAUDITOR0000001": {"secret_access_key": "auditor-secret-00000001", "principal_id": "aud.smith",
                         "agency": "County Auditor", "roles": ["auditor"]},
  "AKIAPOLICYANALYST1": {"secret_access_key": "analyst-secret-0000001", "principal_id": "pol.analyst",
                         "agency": "State Legislature", "roles": ["policy_analyst"]},
  "AKIAOPERATOR000001": {"secret_access_key": "operator-secret-000001", "principal_id": "ops.root",
                         "agency": "Metro PD", "roles": ["operator"]}}})";

TimePoint FixtureNow() { return *ParseRfc3339("2026-03-01T12:00:00Z"); }

}  // namespace

StatusOr<UpstreamReply> ScriptedUpstream::Call(std::string_view operation,
                                               std::string_view json_body, std::string_view) {
  {
    std::lock_guard lock(mu_);
    calls_.emplace_back(std::string(operation), Json::parse(json_body));
  }
  if (down) return Status::Unavailable("matcher socket: connection refused");
  if (respond) return respond(std::string(operation), Json::parse(json_body));
  return UpstreamReply{200, "{}"};
}

std::vector<std::pair<std::string, Json>> ScriptedUpstream::Calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::size_t ScriptedUpstream::CallCount(const std::string& op) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& c : calls_) n += c.first == op;
  return n;
}

StatusOr<ledger::Receipt> SwitchableAudit::Append(std::string_view kind, std::string_view payload) {
  if (failing) return Status::ResourceExhausted("database or disk is full");
  return ledger_.Append(kind, payload);
}

void SwitchableAudit::AppendAsync(std::string_view kind, std::string_view payload,
                                  ledger::Ledger::AppendCallback done) {
  if (holding) {
    std::lock_guard lock(mu_);
    held_.push_back({std::string(kind), std::string(payload), std::move(done)});
    return;
  }
  if (failing) return done(Status::ResourceExhausted("database or disk is full"));
  ledger_.AppendAsync(kind, payload, std::move(done));
}

std::size_t SwitchableAudit::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

void SwitchableAudit::Release() {
  std::vector<Held> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  holding = false;
  for (Held& h : held) AppendAsync(h.kind, h.payload, std::move(h.done));
}

std::vector<std::pair<std::string, std::string>> WarrantedContext() {
  return {{"X-Oversight-Warrant-Id", "W-2026-0042"},
          {"X-Oversight-Case-Id", "C-2026-1187"},
          {"X-Oversight-Purpose", "criminal_investigation"},
          {"X-Oversight-Source", "cctv_still"},
          {"X-Oversight-Mode", "retrospective"},
          {"X-Oversight-Capture-Time", "2026-02-20T03:14:00Z"},
          {"X-Oversight-Camera-Id", "cam-12"}};
}

void GatewayTest::SetUp() {
  clock_.Set(FixtureNow());
  const auto paths = ledger::LedgerPaths::InDirectory(dir_.File("ledger"));
  std::filesystem::create_directories(dir_.File("ledger"));
  ASSERT_TRUE(ledger::Ledger::Create(paths, "test.oversight/ledger", clock_).ok());
  pack_path_ = dir_.File("pack.json");
  std::filesystem::copy_file(OVERSIGHT_RULES_DIR "/baseline.json", pack_path_);
  auto principals = PrincipalStore::Parse(SecretBytes(AsBytes(kPrincipals)));
  ASSERT_TRUE(principals.ok()) << principals.status().ToString();
  principals_ = *principals;
  auto warrants =
      policy::JsonWarrantRegistry::LoadFile(OVERSIGHT_RULES_DIR "/warrants.sample.json");
  ASSERT_TRUE(warrants.ok()) << warrants.status().ToString();
  warrants_ = std::move(warrants).value();
  ASSERT_TRUE(CreateRawKey256File(dir_.File("records.key")).ok());
  Rebuild();
}

void GatewayTest::Rebuild() {
  gateway_.reset();
  records_.reset();
  ledger_.reset();
  ledger::LedgerOptions ledger_options;
  ledger_options.clock = &clock_;
  auto ledger =
      ledger::Ledger::Open(ledger::LedgerPaths::InDirectory(dir_.File("ledger")), ledger_options);
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  ledger_ = std::move(ledger).value();
  audit_ = std::make_unique<SwitchableAudit>(*ledger_);
  auto pack = policy::LoadPackFile(pack_path_);
  ASSERT_TRUE(pack.ok()) << pack.status().ToString();
  policy_ = std::make_unique<policy::PolicyStore>(*pack);
  auto key = ReadRawKey256(dir_.File("records.key"));
  ASSERT_TRUE(key.ok());
  auto records = RecordStore::Open(dir_.File("records.db"), *key, clock_);
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  records_ = std::move(records).value();
  MakeGateway({1000, 1000});
  ASSERT_TRUE(gateway_->RebuildHistory().ok());
}

void GatewayTest::MakeGateway(RateLimit rate_limit) {
  gateway_.reset();
  GatewayDeps deps;
  deps.principals = principals_;
  deps.policy = policy_.get();
  deps.warrants = warrants_.get();
  deps.upstream = &upstream_;
  deps.audit = audit_.get();
  deps.ledger = ledger_.get();
  deps.records = records_.get();
  deps.clock = &clock_;
  deps.console_key = &console_key_;
  GatewayOptions options;
  options.rule_pack_path = pack_path_;
  options.ledger_dir = dir_.File("ledger");
  options.rate_limit = rate_limit;
  gateway_ = std::make_unique<Gateway>(std::move(deps), options);
}

Request GatewayTest::Rekognition(
    const std::string& op, const Json& body,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", "oversight.test:8443"},
               {"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "RekognitionService." + op}};
  for (const auto& h : headers) r.headers.push_back(h);
  r.body = body.dump();
  r.request_id = "req-" + std::to_string(++next_request_);
  r.remote_address = "127.0.0.1:40000";
  return r;
}

Request GatewayTest::Api(const std::string& method, const std::string& path, const Json& body,
                         const std::string& query) const {
  Request r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.headers = {{"Host", "oversight.test:8443"}, {"Content-Type", "application/json"}};
  if (!body.is_null()) r.body = body.dump();
  r.request_id = "req-" + std::to_string(++next_request_);
  r.remote_address = "127.0.0.1:40000";
  return r;
}

void GatewayTest::Sign(Request& r, const Key& key, const std::string& token) const {
  SecretBytes secret(AsBytes(key.secret));
  SigningParams p;
  p.access_key_id = key.id;
  p.secret = &secret;
  p.session_token = token;
  p.time = clock_.Now();
  p.signed_headers = {"host", "x-amz-date"};
  for (const auto& [name, value] : r.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type" || lower == "x-amz-target" || lower.rfind("x-oversight-", 0) == 0) {
      p.signed_headers.push_back(lower);
    }
  }
  ASSERT_TRUE(SignRequest(r, p).ok());
}

Response GatewayTest::Send(Request r, const Key& key, const std::string& token) {
  Sign(r, key, token);
  return gateway_->Handle(r);
}

Json GatewayTest::LastEntry(std::string* kind) const {
  auto bytes = ledger_->EntryBytes(ledger_->size() - 1);
  EXPECT_TRUE(bytes.ok());
  auto entry = ledger::DecodeEntry(*bytes);
  EXPECT_TRUE(entry.ok());
  if (kind) *kind = entry->kind;
  return Json::parse(entry->payload);
}

Json GatewayTest::Body(const Response& r) const { return Json::parse(r.body, nullptr, false); }

std::string GatewayTest::Header(const Response& r, const std::string& name) const {
  std::string_view v;
  return SingleHeader(r.headers, name, &v) ? std::string(v) : std::string();
}

}  // namespace oversight::proxy::testing
