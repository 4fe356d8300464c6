// The AWS CLI's credential sources, read without ever copying a secret into a message.
#include "oversight/proxy/aws_credentials.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cstdlib>

#include "oversight/common/key_file.h"

namespace oversight::proxy {
namespace {

constexpr std::size_t kMaxAwsFileBytes = 1 << 20;

std::string_view Trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Calls `fn(line_number, line)` for each line that is neither blank, a comment nor an indented
// continuation; stops early if `fn` returns a non-OK status.
template <typename Fn>
Status ForEachIniLine(std::string_view text, Fn fn) {
  int number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++number;
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    line = Trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    OVERSIGHT_RETURN_IF_ERROR(fn(number, line));
  }
  return Status::Ok();
}

// "[ name ]" -> "name"; nullopt if `line` is not a section header.
std::optional<std::string_view> SectionName(std::string_view line) {
  if (line.size() < 2 || line.front() != '[' || line.back() != ']') return std::nullopt;
  return Trim(line.substr(1, line.size() - 2));
}

std::string LineError(int line, const std::string& what) {
  return "line " + std::to_string(line) + ": " + what;
}

// The whole text of an AWS CLI file; wiped by the destructor since it may hold secrets.
struct FileText {
  std::string text;
  ~FileText() { OPENSSL_cleanse(text.data(), text.size()); }
};

std::string CredentialsFilePath(const EnvLookup& env) {
  if (auto path = env("AWS_SHARED_CREDENTIALS_FILE")) return *path;
  if (auto home = env("HOME")) return *home + "/.aws/credentials";
  return "";
}

std::string ConfigFilePath(const EnvLookup& env) {
  if (auto path = env("AWS_CONFIG_FILE")) return *path;
  if (auto home = env("HOME")) return *home + "/.aws/config";
  return "";
}

std::optional<std::string> LooseModeWarning(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return std::nullopt;
  return "warning: " + path + " holds secret keys but is readable by other users; chmod 600 " +
         path;
}

StatusOr<ClientCredentials> FromEnvironment(const EnvLookup& env) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!id || !secret) {
    return Status::InvalidArgument(
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  ClientCredentials c;
  c.access_key_id = *id;
  c.secret = SecretBytes(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(secret->data()), secret->size()));
  OPENSSL_cleanse(secret->data(), secret->size());
  c.session_token = env("AWS_SESSION_TOKEN").value_or("");
  c.source = "environment";
  return c;
}

StatusOr<CredentialResolution> FromFile(const EnvLookup& env, const std::string& profile) {
  const std::string path = CredentialsFilePath(env);
  if (path.empty()) {
    return Status::NotFound(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        "AWS_SHARED_CREDENTIALS_FILE (HOME is not set)");
  }
  FileText file;
  StatusOr<std::string> text = ReadSmallFile(path, kMaxAwsFileBytes);
  if (!text.ok()) {
    return Status::NotFound(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY, or create " +
        path +
        " (oversight init writes DIR/aws/credentials; point "
        "AWS_SHARED_CREDENTIALS_FILE at it): " +
        text.status().message());
  }
  file.text = std::move(*text);
  CredentialResolution r;
  OVERSIGHT_ASSIGN_OR_RETURN(r.credentials, ParseSharedCredentials(file.text, profile, path));
  r.warning = LooseModeWarning(path);
  return r;
}

// The profile's region from the config file, if it names one; a missing file is no error.
std::optional<std::string> ConfigRegion(const EnvLookup& env, const std::string& profile) {
  const std::string path = ConfigFilePath(env);
  if (path.empty()) return std::nullopt;
  StatusOr<std::string> text = ReadSmallFile(path, kMaxAwsFileBytes);
  if (!text.ok()) return std::nullopt;
  const std::string section = profile == "default" ? profile : "profile " + profile;
  auto region = FindIniValue(*text, section, "region");
  if (!region.ok() || !*region || (*region)->empty()) return std::nullopt;
  return std::string(**region);
}

}  // namespace

StatusOr<std::optional<std::string_view>> FindIniValue(std::string_view text,
                                                       std::string_view section,
                                                       std::string_view key) {
  bool inside = false, seen = false;
  std::optional<std::string_view> found;
  Status st = ForEachIniLine(text, [&](int n, std::string_view line) -> Status {
    if (auto name = SectionName(line)) {
      inside = *name == section;
      if (inside && seen) {
        return Status::InvalidArgument(
            LineError(n, "section [" + std::string(section) + "] appears twice"));
      }
      seen = seen || inside;
      return Status::Ok();
    }
    const std::size_t eq = line.find('=');
    if (!inside || eq == std::string_view::npos) return Status::Ok();
    if (!EqualsIgnoreCase(Trim(line.substr(0, eq)), key)) return Status::Ok();
    if (found) {
      return Status::InvalidArgument(
          LineError(n, std::string(key) + " appears twice in [" + std::string(section) + "]"));
    }
    found = Trim(line.substr(eq + 1));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return found;
}

bool HasIniSection(std::string_view text, std::string_view section) {
  bool has = false;
  Status st = ForEachIniLine(text, [&](int, std::string_view line) {
    if (auto name = SectionName(line)) has = has || *name == section;
    return Status::Ok();
  });
  return st.ok() && has;
}

StatusOr<ClientCredentials> ParseSharedCredentials(std::string_view text, std::string_view profile,
                                                   std::string_view file) {
  const std::string where = "profile " + std::string(profile) + " in " + std::string(file);
  if (!HasIniSection(text, profile)) {
    return Status::NotFound("no " + where + " (choose one with --profile or AWS_PROFILE)");
  }
  const auto value = [&](std::string_view key, bool required) -> StatusOr<std::string_view> {
    auto v = FindIniValue(text, profile, key);
    if (!v.ok()) return v.status().WithContext(std::string(file));
    if ((!*v || (*v)->empty()) && required) {
      return Status::InvalidArgument(where + " has no " + std::string(key));
    }
    return v->value_or(std::string_view());
  };
  ClientCredentials c;
  OVERSIGHT_ASSIGN_OR_RETURN(std::string_view id, value("aws_access_key_id", true));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string_view secret, value("aws_secret_access_key", true));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string_view token, value("aws_session_token", false));
  c.access_key_id = std::string(id);
  c.secret = SecretBytes(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
  c.session_token = std::string(token);
  c.source = where;
  return c;
}

EnvLookup ProcessEnvironment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

StatusOr<CredentialResolution> ResolveClientCredentials(const EnvLookup& env,
                                                        std::string_view profile) {
  const std::string name =
      !profile.empty() ? std::string(profile) : env("AWS_PROFILE").value_or("default");
  CredentialResolution r;
  if (profile.empty() && (env("AWS_ACCESS_KEY_ID") || env("AWS_SECRET_ACCESS_KEY"))) {
    OVERSIGHT_ASSIGN_OR_RETURN(r.credentials, FromEnvironment(env));
  } else {
    OVERSIGHT_ASSIGN_OR_RETURN(r, FromFile(env, name));
  }
  if (auto region = env("AWS_REGION")) {
    r.credentials.region = *region;
  } else if (auto default_region = env("AWS_DEFAULT_REGION")) {
    r.credentials.region = *default_region;
  } else if (auto configured = ConfigRegion(env, name)) {
    r.credentials.region = *configured;
  }
  return r;
}

}  // namespace oversight::proxy
