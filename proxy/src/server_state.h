// Private: what a listener and every one of its sessions share. Owned by the server's Impl;
// sessions hold a shared_ptr so the state outlives the last session even during shutdown.
//
// ConnectionState is transport-neutral (the Unix-socket server uses it as is); ServerState
// adds what only the TLS server needs.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "oversight/proxy/server.h"

namespace oversight::proxy {

// The per-connection limits a session enforces.
struct SessionLimits {
  std::size_t header_limit = 0;
  std::size_t body_limit = 0;
  std::chrono::milliseconds handshake_timeout{0};  // TLS only
  std::chrono::milliseconds read_timeout{0};
  std::chrono::milliseconds write_timeout{0};
};

// A handler that answers before it returns, as one that answers later.
inline AsyncHandler Answering(Handler h) {
  return [h = std::move(h)](Request request, Respond respond) { respond(h(request)); };
}

struct ConnectionState {
  ConnectionState(const SessionLimits& l, AsyncHandler h, int worker_threads)
      : limits(l), handler(std::move(h)), pool(static_cast<std::size_t>(worker_threads)) {}
  virtual ~ConnectionState() = default;

  const SessionLimits limits;
  const AsyncHandler handler;     // called on the pool
  boost::asio::thread_pool pool;  // runs handlers off the I/O threads
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> accepted{0};   // connections ever admitted (not over the cap)
  std::atomic<std::size_t> in_flight{0};  // requests read but not yet fully answered
  // Requests handed to the handler whose answer has not yet been posted to their I/O thread.
  // An answer can come after the pool is idle (from the ledger's committer), and it touches
  // its connection's io_context, so Stop waits for these before destroying the contexts.
  std::atomic<std::size_t> unanswered{0};
  std::atomic<bool> stopping{false};
};

inline SessionLimits LimitsOf(const ServerConfig& c) {
  return {c.header_limit, c.body_limit, c.handshake_timeout, c.read_timeout, c.write_timeout};
}

struct ServerState : ConnectionState {
  ServerState(const ServerConfig& c, AsyncHandler h, std::unique_ptr<boost::asio::ssl::context> tls)
      : ConnectionState(LimitsOf(c), std::move(h), c.worker_threads),
        config(c),
        tls_context(std::move(tls)) {}

  const ServerConfig config;
  std::unique_ptr<boost::asio::ssl::context> tls_context;
};

}  // namespace oversight::proxy
