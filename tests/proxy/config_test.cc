// oversight.json: defaults, every section, and the exact refusal for each kind of mistake.
#include "oversight/proxy/config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using testing::TempDir;

constexpr char kFull[] = R"({
  "version": 1,
  "listen": {"address": "::1", "port": 9443},
  "tls": {"cert": "certs/s.pem", "key": "certs/s.key", "client_ca": "certs/ca.pem",
          "client_certs": "optional"},
  "principals": "p.json",
  "ledger": {"dir": "led", "checkpoint_every_entries": 50, "checkpoint_every_seconds": 0},
  "rules": {"pack": "/etc/oversight/pack.json", "warrants": ""},
  "matcher": {"socket": "/run/m.sock", "gallery": "g/g.db", "gallery_key": "g/g.key",
              "models": "../models"},
  "records": {"db": "r/r.db", "key": "r/r.key"},
  "sigv4": {"regions": ["us-east-1", "eu-west-2"], "max_skew_seconds": 120},
  "rate_limit": {"per_second": 2.5, "burst": 5},
  "limits": {"max_body_bytes": 1048576, "max_header_bytes": 8192, "read_timeout_ms": 5000,
             "write_timeout_ms": 6000, "max_connections": 64, "worker_threads": 8},
  "sessions": {"max_duration_seconds": 7200, "default_duration_seconds": 900},
  "purge": {"every_seconds": 600},
  "console": {"key": "c/console.key", "session_hours": 2},
  "agency_type": "motor_vehicles"
})";

class ConfigTest : public ::testing::Test {
 protected:
  // Writes `text` as oversight.json in the temp dir and loads it.
  StatusOr<ServeConfig> Load(const std::string& text) {
    return LoadServeConfig(tmp_.Write("oversight.json", text));
  }
  // The message of a refused config (fails the test if it loaded).
  std::string Refusal(const std::string& text) {
    auto c = Load(text);
    EXPECT_FALSE(c.ok()) << text;
    if (c.ok()) return "";
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status().ToString();
    return c.status().message();
  }
  std::string Dir() const { return std::filesystem::path(tmp_.path()).lexically_normal().string(); }
  TempDir tmp_;
};

