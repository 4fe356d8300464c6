// The Unix-socket upstream: blocking HTTP/1.1 calls with a deadline on every wait, over a
// pool of keep-alive connections.
//
// Calls are synchronous on the caller's thread (the proxy calls from its worker pool, never
// from an I/O thread). Beast frames the messages; the socket underneath is a plain fd whose
// reads and writes poll() against the call's deadline, so no io_context per connection.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/upstream.h"

namespace oversight::proxy {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using beast::error_code;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kReplyHeaderLimit = 64 * 1024;
constexpr std::size_t kMaxIovecs = 16;

error_code LastError() { return {errno, boost::system::system_category()}; }

// A connected AF_UNIX stream socket whose reads and writes give up at a deadline. Meets
// Beast's SyncReadStream and SyncWriteStream requirements (the throwing overloads exist for
// the type check only and are never called). Not thread-safe: one call owns it at a time.
class DeadlineSocket {
 public:
  explicit DeadlineSocket(int fd) : fd_(fd) {}
  ~DeadlineSocket() { ::close(fd_); }
  DeadlineSocket(const DeadlineSocket&) = delete;
  DeadlineSocket& operator=(const DeadlineSocket&) = delete;

  void Arm(Clock::time_point deadline) {
    deadline_ = deadline;
    bytes_read_ = 0;
  }
  std::size_t bytes_read() const { return bytes_read_; }

  // An idle connection is reusable only if nothing is waiting on it: the peer's close (EOF),
  // an error, or bytes nobody asked for all make it unfit.
  bool IdleAndOpen() const {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, error_code& ec) {
    ec = {};
    net::mutable_buffer b = FirstNonEmpty<net::mutable_buffer>(buffers);
    if (b.size() == 0) return 0;
    for (;;) {
      const ssize_t n = ::recv(fd_, b.data(), b.size(), MSG_DONTWAIT);
      if (n > 0) {
        bytes_read_ += static_cast<std::size_t>(n);
        return static_cast<std::size_t>(n);
      }
      if (n == 0) {
        ec = net::error::eof;
        return 0;
      }
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = LastError();
        return 0;
      }
      if (errno != EINTR && !Wait(POLLIN, ec)) return 0;
    }
  }

  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, error_code& ec) {
    ec = {};
    iovec iov[kMaxIovecs];
    std::size_t count = 0;
    for (auto it = net::buffer_sequence_begin(buffers);
         it != net::buffer_sequence_end(buffers) && count < kMaxIovecs; ++it) {
      net::const_buffer b = *it;
      if (b.size() > 0) iov[count++] = {const_cast<void*>(b.data()), b.size()};
    }
    if (count == 0) return 0;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = count;
    for (;;) {
      const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        ec = LastError();
        return 0;
      }
      if (errno != EINTR && !Wait(POLLOUT, ec)) return 0;
    }
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers);
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers);

 private:
  template <class Buffer, class Sequence>
  static Buffer FirstNonEmpty(const Sequence& buffers) {
    for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
         ++it) {
      Buffer b = *it;
      if (b.size() > 0) return b;
    }
    return {};
  }

  // Waits until the fd is ready for `events`; false with ec = timeout once the deadline passed.
  bool Wait(short events, error_code& ec) const {
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
      if (left <= 0) {
        ec = beast::error::timeout;
        return false;
      }
      pollfd p{fd_, events, 0};
      const int rc = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60'000)));
      if (rc > 0) return true;  // ready, or an error the next recv/send will report
      if (rc < 0 && errno != EINTR) {
        ec = LastError();
        return false;
      }
    }
  }

  const int fd_;
  Clock::time_point deadline_{};
  std::size_t bytes_read_ = 0;
};

static_assert(beast::is_sync_read_stream<DeadlineSocket>::value);
static_assert(beast::is_sync_write_stream<DeadlineSocket>::value);

