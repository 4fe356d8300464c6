// The oversight.json adapter: the one place that reads the serve config with nlohmann_json.
// Its exceptions are caught here. Every refusal names the member path, because a config error
// is found by a person reading the message, not by a debugger.
#include "oversight/proxy/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "config_paths.h"
#include "oversight/common/key_file.h"

namespace oversight::proxy {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxConfigBytes = 1 << 20;
constexpr std::int64_t kDay = 24 * 3600;

// principal.agency_type's enum in the policy schema (docs/rules.md); checked here too so a
// typo fails at start rather than making every rule on agency_type silently not match.
constexpr std::array<std::string_view, 4> kAgencyTypes = {"law_enforcement", "motor_vehicles",
                                                          "other_government", "private"};

Status Bad(const std::string& member, std::string_view what) {
  return Status::InvalidArgument(member + ": " + std::string(what));
}

// One JSON object being read. Members are taken by name; Finish() refuses any member that was
// not taken, so a misspelt setting is an error instead of a silent fallback to the default.
class Obj {
 public:
  Obj(const json& value, std::string path) : value_(value), path_(std::move(path)) {}

  std::string Path(std::string_view name) const {
    return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  }
  const json* Take(std::string_view name) {
    taken_.emplace(name);
    auto it = value_.find(std::string(name));
    return it == value_.end() ? nullptr : &*it;
  }
  Status Finish() const {
    for (const auto& [name, unused] : value_.items()) {
      if (!taken_.contains(name)) return Bad(Path(name), "unknown member");
    }
    return Status::Ok();
  }

 private:
  const json& value_;
  std::string path_;
  std::set<std::string, std::less<>> taken_;
};

// Calls fn(section) if `parent` has the member `name`, which must then be an object.
template <typename Fn>
Status WithSection(Obj& parent, std::string_view name, Fn&& fn) {
  const json* v = parent.Take(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_object()) return Bad(parent.Path(name), "must be an object");
  Obj section(*v, parent.Path(name));
  OVERSIGHT_RETURN_IF_ERROR(fn(section));
  return section.Finish();
}

Status ReadString(Obj& o, std::string_view name, std::string* out) {
  const json* v = o.Take(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return Bad(o.Path(name), "must be a string");
  *out = v->get<std::string>();
  if (out->find('\0') != std::string::npos) return Bad(o.Path(name), "must not contain NUL");
  return Status::Ok();
}

// Integers only: 1.5 or "10" is refused rather than rounded or converted.
template <typename T>
Status ReadInt(Obj& o, std::string_view name, std::int64_t min, std::int64_t max, T* out) {
  const json* v = o.Take(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number_integer()) return Bad(o.Path(name), "must be an integer");
  const bool too_big = v->is_number_unsigned() &&
                       v->get<std::uint64_t>() > std::uint64_t{std::numeric_limits<int64_t>::max()};
  const std::int64_t n = too_big ? std::numeric_limits<int64_t>::max() : v->get<std::int64_t>();
  if (too_big || n < min || n > max) {
    return Bad(o.Path(name),
               "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = T(n);
  return Status::Ok();
}

Status ReadNumber(Obj& o, std::string_view name, double min, double max, double* out) {
  const json* v = o.Take(name);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return Bad(o.Path(name), "must be a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    return Bad(o.Path(name), "must be between " + json(min).dump() + " and " + json(max).dump());
  }
  *out = d;
  return Status::Ok();
}

// Reads this section's path members (config_paths.h) as written; resolved later.
Status ReadPaths(Obj& o, std::string_view section, ServeConfig* c) {
  for (const ConfigPath& p : kConfigPaths) {
    if (p.section != section) continue;
    std::string& value = c->*p.field;
    OVERSIGHT_RETURN_IF_ERROR(ReadString(o, p.name, &value));
    if (value.empty() && !p.may_be_empty) return Bad(o.Path(p.name), "must not be empty");
  }
  return Status::Ok();
}

Status ReadTls(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadPaths(o, "tls", c));
  std::string mode = c->client_certs_optional ? "optional" : "required";
  OVERSIGHT_RETURN_IF_ERROR(ReadString(o, "client_certs", &mode));
  if (mode != "required" && mode != "optional") {
    return Bad(o.Path("client_certs"), "must be \"required\" or \"optional\"");
  }
  c->client_certs_optional = mode == "optional";
  return Status::Ok();
}

Status ReadListen(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadString(o, "address", &c->listen_address));
  unsigned char addr[16];
  if (inet_pton(AF_INET, c->listen_address.c_str(), addr) != 1 &&
      inet_pton(AF_INET6, c->listen_address.c_str(), addr) != 1) {
    return Bad(o.Path("address"), "must be an IPv4 or IPv6 address (not a host name)");
  }
  return ReadInt(o, "port", 0, 65535, &c->listen_port);
}

Status ReadLedger(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadPaths(o, "ledger", c));
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "checkpoint_every_entries", 0,
                                    std::numeric_limits<std::int64_t>::max(),
                                    &c->checkpoint_every_entries));
  std::int64_t secs = c->checkpoint_every.count();
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "checkpoint_every_seconds", 0, 366 * kDay, &secs));
  c->checkpoint_every = std::chrono::seconds(secs);
  return Status::Ok();
}

