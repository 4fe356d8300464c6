// Private: one TLS connection, from handshake to shutdown (see server.h for the contract).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "server_state.h"

namespace oversight::proxy {

// Takes ownership of an accepted socket (already counted in state->connections, released when
// the session ends) and serves requests on it until close, error or timeout.
void RunSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state);

}  // namespace oversight::proxy
