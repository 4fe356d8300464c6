// A caller's own AWS credentials, found the way the AWS CLI finds them, for Oversight's client
// commands (`oversight session start`) that sign requests to the proxy.
//
// Order: an explicit profile (--profile) reads the shared credentials file; otherwise
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN) if both are set;
// otherwise the file's profile AWS_PROFILE, else "default". This is botocore's order: an
// explicit profile beats the environment, AWS_PROFILE does not. The file is
// AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials. The region is AWS_REGION, else
// AWS_DEFAULT_REGION, else the profile's `region` in the config file (AWS_CONFIG_FILE, else
// $HOME/.aws/config), else us-east-1.
//
// Secrets: the secret key is held in SecretBytes; error messages name files, profiles and
// line numbers, never a value. The environment is injected so tests need not set it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight::proxy {

struct ClientCredentials {
  std::string access_key_id;
  SecretBytes secret;
  std::string session_token;  // empty for long-term keys
  std::string region = "us-east-1";
  std::string source;  // where they came from, for messages: "environment", "profile x in FILE"
};

// The value of `key` in INI section `section` of `text`, as the AWS CLI's files are written:
// "[section]" headers (spaces inside the brackets ignored), "key = value" lines (key
// case-insensitive, value trimmed), full-line comments starting '#' or ';', indented lines
// continuing a nested value (skipped). nullopt if the section or key is absent.
// InvalidArgument, naming the line, if the section appears twice or repeats the key: an
// ambiguous credentials file must not silently pick one.
StatusOr<std::optional<std::string_view>> FindIniValue(std::string_view text,
                                                       std::string_view section,
                                                       std::string_view key);

// True if `text` has a section named `section`.
bool HasIniSection(std::string_view text, std::string_view section);

// Credentials of `profile` from shared-credentials text (aws_access_key_id,
// aws_secret_access_key, optional aws_session_token). `file` only names the source in
// messages. NotFound if the profile is absent; InvalidArgument if a key is missing or empty.
StatusOr<ClientCredentials> ParseSharedCredentials(std::string_view text, std::string_view profile,
                                                   std::string_view file);

// Returns an environment variable's value; nullopt when unset or empty.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup ProcessEnvironment();

struct CredentialResolution {
  ClientCredentials credentials;
  // Set when the credentials file is readable by group or others (the AWS CLI accepts such a
  // file, so we read it, but the caller should say so and suggest chmod 600).
  std::optional<std::string> warning;
};

// Resolves credentials in the order above. `profile` is the --profile flag (empty: none).
StatusOr<CredentialResolution> ResolveClientCredentials(const EnvLookup& env,
                                                        std::string_view profile);

}  // namespace oversight::proxy
