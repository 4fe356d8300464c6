// HttpsCall over Beast and OpenSSL.
//
// Blocking by running asynchronous operations on a private io_context: Beast's tcp_stream
// applies one absolute deadline to every connect, read and write started after it is set
// (the handshake's included), which the synchronous API cannot do. Name resolution is
// synchronous (getaddrinfo cannot be cancelled anyway), so it is bounded by the system
// resolver; IP literals need none.
#include "oversight/proxy/https_client.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <exception>
#include <memory>

#include "oversight/common/clock.h"
#include "oversight/common/key_file.h"
#include "oversight/proxy/sigv4.h"

namespace oversight::proxy {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using beast::error_code;
using tcp = net::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

constexpr std::uint32_t kResponseHeaderLimit = 64 * 1024;
// The close_notify exchange is a courtesy; the response is complete by then.
constexpr std::chrono::milliseconds kShutdownGrace{500};

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// "host:port", "[::1]:port"; the Host header leaves out the default port, as browsers do.
std::string HostPort(const HttpsTarget& t, bool omit_default_port) {
  const bool v6 = t.host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + t.host + "]" : t.host;
  if (!omit_default_port || t.port != 443) out += ":" + std::to_string(t.port);
  return out;
}

Status OpenSslError(const std::string& what) {
  const unsigned long code = ERR_get_error();
  char buf[256] = "unknown error";
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return Status::InvalidArgument(what + ": " + buf);
}

Status LoadClientKey(SSL_CTX* ctx, const std::string& key_file) {
  StatusOr<SecretBytes> pem = ReadKeyFile(key_file);
  if (!pem.ok()) return pem.status().WithContext("TLS client key");
  BIO* bio = BIO_new_mem_buf(pem->view().data(), static_cast<int>(pem->size()));
  if (bio == nullptr) return OpenSslError("TLS client key buffer");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return OpenSslError("TLS client key " + key_file + " is not a PEM key");
  const int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return OpenSslError("TLS client key " + key_file + " does not match the certificate");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<ssl::context>> MakeClientContext(const HttpsTarget& t) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return OpenSslError("setting the minimum TLS version");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  const int loaded = t.ca_file.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx)
                         : SSL_CTX_load_verify_locations(ctx, t.ca_file.c_str(), nullptr);
  if (loaded != 1) return OpenSslError("CA file " + (t.ca_file.empty() ? "(system)" : t.ca_file));
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (t.client_cert.empty() != t.client_key.empty()) {
    return Status::InvalidArgument("a TLS client certificate needs its key, and a key its cert");
  }
  if (!t.client_cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, t.client_cert.c_str()) != 1) {
      return OpenSslError("TLS client certificate " + t.client_cert);
    }
    OVERSIGHT_RETURN_IF_ERROR(LoadClientKey(ctx, t.client_key));
  }
  return context;
}

// The headers an AWS SDK signs, plus the x-oversight-* context so it cannot be altered.
std::vector<std::string> HeadersToSign(const HeaderList& headers) {
  std::vector<std::string> names = {"host", "x-amz-date"};
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "content-type" || lower == "x-amz-target" || lower.starts_with("x-oversight-")) {
      names.push_back(std::move(lower));
    }
  }
  return names;
}

Status Sign(Request& request, const ClientCredentials& c) {
  SigningParams p;
  p.access_key_id = c.access_key_id;
  p.secret = &c.secret;
  p.region = c.region;
  p.session_token = c.session_token;
  p.time = SystemClock::Instance().Now();
  p.signed_headers = HeadersToSign(request.headers);
  return SignRequest(request, p);
}

// One connection's life: connect, handshake, exchange, close. Every wait runs the private
// io_context until the operation completes; tcp_stream's deadline completes it with
// error::timeout.
class Connection {
 public:
  Connection(const HttpsTarget& t, ssl::context& ctx)
      : target_(t), label_(HostPort(t, false)), stream_(ioc_, ctx) {}

  Status Connect() {
    error_code ec;
    tcp::resolver resolver(ioc_);
    auto endpoints = resolver.resolve(target_.host, std::to_string(target_.port), ec);
    if (ec) return Status::Unavailable("resolving " + target_.host + ": " + ec.message());
    Lowest().expires_at(deadline());
    ec = Run([&](auto done) { Lowest().async_connect(endpoints, std::move(done)); });
    return ec ? ErrorFor("connecting to", ec) : Status::Ok();
  }

