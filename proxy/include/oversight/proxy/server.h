// Server: the HTTPS listener. TLS 1.2/1.3 only, AEAD ciphers only, optional mutual TLS,
// explicit limits, and a handler that runs on a worker pool so a slow handler never blocks I/O.
//
// Structure (after the Beast async-ssl example): one listener accepting connections, one
// session per connection on its own strand, a deadline (expires_after) before every handshake,
// read, write and TLS shutdown. A request's whole read (headers and body) must finish within
// read_timeout, which is what bounds slow-loris clients. One request per connection is in
// flight at a time (no pipelining), so the worker queue is bounded by max_connections.
//
// Thread safety: Start() returns a running server; port() and active_connections() may be
// called from any thread; Stop() is idempotent and called by the destructor. The handler is
// called concurrently from worker threads and must be thread-safe; exceptions it throws become
// 500 InternalServerError responses. Every response carries x-amzn-RequestId.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "oversight/common/status.h"
#include "oversight/proxy/http_types.h"

namespace oversight::proxy {

struct ServerConfig {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks; read it back with port()

  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key; must be mode 0600/0400 (ReadKeyFile)
  std::string client_ca_file;  // non-empty: mutual TLS, clients must present a cert from it
  // ... unless optional: then a client may present none, but one it presents must verify.
  bool client_cert_optional = false;

  std::size_t header_limit = 16 * 1024;
  // Rekognition images are at most 5 MiB decoded, about 7 MiB as base64 in JSON.
  std::size_t body_limit = 8 * 1024 * 1024;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};  // whole request, also keep-alive idle time
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds stop_grace{5'000};  // Stop() waits this long for in-flight requests
  std::size_t max_connections = 512;            // further connections are closed at accept
  int io_threads = 1;
  int worker_threads = 2;
};

using Handler = std::function<Response(const Request&)>;
// A handler that answers later: it calls `respond` exactly once, from any thread. It may hand
// the request on (to the ledger's committer) instead of holding a worker thread while it waits.
using Respond = std::function<void(Response)>;
using AsyncHandler = std::function<void(Request, Respond)>;

class Server {
 public:
  // Validates the config, loads certificate and key, binds and starts serving.
  static StatusOr<std::unique_ptr<Server>> Start(const ServerConfig& config, Handler handler);
  static StatusOr<std::unique_ptr<Server>> Start(const ServerConfig& config, AsyncHandler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  std::size_t active_connections() const;

  // Stops accepting, lets in-flight requests finish (up to stop_grace), then closes everything
  // and joins all threads.
  void Stop();

  class Impl;  // public only so the private session code can name it

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace oversight::proxy
