// HttpsCall: one blocking HTTPS request, for Oversight's own client commands (`oversight session
// start`) talking to the proxy. Not for the proxy's data path (see upstream.h for that).
//
// TLS: 1.2 or 1.3 only; the server certificate is verified against `ca_file` (or the system
// trust store when empty) and must name `host` (a DNS name in its SANs, or an IP literal in its
// IP SANs). With client_cert/client_key set, that certificate is presented (mutual TLS); the
// key file must be mode 0600/0400, like every key file.
//
// Signing: with credentials, the request is signed with SigV4 as an AWS SDK would (service
// "rekognition", the credentials' region) over host, x-amz-date and, when present,
// content-type, x-amz-target and every x-oversight-* header; X-Amz-Security-Token is added and
// signed for session credentials.
//
// One connection per call, closed afterwards ("Connection: close"). The whole call (resolve,
// connect, handshake, write, read) has one deadline. Thread-safe: no shared state.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "oversight/common/status.h"
#include "oversight/proxy/aws_credentials.h"
#include "oversight/proxy/http_types.h"

namespace oversight::proxy {

struct HttpsTarget {
  std::string host;  // DNS name or IP literal ("localhost", "127.0.0.1", "::1")
  std::uint16_t port = 443;
  std::string ca_file;  // PEM trust anchors; empty: the system's default trust store
  std::string client_cert, client_key;         // both or neither: PEM chain and key for mutual TLS
  std::chrono::milliseconds timeout{30'000};   // the whole call
  std::size_t max_response_bytes = 16u << 20;  // body limit; headers are limited to 64 KiB
};

// Sends `request` (method, path, query, headers, body; Host, Content-Length and Connection are
// set here) and returns the server's response, whatever its HTTP status. Errors:
//   Unavailable        cannot resolve or connect ("connection refused"), the connection broke,
//                      or the deadline passed ("timed out after N ms")
//   Unauthenticated    the server's certificate failed verification (the reason is named,
//                      e.g. "unable to get local issuer certificate", "hostname mismatch") or
//                      the server refused our TLS handshake (e.g. no client certificate)
//   ResourceExhausted  the response is over max_response_bytes
//   InvalidArgument    a bad target (empty host, port 0, unreadable CA or client cert/key) or
//                      a request that cannot be signed
//   Internal           the response is not HTTP/1.1
// `sign` may be null (an unsigned request); it is only read during the call.
StatusOr<Response> HttpsCall(const HttpsTarget& target, Request request,
                             const ClientCredentials* sign);

}  // namespace oversight::proxy