  Status Handshake() {
    SSL* ssl = stream_.native_handle();
    // Name the server we expect: SNI and a hostname check for names, an IP SAN check for IPs.
    if (IsIpLiteral(target_.host)) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), target_.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, target_.host.c_str());
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(ssl, target_.host.c_str()) != 1) return OpenSslError("TLS host name");
    }
    error_code ec =
        Run([&](auto done) { stream_.async_handshake(ssl::stream_base::client, std::move(done)); });
    return ec ? ErrorFor("TLS handshake with", ec) : Status::Ok();
  }

  Status Write(const http::request<http::string_body>& message) {
    error_code ec = Run([&](auto done) { http::async_write(stream_, message, std::move(done)); });
    return ec ? ErrorFor("sending to", ec) : Status::Ok();
  }

  StatusOr<Response> Read() {
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kResponseHeaderLimit);
    parser.body_limit(target_.max_response_bytes);
    // Headers first, so a Content-Length over the limit is refused before the body is read.
    error_code ec =
        Run([&](auto done) { http::async_read_header(stream_, buffer, parser, std::move(done)); });
    if (!ec && !parser.is_done()) {
      ec = Run([&](auto done) { http::async_read(stream_, buffer, parser, std::move(done)); });
    }
    if (ec) return ErrorFor("reading from", ec);
    Response response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(parser.get().body());
    return response;
  }

  void Shutdown() {
    const auto grace = SteadyClock::now() + kShutdownGrace;
    Lowest().expires_at(std::min(grace, deadline()));
    (void)Run([&](auto done) { stream_.async_shutdown(std::move(done)); });
  }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }
  SteadyClock::time_point deadline() const { return start_ + target_.timeout; }

  // Starts one operation with a completion handler that records its error, then runs the
  // io_context until that handler has run.
  template <typename Start>
  error_code Run(Start start) {
    error_code result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  Status ErrorFor(const std::string& what, const error_code& ec) {
    const std::string where = what + " " + label_ + ": ";
    if (ec == beast::error::timeout) {
      return Status::Unavailable(where + "timed out after " +
                                 std::to_string(target_.timeout.count()) + " ms");
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow) {
      return Status::ResourceExhausted(where + "response exceeds the size limit (" +
                                       std::to_string(target_.max_response_bytes) + " bytes)");
    }
    if (ec.category() == net::error::get_ssl_category()) return TlsError(where, ec);
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Status::Internal(where + "response is not HTTP/1.1 (" + ec.message() + ")");
    }
    return Status::Unavailable(where + ec.message());
  }

  // A failed certificate check names OpenSSL's reason; anything else at the TLS layer (an
  // alert from the server, e.g. "certificate required") is refused authentication too.
  Status TlsError(const std::string& where, const error_code& ec) {
    const long verify = SSL_get_verify_result(stream_.native_handle());
    ERR_clear_error();
    if (verify != X509_V_OK) {
      return Status::Unauthenticated(
          where + "server certificate verify failed: " + X509_verify_cert_error_string(verify));
    }
    return Status::Unauthenticated(where + "TLS error: " + ec.message());
  }

  const HttpsTarget& target_;
  const std::string label_;
  const SteadyClock::time_point start_ = SteadyClock::now();
  net::io_context ioc_;
  beast::ssl_stream<beast::tcp_stream> stream_;
};

StatusOr<http::request<http::string_body>> ToBeast(Request request) {
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return Status::InvalidArgument("unknown HTTP method " + request.method);
  }
  std::string target = request.path.empty() ? "/" : request.path;
  if (!request.query.empty()) target += "?" + request.query;
  http::request<http::string_body> message{verb, target, 11};
  for (auto& [name, value] : request.headers) message.insert(name, value);
  message.keep_alive(false);
  message.body() = std::move(request.body);
  message.prepare_payload();
  return message;
}

StatusOr<Response> Exchange(const HttpsTarget& target, Request request,
                            const ClientCredentials* sign) {
  if (target.host.empty() || target.port == 0) {
    return Status::InvalidArgument("HTTPS target needs a host and a non-zero port");
  }
  if (target.timeout.count() <= 0 || target.max_response_bytes == 0) {
    return Status::InvalidArgument("HTTPS target needs a positive timeout and response limit");
  }
  SetHeader(request.headers, "Host", HostPort(target, true));
  if (sign != nullptr) OVERSIGHT_RETURN_IF_ERROR(Sign(request, *sign));
  OVERSIGHT_ASSIGN_OR_RETURN(auto message, ToBeast(std::move(request)));
  OVERSIGHT_ASSIGN_OR_RETURN(auto context, MakeClientContext(target));
  Connection conn(target, *context);
  OVERSIGHT_RETURN_IF_ERROR(conn.Connect());
  OVERSIGHT_RETURN_IF_ERROR(conn.Handshake());
  OVERSIGHT_RETURN_IF_ERROR(conn.Write(message));
  OVERSIGHT_ASSIGN_OR_RETURN(Response response, conn.Read());
  conn.Shutdown();
  return response;
}

}  // namespace

StatusOr<Response> HttpsCall(const HttpsTarget& target, Request request,
                             const ClientCredentials* sign) {
  // Asio and Beast report through error codes here, but allocation and a few setup calls can
  // still throw; nothing may escape to the caller.
  try {
    return Exchange(target, std::move(request), sign);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HTTPS call: ") + e.what());
  }
}

}  // namespace oversight::proxy
