// UnixServer: plain HTTP/1.1 on a Unix-domain socket, for the local matcher service the proxy
// calls (upstream.h). Same Request/Response/Handler types, limits, worker pool and graceful
// stop as the TLS Server (server.h), without TLS: the socket file's mode is the access
// control, so anyone who can write to the socket can call the handler.
//
// The socket file:
//  - a path that exists and is not a socket is refused (FailedPrecondition) and left untouched;
//  - a socket nobody listens on (left by a crashed server) is removed and replaced;
//  - a socket another server is listening on is refused (AlreadyExists);
//  - it is created with mode socket_mode before listen(), so no client can connect while it
//    is still more open than configured (bind runs under a restrictive umask; umask is
//    process-wide, so Start() briefly changes it for every thread);
//  - Stop() unlinks it, if the file at the path is still the one this server created.
//
// Thread safety: as Server. Start() returns a running server; the accessors may be called
// from any thread; Stop() is idempotent and called by the destructor. The handler is called
// concurrently from worker threads; exceptions it throws become 500 InternalServerError.
// Every response carries x-amzn-RequestId. Request::remote_address is "unix".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "oversight/common/status.h"
#include "oversight/proxy/http_types.h"
#include "oversight/proxy/server.h"

namespace oversight::proxy {

struct UnixServerConfig {
  std::string socket_path;  // at most 107 bytes (sockaddr_un)
  std::uint32_t socket_mode = 0600;

  std::size_t header_limit = 16 * 1024;
  std::size_t body_limit = 8 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};  // whole request, also keep-alive idle time
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds stop_grace{5'000};  // Stop() waits this long for in-flight requests
  std::size_t max_connections = 512;            // further connections are closed at accept
  int io_threads = 1;
  int worker_threads = 2;
};

class UnixServer {
 public:
  // Validates the config, creates the socket file (see above) and starts serving.
  static StatusOr<std::unique_ptr<UnixServer>> Start(const UnixServerConfig& config,
                                                     Handler handler);
  ~UnixServer();
  UnixServer(const UnixServer&) = delete;
  UnixServer& operator=(const UnixServer&) = delete;

  const std::string& socket_path() const;
  std::size_t active_connections() const;
  std::size_t accepted_connections() const;  // admitted since Start (under the cap)

  // Stops accepting, lets in-flight requests finish (up to stop_grace), closes everything,
  // joins all threads and removes the socket file.
  void Stop();

  class Impl;

 private:
  explicit UnixServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace oversight::proxy
