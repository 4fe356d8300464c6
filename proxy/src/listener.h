// Private: the accept loop and graceful-stop sequence shared by the TLS server (TCP) and the
// Unix-socket server. The caller opens and binds acceptor() itself (the two differ there),
// then calls Run(); each admitted socket goes to the session starter.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "io_executor.h"
#include "server_state.h"

namespace oversight::proxy {

template <class Protocol>
class Listener {
 public:
  using Acceptor = typename Protocol::acceptor;
  // What async_accept with an I/O context's executor gives: the executor type is named.
  using Socket = typename Protocol::socket::template rebind_executor<IoExecutor>::other;
  // Takes an accepted socket, already counted in state->connections.
  using SessionStarter = std::function<void(Socket&&)>;

  struct Options {
    int io_threads = 1;
    std::size_t max_connections = 1;
    std::chrono::milliseconds stop_grace{0};
  };

  Listener(std::shared_ptr<ConnectionState> state, Options options, SessionStarter start)
      : state_(std::move(state)), options_(options), start_(std::move(start)) {
    // One io_context per I/O thread (hint 1: Asio's scheduler knows it has one runner), and
    // each connection stays on one: its handlers are serialised without a strand.
    for (int i = 0; i < options.io_threads; ++i) {
      contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
      work_.push_back(boost::asio::make_work_guard(*contexts_.back()));
    }
    acceptor_.emplace(contexts_.front()->get_executor());
  }

  ~Listener() { Stop(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // REQUIRES: Run() not yet called. Open, bind and listen on it before Run().
  Acceptor& acceptor() { return *acceptor_; }

  void Run() {
    Accept();
    for (auto& context : contexts_) {
      threads_.emplace_back([io = context.get()] { io->run(); });
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
    for (auto& context : contexts_) context->stop();
    for (std::thread& t : threads_) t.join();
    state_->pool.join();
    // A handler may answer after it returned (when its ledger entry commits). Its answer is
    // posted to a stopped context, which is fine; to a destroyed one, it would not be. As when
    // handlers waited for their commit on the pool, stopping waits for those answers.
    while (state_->unanswered.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Destroying the io_contexts destroys the sessions still waiting on them, closing their
    // sockets now rather than when the server object goes away.
    acceptor_.reset();
    work_.clear();
    contexts_.clear();
  }

 private:
  void Accept() {
    // Connections are dealt to the I/O threads in turn. Accept handlers all run on the first
    // context's one thread, so next_context_ needs no lock.
    auto& context = *contexts_[next_context_++ % contexts_.size()];
    acceptor_->async_accept(
        context.get_executor(),
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
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  // Keeps run() going while the acceptor is closed but a handler on the pool has yet to post
  // its response back: without it the I/O threads would exit and that answer would be lost.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::size_t next_context_ = 0;
  std::optional<Acceptor> acceptor_;
  std::vector<std::thread> threads_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace oversight::proxy