Status ReadSigV4(Obj& o, ServeConfig* c) {
  if (const json* regions = o.Take("regions")) {
    const std::string path = o.Path("regions");
    if (!regions->is_array() || regions->empty()) {
      return Bad(path, "must be a non-empty array of region names");
    }
    c->sigv4_regions.clear();
    for (const json& r : *regions) {
      const bool valid =
          r.is_string() && !r.get_ref<const std::string&>().empty() &&
          std::all_of(r.get_ref<const std::string&>().begin(),
                      r.get_ref<const std::string&>().end(), [](char ch) {
                        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
                      });
      if (!valid) return Bad(path, "region " + r.dump() + " is not of the form us-east-1");
      c->sigv4_regions.push_back(r.get<std::string>());
    }
  }
  std::int64_t skew = c->max_skew.count();
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "max_skew_seconds", 1, 3600, &skew));
  c->max_skew = std::chrono::seconds(skew);
  return Status::Ok();
}

Status ReadRateLimit(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadNumber(o, "per_second", 0.001, 1e6, &c->rate_per_second));
  // A bucket smaller than one token would refuse every request.
  return ReadNumber(o, "burst", 1, 1e6, &c->rate_burst);
}

Status ReadMillis(Obj& o, std::string_view name, std::chrono::milliseconds* out) {
  std::int64_t ms = out->count();
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, name, 1, 3'600'000, &ms));
  *out = std::chrono::milliseconds(ms);
  return Status::Ok();
}

Status ReadLimits(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(
      ReadInt(o, "max_body_bytes", 1, std::int64_t{1} << 30, &c->max_body_bytes));
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "max_header_bytes", 1, 1 << 20, &c->max_header_bytes));
  OVERSIGHT_RETURN_IF_ERROR(ReadMillis(o, "read_timeout_ms", &c->read_timeout));
  OVERSIGHT_RETURN_IF_ERROR(ReadMillis(o, "write_timeout_ms", &c->write_timeout));
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "max_connections", 1, 1'000'000, &c->max_connections));
  return ReadInt(o, "worker_threads", 1, 256, &c->worker_threads);
}

Status ReadSeconds(Obj& o, std::string_view name, std::chrono::seconds* out) {
  std::int64_t s = out->count();
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, name, 1, 366 * kDay, &s));
  *out = std::chrono::seconds(s);
  return Status::Ok();
}

Status ReadSessions(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadSeconds(o, "max_duration_seconds", &c->session_max_duration));
  OVERSIGHT_RETURN_IF_ERROR(
      ReadSeconds(o, "default_duration_seconds", &c->session_default_duration));
  return Status::Ok();
}

