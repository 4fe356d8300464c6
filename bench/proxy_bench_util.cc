#include "proxy_bench_util.h"

#include <algorithm>
#include <cctype>

#include "oversight/common/key_file.h"
#include "oversight/proxy/sigv4.h"

namespace oversight::bench {

std::pair<std::string, std::string> ParseHeaderArg(std::string_view arg) {
  const auto colon = arg.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view value = arg.substr(colon + 1);
  value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
  return {std::string(arg.substr(0, colon)), std::string(value)};
}

StatusOr<proxy::ClientCredentials> LoadProfile(const std::string& file,
                                               const std::string& profile) {
  OVERSIGHT_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(file));
  return proxy::ParseSharedCredentials(text, profile, file);
}

StatusOr<proxy::Request> SignedRekognitionCall(const std::string& host, const std::string& target,
                                               const std::string& body, const HeaderArgs& headers,
                                               const proxy::ClientCredentials& creds,
                                               std::chrono::system_clock::time_point when) {
  proxy::Request r;
  r.method = "POST";
  r.path = "/";
  r.body = body;
  r.headers = {{"Host", host},
               {"Content-Type", "application/x-amz-json-1.1"},
               {"X-Amz-Target", "RekognitionService." + target}};
  proxy::SigningParams p;
  p.access_key_id = creds.access_key_id;
  p.secret = &creds.secret;
  p.region = creds.region;
  p.session_token = creds.session_token;
  p.time = when;
  for (const auto& [name, value] : headers) {
    r.headers.emplace_back(name, value);
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    p.signed_headers.push_back(std::move(lower));
  }
  OVERSIGHT_RETURN_IF_ERROR(proxy::SignRequest(r, p));
  return r;
}

}  // namespace oversight::bench
