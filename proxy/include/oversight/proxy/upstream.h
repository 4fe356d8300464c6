// Upstream: the face matcher behind the proxy, reached with the same AWS JSON 1.1 protocol the
// proxy serves (POST /, X-Amz-Target: RekognitionService.<Op>), by default over a Unix socket.
//
// The proxy only forwards calls the policy allowed, with the obligations already applied to
// the body; what comes back is the matcher's raw status and JSON, filtered by the caller.
// Implementations must be thread-safe: one Upstream serves every request.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight::proxy {

struct UpstreamReply {
  int http_status = 0;
  std::string body;  // the matcher's JSON (a result, or {"__type","message"} on error)
};

class Upstream {
 public:
  virtual ~Upstream() = default;
  // Sends one call. An error Status means the matcher could not be asked or its answer was
  // not usable: Unavailable (cannot connect, connection lost, or the deadline passed; the
  // message then says "deadline exceeded"), ResourceExhausted (reply over max_reply_bytes),
  // Internal (the reply is not HTTP/1.1), InvalidArgument (an operation or request id that is
  // not a plain token). A Rekognition error the matcher returned is a normal reply with its
  // 4xx/5xx status.
  virtual StatusOr<UpstreamReply> Call(std::string_view operation, std::string_view json_body,
                                       std::string_view request_id) = 0;
};

struct UnixUpstreamOptions {
  std::string socket_path;
  std::chrono::milliseconds connect_timeout{2'000};
  std::chrono::milliseconds call_timeout{30'000};  // whole call: write request, read reply
  std::size_t max_idle_connections = 8;            // kept open for reuse (keep-alive pool)
  std::size_t max_reply_bytes = 64u << 20;
};

// HTTP/1.1 over AF_UNIX with a pool of keep-alive connections. A pooled connection the peer
// closed is retried once on a fresh connection (only if nothing of the reply was read).
StatusOr<std::unique_ptr<Upstream>> MakeUnixUpstream(UnixUpstreamOptions options);

}  // namespace oversight::proxy