TEST_F(ConfigTest, VersionAloneGivesTheDocumentedDefaults) {
  auto c = Load(R"({"version": 1})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config_dir, Dir());
  EXPECT_EQ(c->listen_address, "127.0.0.1");
  EXPECT_EQ(c->listen_port, 8443);
  EXPECT_EQ(c->tls_cert, Dir() + "/tls/server.pem");
  EXPECT_EQ(c->tls_key, Dir() + "/tls/server.key");
  EXPECT_EQ(c->tls_client_ca, "");
  EXPECT_EQ(c->principals_file, Dir() + "/principals.json");
  EXPECT_EQ(c->ledger_dir, Dir() + "/ledger");
  EXPECT_EQ(c->checkpoint_every_entries, 1000u);
  EXPECT_EQ(c->checkpoint_every, std::chrono::seconds(60));
  EXPECT_EQ(c->rule_pack, Dir() + "/rules/baseline.json");
  EXPECT_EQ(c->warrants_file, Dir() + "/warrants/warrants.json");
  EXPECT_EQ(c->matcher_socket, Dir() + "/run/matcher.sock");
  EXPECT_EQ(c->gallery_db, Dir() + "/gallery/gallery.db");
  EXPECT_EQ(c->gallery_key, Dir() + "/gallery/gallery.key");
  EXPECT_EQ(c->models_dir, "");
  EXPECT_EQ(c->records_db, Dir() + "/records/records.db");
  EXPECT_EQ(c->records_key, Dir() + "/records/records.key");
  EXPECT_EQ(c->sigv4_regions, std::vector<std::string>{"us-east-1"});
  EXPECT_EQ(c->max_skew, std::chrono::seconds(300));
  EXPECT_EQ(c->rate_per_second, 10);
  EXPECT_EQ(c->rate_burst, 20);
  EXPECT_EQ(c->max_body_bytes, 8u << 20);
  EXPECT_EQ(c->max_header_bytes, 16u << 10);
  EXPECT_EQ(c->read_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(c->write_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(c->max_connections, 512u);
  EXPECT_EQ(c->worker_threads, 16);
  EXPECT_EQ(c->session_max_duration, std::chrono::hours(12));
  EXPECT_EQ(c->session_default_duration, std::chrono::hours(1));
  EXPECT_EQ(c->purge_every, std::chrono::hours(1));
  EXPECT_EQ(c->agency_type, "law_enforcement");
}

TEST_F(ConfigTest, EverySectionIsParsed) {
  auto c = Load(kFull);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->listen_address, "::1");
  EXPECT_EQ(c->listen_port, 9443);
  EXPECT_EQ(c->tls_cert, Dir() + "/certs/s.pem");
  EXPECT_EQ(c->tls_key, Dir() + "/certs/s.key");
  EXPECT_EQ(c->tls_client_ca, Dir() + "/certs/ca.pem");
  EXPECT_EQ(c->principals_file, Dir() + "/p.json");
  EXPECT_EQ(c->ledger_dir, Dir() + "/led");
  EXPECT_EQ(c->checkpoint_every_entries, 50u);
  EXPECT_EQ(c->checkpoint_every, std::chrono::seconds(0));
  EXPECT_EQ(c->rule_pack, "/etc/oversight/pack.json");
  EXPECT_EQ(c->warrants_file, "");  // explicitly no registry
  EXPECT_EQ(c->matcher_socket, "/run/m.sock");
  EXPECT_EQ(c->gallery_db, Dir() + "/g/g.db");
  EXPECT_EQ(c->gallery_key, Dir() + "/g/g.key");
  EXPECT_EQ(c->models_dir, std::filesystem::path(Dir()).parent_path().string() + "/models");
  EXPECT_EQ(c->records_db, Dir() + "/r/r.db");
  EXPECT_EQ(c->records_key, Dir() + "/r/r.key");
  EXPECT_EQ(c->sigv4_regions, (std::vector<std::string>{"us-east-1", "eu-west-2"}));
  EXPECT_EQ(c->max_skew, std::chrono::seconds(120));
  EXPECT_EQ(c->rate_per_second, 2.5);
  EXPECT_EQ(c->rate_burst, 5);
  EXPECT_EQ(c->max_body_bytes, 1048576u);
  EXPECT_EQ(c->max_header_bytes, 8192u);
  EXPECT_EQ(c->read_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c->write_timeout, std::chrono::milliseconds(6000));
  EXPECT_EQ(c->max_connections, 64u);
  EXPECT_EQ(c->worker_threads, 8);
  EXPECT_EQ(c->session_max_duration, std::chrono::seconds(7200));
  EXPECT_EQ(c->session_default_duration, std::chrono::seconds(900));
  EXPECT_EQ(c->purge_every, std::chrono::seconds(600));
  EXPECT_EQ(c->agency_type, "motor_vehicles");
  EXPECT_TRUE(c->client_certs_optional);
  EXPECT_EQ(c->console_key, Dir() + "/c/console.key");
  EXPECT_EQ(c->console_session, std::chrono::hours(2));
}

TEST_F(ConfigTest, ClientCertificatesAreRequiredOrOptionalAndConsoleSessionsAtMostADay) {
  EXPECT_NE(
      Refusal(R"({"version": 1, "tls": {"client_certs": "sometimes"}})").find("tls.client_certs"),
      std::string::npos);
  EXPECT_NE(
      Refusal(R"({"version": 1, "console": {"session_hours": 25}})").find("console.session_hours"),
      std::string::npos);
  auto defaults = Load(R"({"version": 1})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults->client_certs_optional);
  EXPECT_EQ(defaults->console_key, "");
}

TEST_F(ConfigTest, RelativePathsResolveAgainstTheConfigFilesDirectoryNotTheWorkingDirectory) {
  std::filesystem::create_directories(tmp_.File("sub"));
  std::string path = tmp_.File("sub/oversight.json");
  tmp_.Write("sub/oversight.json", R"({"version": 1, "principals": "./a/../p.json",
                                       "ledger": {"dir": "../shared-ledger"}})");
  auto c = LoadServeConfig(path);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->config_dir, Dir() + "/sub");
  EXPECT_EQ(c->principals_file, Dir() + "/sub/p.json");
  EXPECT_EQ(c->ledger_dir, Dir() + "/shared-ledger");
  EXPECT_TRUE(std::filesystem::path(c->rule_pack).is_absolute());
}

TEST_F(ConfigTest, UnknownMembersAreRefusedWithTheirPath) {
  EXPECT_EQ(Refusal(R"({"version": 1, "limits": {"max_conections": 5}})"),
            tmp_.File("oversight.json") + ": limits.max_conections: unknown member");
  EXPECT_NE(Refusal(R"({"version": 1, "listn": {}})").find("listn: unknown member"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "tls": {"cert": "a", "ca": "b"}})").find("tls.ca: unknown"),
            std::string::npos);
}

TEST_F(ConfigTest, WrongTypesAreRefused) {
  EXPECT_NE(Refusal(R"({"version": 1, "listen": {"port": "8443"}})")
                .find("listen.port: must be an integer"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "limits": {"worker_threads": 2.5}})")
                .find("limits.worker_threads: must be an integer"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "tls": {"cert": 7}})").find("tls.cert: must be a string"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "limits": []})").find("limits: must be an object"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "rate_limit": {"burst": true}})")
                .find("rate_limit.burst: must be a number"),
            std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1, "sigv4": {"regions": "us-east-1"}})")
                .find("sigv4.regions: must be a non-empty array"),
            std::string::npos);
  EXPECT_NE(Refusal("[1]").find("must be a JSON object"), std::string::npos);
}

