// Request and Response: the proxy's own HTTP values, free of Beast types.
//
// The server fills a Request from the wire and hands it to a handler; the handler returns a
// Response. Both are plain values (copyable, no references into connection state), so request
// handling is a pure function testable without a network.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oversight::proxy {

// Header names keep the case they arrived in; duplicates are kept in arrival order (SigV4
// joins repeated headers with commas, so they must not be merged early).
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "POST"
  std::string path;    // the request target before '?', still percent-encoded ("/")
  std::string query;   // the raw text after '?', empty if none
  HeaderList headers;
  std::string body;

  // Filled by the server, not taken from the client.
  std::string request_id;           // also sent back as x-amzn-RequestId
  std::string remote_address;       // "127.0.0.1:53122"
  std::string client_cert_subject;  // mutual TLS only: the verified peer's subject DN
  std::string client_cert_cn;       // ... and its one common name (empty if none or several)
};

struct Response {
  int status = 200;
  HeaderList headers;
  std::string body;
};

// ASCII case-insensitive comparison of header names.
bool HeaderNameEquals(std::string_view a, std::string_view b);

// All values of header `name` (any case), in arrival order.
std::vector<std::string_view> HeaderValues(const HeaderList& headers, std::string_view name);

// For headers that must appear exactly once: true and *value set if `name` appears once;
// false if it is absent or repeated.
bool SingleHeader(const HeaderList& headers, std::string_view name, std::string_view* value);

// Replaces every header called `name` with one header `name: value`.
void SetHeader(HeaderList& headers, std::string name, std::string value);

}  // namespace oversight::proxy
