// Private: the accept loop and graceful-stop sequence shared by the TLS server (TCP) and the
// Unix-socket server. The caller opens and binds acceptor() itself (the two differ there),
// then calls Run(); each admitted socket goes to the session starter.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "server_state.h"

namespace oversight::proxy {

template <class Protocol>
class Listener {
 public:
  using Acceptor = typename Protocol::acceptor;
  using Socket = typename Protocol::socket;
  // Takes an accepted socket, already counted in state->connections.
  using SessionStarter = std::function<void(Socket&&)>;

  struct Options {
    int io_threads = 1;
    std::size_t max_connections = 1;
    std::chrono::milliseconds stop_grace{0};
  };

  Listener(std::shared_ptr<ConnectionState> state, Options options, SessionStarter start)
      : state_(std::move(state)),
        options_(options),
        start_(std::move(start)),
        ioc_(std::make_unique<boost::asio::io_context>(options.io_threads)),
        work_(boost::asio::make_work_guard(*ioc_)),
        acceptor_(std::in_place, boost::asio::make_strand(*ioc_)) {}

  ~Listener() { Stop(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // REQUIRES: Run() not yet called. Open, bind and listen on it before Run().
  Acceptor& acceptor() { return *acceptor_; }

  void Run() {
    Accept();
    for (int i = 0; i < options_.io_threads; ++i) {
      threads_.emplace_back([this] { ioc_->run(); });
    }
  }

  // Idempotent. Stops accepting, lets requests already read finish (up to stop_grace), then
  // stops the I/O threads and the worker pool.
  void Stop() {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    if (stopped_) return;
    stopped_ = true;
    state_->stopping.store(true);
    boost::asio::post(acceptor_->get_executor(), [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
    });
    // Graceful: requests already read get their answer; idle connections are not waited for.
    auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
    while (!threads_.empty() && state_->in_flight.load() > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_->stop();
    for (std::thread& t : threads_) t.join();
    state_->pool.join();
    // Destroying the io_context destroys the sessions still waiting on it, closing their sockets
    // now rather than when the server object goes away.
    acceptor_.reset();
    work_.reset();
    ioc_.reset();
  }

 private:
  void Accept() {
    acceptor_->async_accept(
        boost::asio::make_strand(*ioc_),
        [this](boost::system::error_code ec, Socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(boost::system::error_code ec, Socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (!ec) {
      // Over the cap the connection is closed at once (the socket's destructor): cheaper for
      // us than a handshake, and the client sees a reset it can retry later.
      if (state_->connections.fetch_add(1) < options_.max_connections) {
        state_->accepted.fetch_add(1);
        start_(std::move(socket));
      } else {
        state_->connections.fetch_sub(1);
      }
    }
    Accept();  // accept errors (e.g. EMFILE) are transient; keep listening
  }

  std::shared_ptr<ConnectionState> state_;
  const Options options_;
  const SessionStarter start_;
  std::unique_ptr<boost::asio::io_context> ioc_;
  // Keeps run() going while the acceptor is closed but a handler on the pool has yet to post
  // its response back: without it the I/O threads would exit and that answer would be lost.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::optional<Acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace oversight::proxy
