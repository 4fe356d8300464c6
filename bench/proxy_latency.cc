// proxy_latency: the time one allowed search takes through `oversight serve` next to the time
// the matcher alone takes for the same call, measured side by side in one run.
//
// Both sides run one request at a time on a kept-alive connection: the matcher through the
// proxy's own pooled Unix-socket client (proxy/upstream.h, the path the proxy itself uses) and
// the proxy over TLS with a fresh SigV4 signature per request (signed before the clock starts,
// as an SDK signs before it sends). Blocks of --block requests alternate between the two so
// that the machine's noise falls on both alike. Every reply must be a 200 (a search the rules
// allowed); the proxy's must carry a receipt.
//
//   proxy_latency --socket MATCHER_SOCKET --port PROXY_PORT --ca CA_PEM --credentials FILE
//                 --profile NAME --body FILE [--header "Name: value"]... [--requests N]
//                 [--block B] [--target OPERATION]
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "oversight/common/key_file.h"
#include "oversight/proxy/upstream.h"
#include "proxy_bench_util.h"

namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string socket, ca, credentials, profile, body_file, target = "SearchFacesByImage";
  std::uint16_t port = 0;
  oversight::bench::HeaderArgs headers;
  int requests = 300, block = 20;
};

[[noreturn]] void Fail(const std::string& why) {
  std::cerr << "proxy_latency: " << why << "\n";
  std::exit(1);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--socket")
      a.socket = value;
    else if (flag == "--port")
      a.port = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--ca")
      a.ca = value;
    else if (flag == "--credentials")
      a.credentials = value;
    else if (flag == "--profile")
      a.profile = value;
    else if (flag == "--body")
      a.body_file = value;
    else if (flag == "--target")
      a.target = value;
    else if (flag == "--requests")
      a.requests = std::stoi(value);
    else if (flag == "--block")
      a.block = std::stoi(value);
    else if (flag == "--header") {
      a.headers.push_back(oversight::bench::ParseHeaderArg(value));
      if (a.headers.back().first.empty()) Fail("--header wants 'Name: value'");
    } else {
      Fail("unknown option " + flag + " (see the comment at the top of bench/proxy_latency.cc)");
    }
  }
  if (a.socket.empty() || a.port == 0 || a.ca.empty() || a.credentials.empty() ||
      a.profile.empty() || a.body_file.empty() || a.requests < 1 || a.block < 1) {
    Fail("missing options (see the comment at the top of bench/proxy_latency.cc)");
  }
  return a;
}

// One kept-alive TLS connection to the proxy, verifying its certificate as "localhost".
class ProxyClient {
 public:
  ProxyClient(const Args& a, const oversight::proxy::ClientCredentials& creds)
      : args_(a), creds_(creds), tls_(ssl::context::tls_client), stream_(io_, tls_) {
    tls_.load_verify_file(a.ca);
    stream_.set_verify_mode(ssl::verify_peer);
    stream_.set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");
    net::ip::tcp::endpoint ep(net::ip::make_address("127.0.0.1"), a.port);
    beast::get_lowest_layer(stream_).connect(ep);
    // As curl, botocore (urllib3) and the AWS SDKs do: without it, Nagle's algorithm holds
    // each 16 KB TLS record of the request until the last is acknowledged, and the server's
    // delayed acknowledgement turns that into an occasional 40 ms stall of the client's own.
    beast::get_lowest_layer(stream_).socket().set_option(net::ip::tcp::no_delay(true));
    stream_.handshake(ssl::stream_base::client);
  }

  // Signs (untimed), then sends and reads one call; returns the seconds the exchange took.
  double Call(const std::string& body, std::string* reply) {
    http::request<http::string_body> req{http::verb::post, "/", 11};
    for (const auto& [name, value] : Signed(body).headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    auto start = Clock::now();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    double seconds = oversight::bench::SecondsSince(start);
    if (res.result_int() != 200 || res.find("X-Oversight-Receipt") == res.end()) {
      Fail("the proxy answered " + std::to_string(res.result_int()) + ": " + res.body());
    }
    *reply = std::move(res.body());
    return seconds;
  }

 private:
  oversight::proxy::Request Signed(const std::string& body) {
    auto r = oversight::bench::SignedRekognitionCall("localhost:" + std::to_string(args_.port),
                                                     args_.target, body, args_.headers, creds_,
                                                     std::chrono::system_clock::now());
    if (!r.ok()) Fail(r.status().ToString());
    return std::move(*r);
  }

  const Args& args_;
  const oversight::proxy::ClientCredentials& creds_;
  net::io_context io_;
  ssl::context tls_;
  beast::ssl_stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
};

double MatcherCall(oversight::proxy::Upstream& matcher, const Args& a, const std::string& body,
                   std::string* reply) {
  auto start = Clock::now();
  auto r = matcher.Call(a.target, body, "bench");
  double seconds = oversight::bench::SecondsSince(start);
  if (!r.ok()) Fail("matcher: " + r.status().ToString());
  if (r->http_status != 200) Fail("matcher answered " + std::to_string(r->http_status) + r->body);
  *reply = std::move(r->body);
  return seconds;
}

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

void Report(const char* name, const std::vector<double>& s) {
  std::printf("%-28s n=%zu  p50 %.2f ms  p99 %.2f ms\n", name, s.size(), 1e3 * Percentile(s, .5),
              1e3 * Percentile(s, .99));
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  auto creds = oversight::bench::LoadProfile(a.credentials, a.profile);
  if (!creds.ok()) Fail(creds.status().ToString());
  auto read = oversight::ReadSmallFile(a.body_file);
  if (!read.ok()) Fail(read.status().ToString());
  const std::string body = std::move(*read);
  auto matcher = oversight::proxy::MakeUnixUpstream({.socket_path = a.socket});
  if (!matcher.ok()) Fail(matcher.status().ToString());
  ProxyClient proxy(a, *creds);

  std::string reply;
  for (int i = 0; i < 5; ++i) {  // warm both paths: connections, caches, the nets' buffers
    MatcherCall(**matcher, a, body, &reply);
    proxy.Call(body, &reply);
  }
  if (reply.find("\"FaceMatches\":[{") == std::string::npos) {
    Fail(
        "the proxy's reply has no match; the bench wants an allowed search that finds its "
        "face: " +
        reply.substr(0, 400));
  }
  std::vector<double> direct, through;
  while (static_cast<int>(direct.size()) < a.requests) {
    for (int i = 0; i < a.block; ++i) direct.push_back(MatcherCall(**matcher, a, body, &reply));
    for (int i = 0; i < a.block; ++i) through.push_back(proxy.Call(body, &reply));
  }
  std::printf("%s\n", oversight::bench::MachineDescription().c_str());
  Report("matcher alone (Unix socket)", direct);
  Report("through oversight serve", through);
  std::printf("p50 ratio proxy/matcher: %.3f (goal <= 1.15)\n",
              Percentile(through, .5) / Percentile(direct, .5));
  return 0;
}
