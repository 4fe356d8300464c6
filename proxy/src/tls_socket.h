// Private: a TLS stream that runs OpenSSL directly on the connection's non-blocking socket
// (SSL_set_fd), as nginx does, for the server's sessions.
//
// Why not asio::ssl::stream: it moves every record through a memory BIO pair and a staging
// buffer (two copies, four 17 KiB buffers held for the connection's life) and completes one
// record per read, each read a chain of composed operations. A 190 KB search request took a
// dozen such chains. Here a read takes every record OpenSSL can decrypt without blocking, and
// the socket is read ahead in large chunks, so the same request is a few reads.
//
// The stream meets Beast's AsyncReadStream and AsyncWriteStream requirements. Every
// operation first tries OpenSSL without blocking, waits for the socket only when OpenSSL asks
// (WANT_READ/WANT_WRITE), and never completes inside the initiating call. Timeouts are the
// owner's: cancel() aborts a wait in progress. The socket must outlive the SSL object's use of
// its descriptor, so it is closed only when this object goes.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <memory>
#include <string>

#include "io_executor.h"
#include "oversight/common/status.h"

namespace oversight::proxy {

using TcpSocket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, IoExecutor>;

class TlsSocket {
 public:
  using executor_type = IoExecutor;
  using error_code = boost::system::error_code;

  // What one non-blocking OpenSSL attempt left to do.
  enum class Step { kDone, kWantRead, kWantWrite };

  // Takes the accepted socket; `ctx` must outlive this object.
  static StatusOr<std::unique_ptr<TlsSocket>> Accept(TcpSocket socket, SSL_CTX* ctx);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  TcpSocket& socket() { return socket_; }
  SSL* native_handle() { return ssl_; }
  // Aborts the wait in progress (its operation completes with operation_aborted) and makes
  // the connection unusable: used when a deadline passes.
  void cancel();

  template <class Handler>
  auto async_handshake(Handler&& handler) {
    return Run([this](std::size_t&, error_code& ec) { return TryHandshake(ec); },
               std::forward<Handler>(handler));
  }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    boost::asio::mutable_buffer first = FirstNonEmpty(buffers);
    return Run([this, first](std::size_t& n, error_code& ec) { return TryRead(first, n, ec); },
               std::forward<Handler>(handler));
  }

  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    // Small multi-part messages (Beast's header and body) go out as one record and one
    // syscall; anything else is written buffer by buffer.
    boost::asio::const_buffer first = Gather(buffers);
    return Run([this, first](std::size_t& n, error_code& ec) { return TryWrite(first, n, ec); },
               std::forward<Handler>(handler));
  }

  // Sends close_notify; does not wait for the peer's (the owner drains and closes).
  template <class Handler>
  auto async_shutdown(Handler&& handler) {
    return Run([this](std::size_t&, error_code& ec) { return TryShutdown(ec); },
               std::forward<Handler>(handler));
  }

 private:
  TlsSocket(TcpSocket socket, SSL* ssl) : socket_(std::move(socket)), ssl_(ssl) {}

  // Retries `attempt` each time the socket is ready for what OpenSSL asked for.
  template <class Attempt>
  struct RetryOp {
    RetryOp(TcpSocket& s, Attempt a) : socket(s), attempt(std::move(a)) {}

    TcpSocket& socket;
    Attempt attempt;
    enum { kStart, kWaiting, kFinishing } state = kStart;
    std::size_t n = 0;
    error_code result;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      if (state == kFinishing) return self.complete(result, n);
      if (ec) return self.complete(ec, 0);  // the wait was cancelled or the socket failed
      const bool first = state == kStart;
      const Step step = attempt(n, result);
      if (step != Step::kDone) {
        state = kWaiting;
        const auto wait = step == Step::kWantRead ? TcpSocket::wait_read : TcpSocket::wait_write;
        return socket.async_wait(wait, std::move(self));
      }
      if (!first) return self.complete(result, n);
      // Done without waiting: complete through the executor, never inside the initiating call.
      state = kFinishing;
      boost::asio::post(socket.get_executor(), std::move(self));
    }
  };

  template <class Attempt, class Handler>
  auto Run(Attempt attempt, Handler&& handler) {
    return boost::asio::async_compose<Handler, void(error_code, std::size_t)>(
        RetryOp<Attempt>(socket_, std::move(attempt)), handler, socket_);
  }

  template <class Buffers>
  static boost::asio::mutable_buffer FirstNonEmpty(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      boost::asio::mutable_buffer b(*it);
      if (b.size() > 0) return b;
    }
    return {};
  }

  template <class Buffers>
  boost::asio::const_buffer Gather(const Buffers& buffers);

  // After cancel() every attempt fails at once with operation_aborted.
  bool Cancelled(error_code& ec) const;
  Step TryHandshake(error_code& ec);
  Step TryRead(boost::asio::mutable_buffer buffer, std::size_t& n, error_code& ec);
  Step TryWrite(boost::asio::const_buffer buffer, std::size_t& n, error_code& ec);
  Step TryShutdown(error_code& ec);
  // After an OpenSSL call failed: what to wait for, or the error (then kDone).
  Step Classify(int ret, error_code& ec);

  TcpSocket socket_;
  SSL* ssl_;
  std::string gathered_;  // the copy Gather made, kept until it is written
  bool cancelled_ = false;
};

template <class Buffers>
boost::asio::const_buffer TlsSocket::Gather(const Buffers& buffers) {
  constexpr std::size_t kGatherLimit = 16 * 1024;  // one TLS record's worth
  auto begin = boost::asio::buffer_sequence_begin(buffers);
  auto end = boost::asio::buffer_sequence_end(buffers);
  std::size_t total = 0, parts = 0;
  boost::asio::const_buffer first;
  for (auto it = begin; it != end; ++it) {
    boost::asio::const_buffer b(*it);
    if (b.size() == 0) continue;
    if (parts++ == 0) first = b;
    total += b.size();
  }
  if (parts <= 1 || total > kGatherLimit) return first;
  // The copy stays until written: a retry after WANT_WRITE must offer the same bytes again.
  gathered_.clear();
  for (auto it = begin; it != end; ++it) {
    boost::asio::const_buffer b(*it);
    gathered_.append(static_cast<const char*>(b.data()), b.size());
  }
  return boost::asio::buffer(gathered_);
}

}  // namespace oversight::proxy
