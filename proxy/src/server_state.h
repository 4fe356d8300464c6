// Private: what the listener and every session share. Owned by Server::Impl; sessions hold a
// shared_ptr so the state outlives the last session even during shutdown.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <memory>

#include "oversight/proxy/server.h"

namespace oversight::proxy {

struct ServerState {
  ServerState(const ServerConfig& c, Handler h, std::unique_ptr<boost::asio::ssl::context> tls)
      : config(c),
        handler(std::move(h)),
        tls_context(std::move(tls)),
        pool(static_cast<std::size_t>(c.worker_threads)) {}

  const ServerConfig config;
  const Handler handler;
  std::unique_ptr<boost::asio::ssl::context> tls_context;
  boost::asio::thread_pool pool;  // runs handlers off the I/O threads
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> in_flight{0};  // requests read but not yet fully answered
  std::atomic<bool> stopping{false};
};

}  // namespace oversight::proxy
