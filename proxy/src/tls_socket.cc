// OpenSSL calls for TlsSocket: each Try* makes one non-blocking attempt and says what it needs.
#include "tls_socket.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include <boost/asio/ssl/error.hpp>
#include <cerrno>

namespace oversight::proxy {

namespace net = boost::asio;

namespace {

constexpr std::size_t kReadAheadBytes = 4 * (16 * 1024 + 512);

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE (killing the process by
// default) when the client has gone. This one sends with MSG_NOSIGNAL and is otherwise the
// socket BIO: reads, controls and retry flags are OpenSSL's own.
int SendNoSignal(BIO* bio, const char* data, int len) {
  int fd = -1;
  BIO_get_fd(bio, &fd);
  errno = 0;
  const ssize_t sent = ::send(fd, data, static_cast<std::size_t>(len), MSG_NOSIGNAL);
  BIO_clear_retry_flags(bio);
  if (sent <= 0 && BIO_sock_should_retry(static_cast<int>(sent))) BIO_set_retry_write(bio);
  return static_cast<int>(sent);
}

const BIO_METHOD* SocketMethod() {
  static const BIO_METHOD* method = [] {
    const BIO_METHOD* base = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "oversight socket");
    if (m == nullptr) return static_cast<BIO_METHOD*>(nullptr);
    BIO_meth_set_write(m, SendNoSignal);
    BIO_meth_set_read(m, BIO_meth_get_read(base));
    BIO_meth_set_puts(m, BIO_meth_get_puts(base));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(base));
    BIO_meth_set_create(m, BIO_meth_get_create(base));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(base));
    return m;
  }();
  return method;
}

}  // namespace

StatusOr<std::unique_ptr<TlsSocket>> TlsSocket::Accept(TcpSocket socket, SSL_CTX* ctx) {
  error_code ec;
  socket.non_blocking(true, ec);
  // An answer goes out as soon as it is written: Nagle's algorithm would hold a response's
  // last segment back for the client's delayed acknowledgement.
  if (!ec) socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  if (ec) return Status::IOError("TLS connection: " + ec.message());
  SSL* ssl = SSL_new(ctx);
  BIO* bio = SocketMethod() != nullptr ? BIO_new(SocketMethod()) : nullptr;
  if (ssl == nullptr || bio == nullptr) {
    BIO_free(bio);
    SSL_free(ssl);
    ERR_clear_error();
    return Status::ResourceExhausted("TLS connection: OpenSSL could not set it up");
  }
  BIO_set_fd(bio, socket.native_handle(), BIO_NOCLOSE);
  SSL_set_bio(ssl, bio, bio);  // the SSL object owns the BIO now
  SSL_set_accept_state(ssl);
  // Read the socket as far as OpenSSL's buffer allows instead of one record header at a time,
  // and let that buffer hold four full records: a search's ~190 KB body then takes a few read
  // calls instead of a dozen. The buffer is released while the connection is idle
  // (SSL_MODE_RELEASE_BUFFERS), so only connections in the middle of a request hold it.
  SSL_set_read_ahead(ssl, 1);
  SSL_set_default_read_buffer_len(ssl, kReadAheadBytes);
  // A write returns after each record sent, and a retry may come from a moved buffer (Beast
  // advances its buffer sequence between calls).
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return std::unique_ptr<TlsSocket>(new TlsSocket(std::move(socket), ssl));
}

// The SSL object goes first: it refers to the descriptor the socket member still holds.
TlsSocket::~TlsSocket() { SSL_free(ssl_); }

void TlsSocket::cancel() {
  cancelled_ = true;
  error_code ignored;
  socket_.cancel(ignored);
}

bool TlsSocket::Cancelled(error_code& ec) const {
  if (cancelled_) ec = net::error::operation_aborted;
  return cancelled_;
}

TlsSocket::Step TlsSocket::TryHandshake(error_code& ec) {
  if (Cancelled(ec)) return Step::kDone;
  const int r = SSL_do_handshake(ssl_);
  return r == 1 ? Step::kDone : Classify(r, ec);
}

TlsSocket::Step TlsSocket::TryRead(net::mutable_buffer buffer, std::size_t& n, error_code& ec) {
  if (Cancelled(ec)) return Step::kDone;
  auto* out = static_cast<unsigned char*>(buffer.data());
  while (n < buffer.size()) {
    std::size_t got = 0;
    const int r = SSL_read_ex(ssl_, out + n, buffer.size() - n, &got);
    if (r == 1) {
      n += got;
      continue;
    }
    const Step step = Classify(r, ec);
    if (n == 0) return step;
    // Deliver what arrived; a failure recurs on the next read, and a wait is the next read's.
    ec = {};
    return Step::kDone;
  }
  return Step::kDone;
}

TlsSocket::Step TlsSocket::TryWrite(net::const_buffer buffer, std::size_t& n, error_code& ec) {
  if (Cancelled(ec)) return Step::kDone;
  if (buffer.size() == 0) return Step::kDone;
  std::size_t wrote = 0;
  const int r = SSL_write_ex(ssl_, buffer.data(), buffer.size(), &wrote);
  if (r != 1) return Classify(r, ec);
  n = wrote;
  if (buffer.data() == gathered_.data()) {
    // Keep a small copy buffer for the next response; give a large one back.
    constexpr std::size_t kKeep = 4096;
    if (gathered_.capacity() > kKeep) {
      std::string().swap(gathered_);
    } else {
      gathered_.clear();
    }
  }
  return Step::kDone;
}

TlsSocket::Step TlsSocket::TryShutdown(error_code& ec) {
  if (Cancelled(ec)) return Step::kDone;
  const int r = SSL_shutdown(ssl_);
  return r >= 0 ? Step::kDone : Classify(r, ec);  // 0: close_notify sent, the peer's not awaited
}

TlsSocket::Step TlsSocket::Classify(int ret, error_code& ec) {
  const int saved_errno = errno;
  const int kind = SSL_get_error(ssl_, ret);
  if (kind == SSL_ERROR_WANT_READ) return Step::kWantRead;
  if (kind == SSL_ERROR_WANT_WRITE) return Step::kWantWrite;
  const unsigned long code = ERR_get_error();
  if (kind == SSL_ERROR_ZERO_RETURN) {
    ec = net::error::eof;  // close_notify: Beast reports end_of_stream between messages
  } else if (kind == SSL_ERROR_SYSCALL && saved_errno != 0) {
    ec = error_code(saved_errno, boost::system::system_category());
  } else if (code == 0 || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    ec = net::ssl::error::stream_truncated;  // the peer closed without close_notify
  } else {
    ec = error_code(static_cast<int>(code), net::error::get_ssl_category());
  }
  // OpenSSL's per-thread error queue must be empty before the next call on this thread, or
  // SSL_get_error misreports it; clearing here, only after a failure, keeps it so cheaply.
  ERR_clear_error();
  return Step::kDone;
}

}  // namespace oversight::proxy
