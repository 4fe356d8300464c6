// Private: one connection, from (TLS handshake and) first read to shutdown (see server.h and
// unix_server.h for the contract).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>

#include "io_executor.h"
#include "server_state.h"
#include "tls_socket.h"

namespace oversight::proxy {

// Take ownership of an accepted socket (already counted in state->connections, released when
// the session ends) and serve requests on it until close, error or timeout.
void RunSession(TcpSocket socket, std::shared_ptr<ServerState> state);
// Plain HTTP/1.1: the socket file's permissions are the access control.
using UnixSocket =
    boost::asio::basic_stream_socket<boost::asio::local::stream_protocol, IoExecutor>;
void RunUnixSession(UnixSocket socket, std::shared_ptr<ConnectionState> state);

}  // namespace oversight::proxy
