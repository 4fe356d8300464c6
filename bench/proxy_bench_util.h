// What the proxy benchmarks share: reading their inputs and signing a Rekognition call the way
// an AWS SDK does, so that wrk's pre-signed script and the latency client send the same bytes.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/proxy/aws_credentials.h"
#include "oversight/proxy/http_types.h"

namespace oversight::bench {

using HeaderArgs = std::vector<std::pair<std::string, std::string>>;

// "Name: value" from a --header option, split at the first colon; an empty name if there is none.
std::pair<std::string, std::string> ParseHeaderArg(std::string_view arg);

// A long-term profile from an AWS shared credentials file.
StatusOr<proxy::ClientCredentials> LoadProfile(const std::string& file, const std::string& profile);

// POST / with X-Amz-Target RekognitionService.<target>, the body and the extra headers, signed
// at `when` over host, content type, target, date and every extra header.
StatusOr<proxy::Request> SignedRekognitionCall(const std::string& host, const std::string& target,
                                               const std::string& body, const HeaderArgs& headers,
                                               const proxy::ClientCredentials& creds,
                                               std::chrono::system_clock::time_point when);

}  // namespace oversight::bench