TEST_F(ConfigTest, OutOfRangeValuesAreRefused) {
  struct Case {
    const char* json;
    const char* message;
  } cases[] = {
      {R"("listen": {"port": 65536})", "listen.port: must be between 0 and 65535"},
      {R"("listen": {"port": -1})", "listen.port: must be between 0 and 65535"},
      {R"("listen": {"address": "localhost"})", "listen.address: must be an IPv4 or IPv6"},
      {R"("limits": {"worker_threads": 0})", "limits.worker_threads: must be between 1 and 256"},
      {R"("limits": {"worker_threads": 257})", "limits.worker_threads: must be between 1 and 256"},
      {R"("limits": {"max_connections": 0})", "limits.max_connections: must be between 1"},
      {R"("limits": {"max_body_bytes": 0})", "limits.max_body_bytes: must be between 1"},
      {R"("limits": {"read_timeout_ms": 0})", "limits.read_timeout_ms: must be between 1"},
      {R"("sigv4": {"regions": []})", "sigv4.regions: must be a non-empty array"},
      {R"("sigv4": {"regions": ["US East"]})", "sigv4.regions: region \"US East\""},
      {R"("sigv4": {"max_skew_seconds": 0})", "sigv4.max_skew_seconds: must be between 1"},
      {R"("rate_limit": {"per_second": 0})", "rate_limit.per_second: must be between"},
      {R"("rate_limit": {"burst": 0.5})", "rate_limit.burst: must be between"},
      {R"("sessions": {"default_duration_seconds": 90000})",
       "sessions.default_duration_seconds: must not exceed max_duration_seconds"},
      {R"("purge": {"every_seconds": 0})", "purge.every_seconds: must be between 1"},
      {R"("tls": {"cert": ""})", "tls.cert: must not be empty"},
      {R"("agency_type": "police")", "agency_type: must be one of"},
      {R"("ledger": {"checkpoint_every_entries": 18446744073709551615})",
       "ledger.checkpoint_every_entries: must be between 0"},
  };
  for (const Case& c : cases) {
    std::string text = std::string(R"({"version": 1, )") + c.json + "}";
    EXPECT_NE(Refusal(text).find(c.message), std::string::npos) << text;
  }
}

TEST_F(ConfigTest, VersionIsRequiredAndMustBeOne) {
  EXPECT_NE(Refusal("{}").find("version: missing"), std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 2})").find("version: must be 1"), std::string::npos);
}

TEST_F(ConfigTest, DuplicateMembersAndMalformedJsonAreRefused) {
  EXPECT_NE(
      Refusal(R"({"version": 1, "listen": {"port": 1, "port": 2}})").find("port: duplicate member"),
      std::string::npos);
  EXPECT_NE(Refusal(R"({"version": 1,)").find("malformed JSON"), std::string::npos);
}

TEST_F(ConfigTest, MissingFileIsNotFound) {
  auto c = LoadServeConfig(tmp_.File("absent.json"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST_F(ConfigTest, ToJsonWritesPathsRelativeToTheConfigDirectoryWhenInsideIt) {
  auto c = Load(kFull);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::string text = ServeConfigToJson(*c);
  EXPECT_NE(text.find(R"("cert": "certs/s.pem")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("pack": "/etc/oversight/pack.json")"), std::string::npos) << text;
  EXPECT_EQ(text.find(Dir()), std::string::npos) << "no absolute path inside the dir: " << text;
}

TEST_F(ConfigTest, ToJsonRoundTripsEveryMember) {
  auto first = Load(kFull);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::string text = ServeConfigToJson(*first);
  auto second = Load(text);
  ASSERT_TRUE(second.ok()) << second.status().ToString() << "\n" << text;
  EXPECT_EQ(ServeConfigToJson(*second), text);
  EXPECT_EQ(second->models_dir, first->models_dir);
  EXPECT_EQ(second->tls_client_ca, first->tls_client_ca);
  EXPECT_EQ(second->warrants_file, "");
  EXPECT_EQ(second->rate_per_second, 2.5);
  EXPECT_EQ(second->sigv4_regions, first->sigv4_regions);
  EXPECT_EQ(second->read_timeout, first->read_timeout);
  EXPECT_EQ(second->client_certs_optional, true);
  EXPECT_EQ(second->console_key, first->console_key);
  EXPECT_EQ(second->console_session, first->console_session);
}

TEST_F(ConfigTest, DefaultsRoundTripToo) {
  auto first = Load(R"({"version": 1})");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Load(ServeConfigToJson(*first));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(ServeConfigToJson(*second), ServeConfigToJson(*first));
  EXPECT_EQ(second->ledger_dir, first->ledger_dir);
}

}  // namespace
}  // namespace oversight::proxy