bool IsToken(std::string_view s, std::string_view extra) {
  return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

// Errors a pooled connection shows when the server closed it while it sat idle.
bool IsStaleConnectionError(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe;
}

class UnixUpstream final : public Upstream {
 public:
  explicit UnixUpstream(UnixUpstreamOptions options) : options_(std::move(options)) {}

  StatusOr<UpstreamReply> Call(std::string_view operation, std::string_view json_body,
                               std::string_view request_id) override {
    if (!IsToken(operation, "")) return Status::InvalidArgument("upstream: bad operation name");
    if (!IsToken(request_id, "-_.:")) return Status::InvalidArgument("upstream: bad request id");
    const Clock::time_point deadline = Clock::now() + options_.call_timeout;
    const auto request = MakeRequest(operation, json_body, request_id);
    bool use_pool = true;
    for (;;) {
      bool reused = false;
      StatusOr<std::unique_ptr<DeadlineSocket>> conn = Acquire(deadline, use_pool, &reused);
      if (!conn.ok()) return conn.status();
      error_code ec;
      bool reusable = false;
      StatusOr<UpstreamReply> reply = Exchange(**conn, request, deadline, &ec, &reusable);
      // The one retry: a pooled connection the server closed while it sat idle fails like this
      // before any reply byte. Anything else (a fresh connection, a timeout, a partial reply)
      // may have run the call, and IndexFaces must not run twice.
      if (!reply.ok() && reused && (*conn)->bytes_read() == 0 && IsStaleConnectionError(ec)) {
        use_pool = false;
        continue;
      }
      if (reusable) Release(std::move(*conn));
      return reply;
    }
  }

  ~UnixUpstream() override = default;

 private:
  using RequestMessage = http::request<http::span_body<const char>>;

  static RequestMessage MakeRequest(std::string_view op, std::string_view body,
                                    std::string_view request_id) {
    RequestMessage req{http::verb::post, "/", 11};
    req.set(http::field::host, "localhost");
    req.set(http::field::content_type, kAwsJsonContentType);
    req.set("X-Amz-Target", std::string(kTargetPrefix) + "." + std::string(op));
    req.set("x-amzn-RequestId", request_id);
    req.keep_alive(true);
    req.body() = {body.data(), body.size()};
    req.prepare_payload();
    return req;
  }

  // A pooled connection if `use_pool` and one is idle and open, else a fresh one.
  StatusOr<std::unique_ptr<DeadlineSocket>> Acquire(Clock::time_point deadline, bool use_pool,
                                                    bool* reused) {
    if (use_pool) {
      std::lock_guard<std::mutex> lock(mutex_);
      while (!idle_.empty()) {
        std::unique_ptr<DeadlineSocket> conn = std::move(idle_.back());
        idle_.pop_back();
        if (conn->IdleAndOpen()) {
          *reused = true;
          return conn;
        }
      }
    }
    *reused = false;
    return Connect(std::min(deadline, Clock::now() + options_.connect_timeout));
  }

  void Release(std::unique_ptr<DeadlineSocket> conn) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(conn));
  }

  StatusOr<std::unique_ptr<DeadlineSocket>> Connect(Clock::time_point deadline) const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return Unavailable("socket", LastError());
    auto conn = std::make_unique<DeadlineSocket>(fd);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, options_.socket_path.data(), options_.socket_path.size());
    // AF_UNIX connects complete at once; EAGAIN means the server's backlog is full.
    while (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return Unavailable("connect", LastError());
      if (Clock::now() >= deadline) {
        return Status::Unavailable("upstream " + options_.socket_path +
                                   ": deadline exceeded while connecting (server busy)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return conn;
  }

  StatusOr<UpstreamReply> Exchange(DeadlineSocket& conn, const RequestMessage& request,
                                   Clock::time_point deadline, error_code* ec, bool* reusable) {
    conn.Arm(deadline);
    http::write(conn, request, *ec);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kReplyHeaderLimit);
    parser.body_limit(options_.max_reply_bytes);
    // Headers first: Beast 1.74 checks a Content-Length against body_limit only when the
    // header is parsed on its own (in eager mode the error is lost and the body read whole).
    if (!*ec) http::read_header(conn, buffer, parser, *ec);
    if (!*ec && !parser.is_done()) http::read(conn, buffer, parser, *ec);
    if (*ec) return ErrorFor(*ec);
    const unsigned status = parser.get().result_int();
    if (status < 200 || status > 599) {
      return Status::Internal("upstream " + options_.socket_path + ": unexpected HTTP status " +
                              std::to_string(status));
    }
    // Bytes after the reply mean the peer is out of step; such a connection is not reused.
    *reusable = parser.get().keep_alive() && !parser.need_eof() && buffer.size() == 0;
    return UpstreamReply{static_cast<int>(status), std::move(parser.release().body())};
  }

  Status ErrorFor(const error_code& ec) const {
    if (ec == beast::error::timeout) {
      return Status::Unavailable("upstream " + options_.socket_path + ": deadline exceeded after " +
                                 std::to_string(options_.call_timeout.count()) + " ms");
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow) {
      return Status::ResourceExhausted("upstream " + options_.socket_path +
                                       ": reply exceeds the size limit (" +
                                       std::to_string(options_.max_reply_bytes) + " bytes)");
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Status::Internal("upstream " + options_.socket_path + ": reply is not HTTP/1.1 (" +
                              ec.message() + ")");
    }
    return Unavailable("call", ec);
  }

  Status Unavailable(std::string_view what, const error_code& ec) const {
    return Status::Unavailable("upstream " + options_.socket_path + ": " + std::string(what) +
                               ": " + ec.message());
  }

  const UnixUpstreamOptions options_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<DeadlineSocket>> idle_;  // most recently used last
};

}  // namespace

StatusOr<std::unique_ptr<Upstream>> MakeUnixUpstream(UnixUpstreamOptions options) {
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status::InvalidArgument("upstream: socket path must be 1 to " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  }
  if (options.connect_timeout.count() <= 0 || options.call_timeout.count() <= 0) {
    return Status::InvalidArgument("upstream: timeouts must be positive");
  }
  if (options.max_reply_bytes == 0) {
    return Status::InvalidArgument("upstream: max_reply_bytes must be positive");
  }
  return std::unique_ptr<Upstream>(new UnixUpstream(std::move(options)));
}

}  // namespace oversight::proxy
