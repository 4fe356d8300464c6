// The per-connection state machine: handshake -> (read -> handle on pool -> write)* -> shutdown.
// Every step sets a deadline first; every completion handler starts with its error check.
// One template serves both transports: TLS over TCP (tls_socket.h: with handshake, peer
// certificate and TLS shutdown) and plain HTTP over a Unix socket (none of those).
#include "session.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <type_traits>

#include "oversight/proxy/aws_error.h"

namespace oversight::proxy {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using beast::error_code;

constexpr std::chrono::seconds kShutdownTimeout{5};

std::string PeerSubject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio != nullptr &&
      X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<std::size_t>(n));
  }
  BIO_free(bio);
  X509_free(cert);
  return out;
}

// The certificate's common name if it has exactly one; a name with several is ambiguous.
std::string PeerCommonName(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  std::string out;
  X509_NAME* name = X509_get_subject_name(cert);
  const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (i >= 0 && X509_NAME_get_index_by_NID(name, NID_commonName, i) < 0) {
    ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, value);
    if (n > 0) out.assign(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return out;
}

// Calls the handler so that the request is answered exactly once whatever it does: an
// exception must not escape into the pool thread (the client gets a fault instead), and an
// answer after that fault is dropped.
void CallHandler(const AsyncHandler& handler, Request request, Respond respond) {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Respond once = [answered, respond = std::move(respond)](Response response) {
    if (!answered->exchange(true)) respond(std::move(response));
  };
  const std::string request_id = request.request_id;
  try {
    handler(std::move(request), once);
  } catch (...) {
    once(MakeErrorResponse({ErrorType::kInternalServerError, "internal error"}, request_id));
  }
}

bool IsValidHeader(const std::string& name, const std::string& value) {
  // The server frames the message itself, so handlers may not set these.
  for (std::string_view framing : {"content-length", "transfer-encoding", "connection"}) {
    if (HeaderNameEquals(name, framing)) return false;
  }
  return !name.empty() &&
         name.find_first_of(std::string_view(":\r\n \t\0", 6)) == std::string::npos &&
         value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

// A handler's response is checked off the I/O thread: a bad status would make Beast throw in a
// completion handler and a CR/LF in a header would split the response. Either becomes a 500.
Response Finalize(Response response, const std::string& request_id) {
  bool valid = response.status >= 100 && response.status <= 599;
  bool has_id = false;
  for (const auto& [name, value] : response.headers) {
    valid = valid && IsValidHeader(name, value);
    has_id = has_id || HeaderNameEquals(name, "x-amzn-RequestId");
  }
  if (!valid) {
    return MakeErrorResponse({ErrorType::kInternalServerError, "internal error"}, request_id);
  }
  if (!has_id) response.headers.emplace_back("x-amzn-RequestId", request_id);
  return response;
}

std::string RemoteAddress(const TcpSocket& socket) {
  error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// A Unix peer has no useful address (clients rarely bind a path); say which transport it was.
std::string RemoteAddress(const UnixSocket&) { return "unix"; }

using Clock = std::chrono::steady_clock;
using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, IoExecutor>;

template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<Session<Stream>>::weak_from_this;
  // A TLS stream holds an SSL object and cannot move; a Unix socket is held by value.
  using Holder = std::conditional_t<kTls, std::unique_ptr<TlsSocket>, UnixSocket>;

 public:
  Session(Holder stream, std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), holder_(std::move(stream)), timer_(Socket().get_executor()) {}
  ~Session() { state_->connections.fetch_sub(1); }

  void Run() {
    net::dispatch(Socket().get_executor(),
                  beast::bind_front_handler(&Session::Start, shared_from_this()));
  }

 private:
  Stream& stream() {
    if constexpr (kTls) {
      return *holder_;
    } else {
      return holder_;
    }
  }
  auto& Socket() {
    if constexpr (kTls) {
      return holder_->socket();
    } else {
      return holder_;
    }
  }
  const SessionLimits& Limits() const { return state_->limits; }

  // Deadlines. One timer per connection, re-armed only when a deadline moves earlier than
  // the time it is set for: most steps only move the deadline later, and when the timer fires
  // early it finds the new deadline and sleeps again. Re-arming on every step cost a timer
  // syscall per step.
  void SetDeadline(std::chrono::milliseconds after) {
    deadline_ = Clock::now() + after;
    if (timer_armed_ && timer_.expiry() <= deadline_) return;
    ArmTimer();
  }
  // While the handler runs there is no deadline: the answer must still be written.
  void ClearDeadline() { deadline_ = Clock::time_point::max(); }
  void ArmTimer() {
    timer_armed_ = true;
    timer_.expires_at(deadline_);  // a wait in progress completes with operation_aborted
    timer_.async_wait([weak = weak_from_this()](error_code ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->OnTimer();
    });
  }
  void OnTimer() {
    timer_armed_ = false;
    if (deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) return ArmTimer();
    ClearDeadline();
    // The operation in progress completes with operation_aborted and the session ends.
    if constexpr (kTls) {
      holder_->cancel();
    } else {
      error_code ignored;
      holder_.close(ignored);
    }
  }

  void Start() {
    if constexpr (kTls) {
      SetDeadline(Limits().handshake_timeout);
      stream().async_handshake(
          beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
    } else {
      Read();
    }
  }

  void OnHandshake(error_code ec, std::size_t) {
    if (ec) return;  // failed or timed-out handshake: drop the connection
    if constexpr (kTls) {
      peer_subject_ = PeerSubject(stream().native_handle());
      peer_cn_ = PeerCommonName(stream().native_handle());
    }
    Read();
  }

  void Read() {
    if (state_->stopping.load()) return Shutdown();
    // A kept-alive connection waits, maybe long, for its next request: it should not hold the
    // last request's read buffer meanwhile (up to 64 KiB, times max_connections).
    if (buffer_.size() == 0) buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(Limits().header_limit));
    parser_->body_limit(Limits().body_limit);
    // One deadline for headers and body together: this is what bounds slow-loris clients.
    SetDeadline(Limits().read_timeout);
    http::async_read_header(stream(), buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  // Headers are in (and the declared length is within body_limit, or we failed already).
  void OnHeader(error_code ec, std::size_t) {
    if (ec || parser_->is_done()) return OnRead(ec, 0);
    if (!beast::iequals(parser_->get()[http::field::expect], "100-continue")) return ReadBody();
    // curl sends "Expect: 100-continue" for larger bodies and would otherwise wait a second.
    // This write runs under the read deadline set in Read(), deliberately not a fresh one.
    continue_.emplace(http::status::continue_, 11);
    http::async_write(stream(), *continue_, [self = shared_from_this()](error_code e, std::size_t) {
      if (e) return;
      self->ReadBody();
    });
  }

  void ReadBody() {
    const auto length = parser_->content_length();
    if (!length || parser_->chunked()) {
      return http::async_read(stream(), buffer_, *parser_,
                              beast::bind_front_handler(&Session::OnRead, shared_from_this()));
    }
    // A declared length (already within body_limit) is read straight into the body: Beast's
    // parser would read into buffer_ and copy from there, one composed operation per chunk.
    body_.resize(static_cast<std::size_t>(*length));
    const std::size_t early = std::min(buffer_.size(), body_.size());  // came with the headers
    net::buffer_copy(net::buffer(body_.data(), early), buffer_.data());
    buffer_.consume(early);
    body_read_ = early;
    ReadBodyPart();
  }

  void ReadBodyPart() {
    if (body_read_ == body_.size()) {
      parser_->get().body() = std::move(body_);
      body_ = {};
      return OnRead({}, 0);
    }
    stream().async_read_some(
        net::buffer(body_.data() + body_read_, body_.size() - body_read_),
        [self = shared_from_this()](error_code ec, std::size_t n) {
          if (ec) return;  // timeout, reset, TLS error or a short body: nothing can be answered
          self->body_read_ += n;
          self->ReadBodyPart();
        });
  }

  void OnRead(error_code ec, std::size_t) {
    ClearDeadline();
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec == http::error::body_limit) {
      return Reject({ErrorType::kRequestEntityTooLarge, "request body exceeds the limit"});
    }
    if (ec == http::error::header_limit) {
      return Reject({ErrorType::kRequestHeaderTooLarge, "request headers exceed the limit"});
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::partial_message) {
      return Reject({ErrorType::kBadRequest, "malformed HTTP request"});
    }
    if (ec) return;  // timeout, reset or TLS error: nothing useful can be sent
    state_->in_flight.fetch_add(1);
    bool keep_alive = parser_->keep_alive();
    Request request = ToRequest(parser_->release());
    state_->unanswered.fetch_add(1);
    net::post(state_->pool,
              [self = shared_from_this(), request = std::move(request), keep_alive]() mutable {
                std::string request_id = request.request_id;
                CallHandler(self->state_->handler, std::move(request),
                            [self, keep_alive, request_id](Response response) {
                              self->Answer(Finalize(std::move(response), request_id), keep_alive);
                              self->state_->unanswered.fetch_sub(1);
                            });
              });
  }

  // From whichever thread answered: the write belongs to this connection's I/O thread.
  void Answer(Response response, bool keep_alive) {
    net::post(Socket().get_executor(),
              [self = shared_from_this(), response = std::move(response), keep_alive]() mutable {
                self->Write(std::move(response), keep_alive, /*counted=*/true);
              });
  }

  Request ToRequest(http::request<http::string_body>&& msg) {
    Request r;
    r.method = std::string(msg.method_string());
    std::string_view target = msg.target();
    std::size_t q = target.find('?');
    r.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    for (const auto& field : msg) {
      r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    r.body = std::move(msg.body());
    r.request_id = NewRequestId();
    r.remote_address = RemoteAddress(Socket());
    r.client_cert_subject = peer_subject_;
    r.client_cert_cn = peer_cn_;
    return r;
  }

  // Answers a request that could not be read completely, then closes: the rest of the stream
  // cannot be trusted to start at a message boundary.
  void Reject(const AwsError& error) {
    state_->in_flight.fetch_add(1);
    Write(MakeErrorResponse(error, NewRequestId()), /*keep_alive=*/false, /*counted=*/true);
  }

  void Write(Response response, bool keep_alive, bool counted) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<unsigned>(response.status));
    for (auto& [name, value] : response.headers) response_.insert(name, value);
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive && !state_->stopping.load());
    response_.prepare_payload();
    SetDeadline(Limits().write_timeout);
    http::async_write(stream(), response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), counted));
  }

  void OnWrite(bool counted, error_code ec, std::size_t) {
    if (counted) state_->in_flight.fetch_sub(1);
    if (ec) return;
    if (!response_.keep_alive()) return Shutdown();
    Read();
  }

  void Shutdown() {
    if constexpr (kTls) {
      SetDeadline(kShutdownTimeout);
      stream().async_shutdown(beast::bind_front_handler(&Session::OnShutdown, shared_from_this()));
    } else {
      error_code ec;
      Socket().shutdown(net::socket_base::shutdown_send, ec);
    }
  }

  // close_notify is out. Closing now, with the client's unread bytes in our receive queue,
  // would reset the connection and could destroy the answer before the client reads it (a
  // refused oversized upload is the usual case), so read and discard until the client closes
  // or the shutdown deadline passes.
  void OnShutdown(error_code ec, std::size_t) {
    if (ec) return;
    Socket().shutdown(net::socket_base::shutdown_send, ec);
    if (ec) return;
    Drain(std::make_shared<std::array<char, 1024>>());
  }

  void Drain(std::shared_ptr<std::array<char, 1024>> scratch) {
    auto& socket = Socket();
    socket.async_read_some(net::buffer(*scratch),
                           [self = shared_from_this(), scratch](error_code ec, std::size_t) {
                             if (!ec) self->Drain(scratch);
                           });
  }

  std::shared_ptr<ConnectionState> state_;
  Holder holder_;
  Timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timer_armed_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string body_;  // a body of declared length while it arrives
  std::size_t body_read_ = 0;
  http::response<http::string_body> response_;
  std::optional<http::response<http::empty_body>> continue_;
  std::string peer_subject_;
  std::string peer_cn_;
};

}  // namespace

void RunSession(TcpSocket socket, std::shared_ptr<ServerState> state) {
  auto tls = TlsSocket::Accept(std::move(socket), state->tls_context->native_handle());
  if (!tls.ok()) {
    state->connections.fetch_sub(1);  // no session took it over
    return;
  }
  std::make_shared<Session<TlsSocket>>(std::move(tls).value(), std::move(state))->Run();
}

void RunUnixSession(UnixSocket socket, std::shared_ptr<ConnectionState> state) {
  std::make_shared<Session<UnixSocket>>(std::move(socket), std::move(state))->Run();
}

}  // namespace oversight::proxy
