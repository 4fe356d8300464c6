// The listener and the Server lifecycle (start, port, graceful stop).
#include "oversight/proxy/server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "session.h"
#include "tls_context.h"

namespace oversight::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class Server::Impl {
 public:
  Impl(std::shared_ptr<ServerState> state, int io_threads)
      : state_(std::move(state)),
        ioc_(std::make_unique<net::io_context>(io_threads)),
        work_(net::make_work_guard(*ioc_)),
        acceptor_(std::in_place, net::make_strand(*ioc_)) {}

  Status Bind() {
    boost::system::error_code ec;
    auto address = net::ip::make_address(state_->config.bind_address, ec);
    if (ec) return Status::InvalidArgument("bad bind address " + state_->config.bind_address);
    tcp::endpoint endpoint(address, state_->config.port);
    if (acceptor_->open(endpoint.protocol(), ec); ec) return SystemError("open", ec);
    if (acceptor_->set_option(net::socket_base::reuse_address(true), ec); ec) {
      return SystemError("reuse_address", ec);
    }
    if (acceptor_->bind(endpoint, ec); ec) return SystemError("bind", ec);
    if (acceptor_->listen(net::socket_base::max_listen_connections, ec); ec) {
      return SystemError("listen", ec);
    }
    port_ = acceptor_->local_endpoint(ec).port();
    return Status::Ok();
  }

  void Run() {
    Accept();
    for (int i = 0; i < state_->config.io_threads; ++i) {
      threads_.emplace_back([this] { ioc_->run(); });
    }
  }

  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    state_->stopping.store(true);
    net::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
    });
    // Graceful: requests already read get their answer; idle connections are not waited for.
    auto deadline = std::chrono::steady_clock::now() + state_->config.stop_grace;
    while (state_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_->stop();
    for (std::thread& t : threads_) t.join();
    state_->pool.join();
    // Destroying the io_context destroys the sessions still waiting on it, closing their sockets
    // now rather than when the Server object goes away.
    acceptor_.reset();
    work_.reset();
    ioc_.reset();
  }

  std::uint16_t port() const { return port_; }
  const ServerState& state() const { return *state_; }

 private:
  static Status SystemError(std::string_view what, const boost::system::error_code& ec) {
    return Status::IOError("listener " + std::string(what) + ": " + ec.message());
  }

  void Accept() {
    acceptor_->async_accept(net::make_strand(*ioc_),
                            boost::beast::bind_front_handler(&Impl::OnAccept, this));
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) {
      // Over the cap the connection is closed at once (the socket's destructor): cheaper for
      // us than a TLS handshake, and the client sees a reset it can retry later.
      if (state_->connections.fetch_add(1) < state_->config.max_connections) {
        RunSession(std::move(socket), state_);
      } else {
        state_->connections.fetch_sub(1);
      }
    }
    Accept();  // accept errors (e.g. EMFILE) are transient; keep listening
  }

  std::shared_ptr<ServerState> state_;
  std::unique_ptr<net::io_context> ioc_;
  // Keeps run() going while the acceptor is closed but a handler on the pool has yet to post
  // its response back: without it the I/O threads would exit and that answer would be lost.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::optional<tcp::acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::uint16_t port_ = 0;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerConfig& config, Handler handler) {
  if (!handler) return Status::InvalidArgument("server: no handler");
  if (config.io_threads < 1 || config.worker_threads < 1 || config.max_connections < 1) {
    return Status::InvalidArgument("server: io_threads, worker_threads, max_connections >= 1");
  }
  if (config.header_limit == 0 || config.header_limit > (1u << 20) || config.body_limit == 0) {
    return Status::InvalidArgument("server: limits must be positive (headers at most 1 MiB)");
  }
  if (config.handshake_timeout.count() <= 0 || config.read_timeout.count() <= 0 ||
      config.write_timeout.count() <= 0) {
    return Status::InvalidArgument("server: timeouts must be positive");
  }
  StatusOr<std::unique_ptr<net::ssl::context>> tls =
      MakeServerTlsContext(config.cert_file, config.key_file, config.client_ca_file);
  if (!tls.ok()) return tls.status();
  auto state = std::make_shared<ServerState>(config, std::move(handler), std::move(*tls));
  auto impl = std::make_unique<Impl>(state, config.io_threads);
  OVERSIGHT_RETURN_IF_ERROR(impl->Bind());
  impl->Run();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }
std::uint16_t Server::port() const { return impl_->port(); }
std::size_t Server::active_connections() const { return impl_->state().connections.load(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace oversight::proxy
