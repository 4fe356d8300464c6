// The TLS server's lifecycle: config checks, binding the TCP listener, graceful stop.
#include "oversight/proxy/server.h"

#include <boost/asio/ip/tcp.hpp>

#include "listener.h"
#include "session.h"
#include "tls_context.h"

namespace oversight::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class Server::Impl {
 public:
  explicit Impl(std::shared_ptr<ServerState> state)
      : state_(state),
        listener_(
            state,
            {state->config.io_threads, state->config.max_connections, state->config.stop_grace},
            [state](TcpSocket&& socket) { RunSession(std::move(socket), state); }) {}

  Status Bind() {
    boost::system::error_code ec;
    auto address = net::ip::make_address(state_->config.bind_address, ec);
    if (ec) return Status::InvalidArgument("bad bind address " + state_->config.bind_address);
    tcp::endpoint endpoint(address, state_->config.port);
    tcp::acceptor& acceptor = listener_.acceptor();
    if (acceptor.open(endpoint.protocol(), ec); ec) return SystemError("open", ec);
    if (acceptor.set_option(net::socket_base::reuse_address(true), ec); ec) {
      return SystemError("reuse_address", ec);
    }
    if (acceptor.bind(endpoint, ec); ec) return SystemError("bind", ec);
    if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
      return SystemError("listen", ec);
    }
    port_ = acceptor.local_endpoint(ec).port();
    return Status::Ok();
  }

  void Run() { listener_.Run(); }
  void Stop() { listener_.Stop(); }
  std::uint16_t port() const { return port_; }
  const ServerState& state() const { return *state_; }

 private:
  static Status SystemError(std::string_view what, const boost::system::error_code& ec) {
    return Status::IOError("listener " + std::string(what) + ": " + ec.message());
  }

  std::shared_ptr<ServerState> state_;
  Listener<tcp> listener_;
  std::uint16_t port_ = 0;
};

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerConfig& config, Handler handler) {
  if (!handler) return Status::InvalidArgument("server: no handler");
  return Start(config, Answering(std::move(handler)));
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerConfig& config, AsyncHandler handler) {
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
  StatusOr<std::unique_ptr<net::ssl::context>> tls = MakeServerTlsContext(
      config.cert_file, config.key_file, config.client_ca_file, config.client_cert_optional);
  if (!tls.ok()) return tls.status();
  auto state = std::make_shared<ServerState>(config, std::move(handler), std::move(*tls));
  auto impl = std::make_unique<Impl>(state);
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
