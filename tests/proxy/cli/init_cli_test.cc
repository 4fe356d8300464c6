// `oversight init` run as a user runs it (the built binary, a temp directory), and everything
// it writes loaded by the libraries that will read it: config, principals, warrants, ledger.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "oversight/common/key_file.h"
#include "oversight/ledger/ledger.h"
#include "oversight/policy/warrant_registry.h"
#include "oversight/proxy/config.h"
#include "oversight/proxy/console_auth.h"
#include "oversight/proxy/principals.h"
#include "temp_dir.h"

namespace oversight {
namespace {

using nlohmann::json;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout only: what a user would copy or a script would parse
  std::string all;     // stdout and stderr
};

Result RunInit(const std::string& args, const std::string& stderr_file) {
  std::string cmd = std::string(OVERSIGHT_CLI_PATH) + " init " + args + " 2>" + stderr_file;
  Result r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(stderr_file);
  r.all = r.output + std::string(std::istreambuf_iterator<char>(err), {});
  return r;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int Mode(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Every secret file init writes (relative paths).
const std::vector<std::string> kSecretFiles = {
    "tls/ca.key",          "tls/server.key",          "tls/client-det.jones.key",
    "principals.json",     "aws/credentials",         "aws/config",
    "ledger/ledger.key",   "ledger/signing.pem",      "gallery/gallery.key",
    "records/records.key", "warrants/court.key",      "warrants/court-mt.key",
    "console/console.key", "tls/client-aud.smith.key"};
const std::vector<std::string> kPublicFiles = {
    "oversight.json",           "tls/ca.pem",          "tls/server.pem",
    "tls/client-det.jones.pem", "rules/baseline.json", "rules/baseline.scenarios.json",
    "warrants/warrants.json",   "ledger/ledger.vkey",  "tls/client-aud.smith.pem"};

class InitCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tmp_.File("data");
    first_ = RunInit("--dir " + dir_, tmp_.File("stderr"));
    ASSERT_EQ(first_.exit_code, 0) << first_.all;
  }
  std::string At(const std::string& rel) const { return dir_ + "/" + rel; }
  Result Init(const std::string& args) { return RunInit(args, tmp_.File("stderr")); }

  // access key id -> principal id, from principals.json.
  std::map<std::string, std::string> KeyIds() const {
    std::map<std::string, std::string> out;
    json doc = json::parse(Slurp(At("principals.json")));
    for (const auto& [id, entry] : doc["access_keys"].items()) {
      out[id] = entry["principal_id"].get<std::string>();
    }
    return out;
  }

  oversight::testing::TempDir tmp_;
  std::string dir_;
  Result first_;
};

TEST_F(InitCliTest, CreatesEveryFileWithSecretsMode0600) {
  EXPECT_EQ(Mode(dir_), 0700);
  for (const std::string& f : kSecretFiles) EXPECT_EQ(Mode(At(f)), 0600) << f;
  for (const std::string& f : kPublicFiles) EXPECT_EQ(Mode(At(f)), 0644) << f;
  for (const char* d : {"tls", "aws", "ledger", "gallery", "records", "warrants", "run"}) {
    EXPECT_EQ(Mode(At(d)), 0700) << d;
  }
  EXPECT_EQ(Slurp(At("rules/baseline.json")),
            Slurp(std::string(OVERSIGHT_RULES_DIR) + "/baseline.json"));
}

TEST_F(InitCliTest, ConfigLoadsAndEveryPathIsInsideTheDirectoryAndExists) {
  auto c = proxy::LoadServeConfig(At("oversight.json"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_address, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8443);
  EXPECT_EQ(c->tls_client_ca, c->config_dir + "/tls/ca.pem");
  EXPECT_TRUE(c->client_certs_optional);
  for (const std::string* p :
       {&c->tls_cert, &c->tls_key, &c->principals_file, &c->ledger_dir, &c->rule_pack,
        &c->warrants_file, &c->gallery_key, &c->records_key, &c->console_key}) {
    EXPECT_EQ(p->rfind(c->config_dir + "/", 0), 0u) << *p;
    EXPECT_NE(Mode(*p), -1) << *p << " does not exist";
  }
  EXPECT_EQ(c->matcher_socket, c->config_dir + "/run/matcher.sock");
  EXPECT_EQ(Slurp(At("oversight.json")).find(c->config_dir), std::string::npos)
      << "paths are written relative to the config";
}

// `oversight console login` mints a link the proxy, holding the same console key, accepts once.
TEST_F(InitCliTest, ConsoleLoginPrintsALinkTheProxyAcceptsOnce) {
  const std::string cli = std::string(OVERSIGHT_CLI_PATH) + " console login --config " +
                          At("oversight.json") + " --json --principal ";
  FILE* p = ::popen((cli + "aud.smith").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::array<char, 4096> buf{};
  const std::size_t n = std::fread(buf.data(), 1, buf.size(), p);
  ASSERT_EQ(::pclose(p), 0);
  const json out = json::parse(std::string(buf.data(), n));
  const std::string url = out["url"];
  EXPECT_EQ(url.rfind("https://127.0.0.1:8443/console/login.html#token=", 0), 0u) << url;
  EXPECT_EQ(out["principal"], "aud.smith");

  auto key = ReadRawKey256(At("console/console.key"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  proxy::ConsoleSessions sessions(SystemClock::Instance(), std::move(key).value());
  const std::string token = url.substr(url.find("#token=") + 7);
  auto principal = sessions.RedeemToken(token);
  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(*principal, "aud.smith");
  EXPECT_FALSE(sessions.RedeemToken(token).ok());

  EXPECT_NE(::system((cli + "nobody 2>/dev/null >/dev/null").c_str()), 0)
      << "an unknown principal gets no link";
}

TEST_F(InitCliTest, PrincipalsLoadWithOneFreshKeyPerRole) {
  auto store = proxy::PrincipalStore::LoadFile(At("principals.json"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->size(), 5u);
  const std::map<std::string, std::string> roles = {{"det.jones", "investigator"},
                                                    {"rec.admin", "records_admin"},
                                                    {"aud.smith", "auditor"},
                                                    {"pol.analyst", "policy_analyst"},
                                                    {"ops.root", "operator"}};
  json doc = json::parse(Slurp(At("principals.json")));
  for (const auto& [key_id, principal] : KeyIds()) {
    EXPECT_TRUE(std::regex_match(key_id, std::regex("AKIA[A-Z2-7]{16}"))) << key_id;
    EXPECT_EQ(doc["access_keys"][key_id]["secret_access_key"].get<std::string>().size(), 40u);
    const proxy::Principal* p = (*store)->FindByAccessKey(key_id);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(p->roles.size(), 1u);
    EXPECT_EQ(proxy::RoleName(p->roles[0]), roles.at(principal));
  }
  EXPECT_EQ((*store)->FindByAccessKey(KeyIds().begin()->first)->id, KeyIds().begin()->second);
}

TEST_F(InitCliTest, AwsProfilesCarryTheSameKeysAsThePrincipalsFile) {
  std::istringstream in(Slurp(At("aws/credentials")));
  std::string line, profile;
  std::map<std::string, std::string> profile_key;
  while (std::getline(in, line)) {
    if (line.starts_with("[")) profile = line.substr(1, line.size() - 2);
    if (line.starts_with("aws_access_key_id = ")) profile_key[profile] = line.substr(20);
  }
  ASSERT_EQ(profile_key.size(), 5u);
  for (const auto& [key_id, principal] : KeyIds()) EXPECT_EQ(profile_key[principal], key_id);
  const std::string config = Slurp(At("aws/config"));
  EXPECT_NE(config.find("[profile det.jones]\nregion = us-east-1"), std::string::npos) << config;
}

TEST_F(InitCliTest, WarrantsAreSignedByTheFreshCourtKeysAndDatedFromNow) {
  auto registry = policy::JsonWarrantRegistry::LoadFile(At("warrants/warrants.json"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  const auto now = std::chrono::system_clock::now();
  auto get = [&](const char* id) {
    auto w = (*registry)->Lookup(id);
    EXPECT_TRUE(w.ok() && w->has_value()) << id;
    return w.ok() && w->has_value() ? **w : policy::Warrant{};
  };
  policy::Warrant active = get("W-2026-0042");
  EXPECT_TRUE(active.signature_valid);
  EXPECT_EQ(active.status, "active");
  EXPECT_LT(active.issued_at, now);
  EXPECT_GT(active.expires_at, now);
  policy::Warrant expired = get("W-2026-0041");
  EXPECT_TRUE(expired.signature_valid);
  EXPECT_LT(expired.expires_at, now);
  EXPECT_EQ(get("W-2026-0043").status, "revoked");
  EXPECT_TRUE(get("W-2026-0043").signature_valid);
  EXPECT_TRUE(get("W-2026-0100").signature_valid);
  EXPECT_EQ(get("W-2026-0100").court, "mt-first-judicial-district");
  EXPECT_EQ(get("W-2026-0044").purposes, std::vector<std::string>{"missing_person"});
  EXPECT_FALSE(get("W-2026-0666").signature_valid) << "the forged warrant must not verify";
}

TEST_F(InitCliTest, LedgerOpensAndTheSummaryShowsItsVerifierKey) {
  auto ledger = ledger::Ledger::Open(ledger::LedgerPaths::InDirectory(At("ledger")));
  ASSERT_TRUE(ledger.ok()) << ledger.status().ToString();
  EXPECT_TRUE((*ledger)->verifier_key().starts_with("oversight.local/demo/ledger+"));
  EXPECT_NE(first_.output.find((*ledger)->verifier_key()), std::string::npos) << first_.output;
  EXPECT_NE(first_.output.find("oversight serve --config " + At("oversight.json")),
            std::string::npos);
  EXPECT_NE(first_.output.find("oversight matcher serve --config " + At("oversight.json")),
            std::string::npos);
}

TEST_F(InitCliTest, TheCopiedScenariosPassAgainstTheCopiedPack) {
  std::string cmd = std::string(OVERSIGHT_CLI_PATH) + " rules test " +
                    At("rules/baseline.scenarios.json") + " >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0) << cmd;
}

TEST_F(InitCliTest, NoSecretEverAppearsInTheOutput) {
  Result json_run = Init("--dir " + tmp_.File("other") + " --json");
  ASSERT_EQ(json_run.exit_code, 0) << json_run.all;
  for (const auto& [run, dir] : {std::pair{&first_, dir_}, {&json_run, tmp_.File("other")}}) {
    json doc = json::parse(Slurp(dir + "/principals.json"));
    for (const auto& [id, entry] : doc["access_keys"].items()) {
      EXPECT_EQ(run->all.find(entry["secret_access_key"].get<std::string>()), std::string::npos);
    }
    for (const char* key : {"tls/ca.key", "ledger/ledger.key", "gallery/gallery.key"}) {
      std::string body = Slurp(dir + "/" + key);
      EXPECT_EQ(run->all.find(body.substr(body.size() / 2, 24)), std::string::npos) << key;
    }
  }
}

TEST_F(InitCliTest, JsonSummaryPortAndRulesOptions) {
  const std::string other = tmp_.File("wa");
  Result r = Init("--dir " + other + " --port 9555 --rules wa-rcw-43-386 --json");
  ASSERT_EQ(r.exit_code, 0) << r.all;
  json out = json::parse(r.output);
  EXPECT_EQ(out["listen"], "127.0.0.1:9555");
  const std::string vkey = out["verifier_key"].get<std::string>();
  EXPECT_FALSE(vkey.empty());
  EXPECT_TRUE(Slurp(other + "/ledger/ledger.vkey").starts_with(vkey));
  EXPECT_EQ(out["next"].size(), 3u);
  auto c = proxy::LoadServeConfig(other + "/oversight.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_port, 9555);
  EXPECT_TRUE(c->rule_pack.ends_with("/rules/wa-rcw-43-386.json")) << c->rule_pack;
  EXPECT_NE(Mode(other + "/rules/wa-rcw-43-386.scenarios.json"), -1);
}

TEST_F(InitCliTest, UnknownRulePackFailsBeforeAnyKeyIsMade) {
  const std::string other = tmp_.File("bad");
  Result r = Init("--dir " + other + " --rules no-such-pack");
  EXPECT_EQ(r.exit_code, 2) << r.all;
  EXPECT_NE(r.all.find("--rules no-such-pack"), std::string::npos) << r.all;
  EXPECT_EQ(Mode(other + "/tls/ca.key"), -1);
}

TEST_F(InitCliTest, ASecondInitWithoutForceIsRefused) {
  const std::string before = Slurp(At("principals.json"));
  Result r = Init("--dir " + dir_);
  EXPECT_EQ(r.exit_code, 2) << r.all;
  EXPECT_NE(r.all.find("is not empty; use --force"), std::string::npos) << r.all;
  EXPECT_EQ(Slurp(At("principals.json")), before);
}

TEST_F(InitCliTest, ForceKeepsEveryKeyAndReSignsTheWarrants) {
  std::map<std::string, std::string> before;
  for (const std::string& f : kSecretFiles) before[f] = Slurp(At(f));
  before["tls/ca.pem"] = Slurp(At("tls/ca.pem"));
  before["ledger/ledger.vkey"] = Slurp(At("ledger/ledger.vkey"));
  ASSERT_EQ(::unlink(At("oversight.json").c_str()), 0);
  ASSERT_EQ(::unlink(At("records/records.key").c_str()), 0);  // a missing key is made anew
  Result r = Init("--dir " + dir_ + " --force");
  ASSERT_EQ(r.exit_code, 0) << r.all;
  for (const auto& [f, text] : before) {
    if (f == "records/records.key") continue;
    EXPECT_EQ(Slurp(At(f)), text) << f << " changed under --force";
  }
  EXPECT_NE(Slurp(At("records/records.key")), before["records/records.key"]);
  EXPECT_EQ(Mode(At("records/records.key")), 0600);
  EXPECT_NE(r.output.find("[kept: existed]"), std::string::npos) << r.output;
  EXPECT_TRUE(proxy::LoadServeConfig(At("oversight.json")).ok());
  auto registry = policy::JsonWarrantRegistry::LoadFile(At("warrants/warrants.json"));
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  auto w = (*registry)->Lookup("W-2026-0042");
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_TRUE((*w)->signature_valid) << "re-signed with the kept court key";
}

TEST_F(InitCliTest, ForceRefusesALoneSecretHalf) {
  ASSERT_EQ(::unlink(At("aws/credentials").c_str()), 0);
  Result r = Init("--dir " + dir_ + " --force");
  EXPECT_EQ(r.exit_code, 2) << r.all;
  EXPECT_NE(r.all.find("exists without its partner"), std::string::npos) << r.all;
}

}  // namespace
}  // namespace oversight