Status ReadConsole(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadPaths(o, "console", c));
  std::int64_t hours = c->console_session.count();
  OVERSIGHT_RETURN_IF_ERROR(ReadInt(o, "session_hours", 1, 24, &hours));
  c->console_session = std::chrono::hours(hours);
  return Status::Ok();
}

Status ReadAgencyType(Obj& o, ServeConfig* c) {
  OVERSIGHT_RETURN_IF_ERROR(ReadString(o, "agency_type", &c->agency_type));
  if (std::find(kAgencyTypes.begin(), kAgencyTypes.end(), c->agency_type) == kAgencyTypes.end()) {
    return Bad("agency_type",
               "must be one of law_enforcement, motor_vehicles, other_government, private");
  }
  return Status::Ok();
}

Status ReadVersion(Obj& o) {
  const json* v = o.Take("version");
  if (v == nullptr) return Bad("version", "missing (this format is version 1)");
  if (!v->is_number_integer() || *v != 1) return Bad("version", "must be 1");
  return Status::Ok();
}

Status ReadAll(const json& root, ServeConfig* c) {
  if (!root.is_object()) return Status::InvalidArgument("the config must be a JSON object");
  Obj top(root, "");
  OVERSIGHT_RETURN_IF_ERROR(ReadVersion(top));
  auto paths_of = [c](std::string_view s) { return [c, s](Obj& o) { return ReadPaths(o, s, c); }; };
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "listen", [c](Obj& o) { return ReadListen(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "tls", [c](Obj& o) { return ReadTls(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(ReadPaths(top, "", c));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "ledger", [c](Obj& o) { return ReadLedger(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "rules", paths_of("rules")));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "matcher", paths_of("matcher")));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "records", paths_of("records")));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "sigv4", [c](Obj& o) { return ReadSigV4(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(
      WithSection(top, "rate_limit", [c](Obj& o) { return ReadRateLimit(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "limits", [c](Obj& o) { return ReadLimits(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(
      WithSection(top, "sessions", [c](Obj& o) { return ReadSessions(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(
      top, "purge", [c](Obj& o) { return ReadSeconds(o, "every_seconds", &c->purge_every); }));
  OVERSIGHT_RETURN_IF_ERROR(WithSection(top, "console", [c](Obj& o) { return ReadConsole(o, c); }));
  OVERSIGHT_RETURN_IF_ERROR(ReadAgencyType(top, c));
  OVERSIGHT_RETURN_IF_ERROR(top.Finish());
  if (c->session_default_duration > c->session_max_duration) {
    return Bad("sessions.default_duration_seconds", "must not exceed max_duration_seconds");
  }
  return Status::Ok();
}

// nlohmann keeps the last of duplicate members; refuse them instead, since two values for one
// setting is a mistake whichever one wins.
StatusOr<json> ParseRejectingDuplicates(const std::string& text) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto on_event = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open_objects.emplace_back();
    if (event == json::parse_event_t::object_end) open_objects.pop_back();
    if (event == json::parse_event_t::key && !open_objects.empty() &&
        !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    json doc = json::parse(text, on_event);
    if (!duplicate.empty()) return Bad(duplicate, "duplicate member");
    return doc;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  }
}

}  // namespace

StatusOr<ServeConfig> LoadServeConfig(const std::string& path) {
  StatusOr<std::string> text = ReadSmallFile(path, kMaxConfigBytes);
  if (!text.ok()) return text.status().WithContext("config");
  StatusOr<std::string> dir = AbsoluteParentDir(path);
  if (!dir.ok()) return dir.status().WithContext(path);
  StatusOr<json> doc = ParseRejectingDuplicates(*text);
  if (!doc.ok()) return doc.status().WithContext(path);
  ServeConfig c = DefaultServeConfigPaths();
  c.config_dir = *dir;
  Status st = ReadAll(*doc, &c);
  if (!st.ok()) return st.WithContext(path);
  ResolveServeConfigPaths(&c);
  return c;
}

}  // namespace oversight::proxy
