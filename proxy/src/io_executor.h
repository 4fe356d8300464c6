// Private: the executor every connection's handlers and I/O objects run on.
#pragma once

#include <boost/asio/io_context.hpp>

namespace oversight::proxy {

// A connection lives on one of the listener's io_contexts, each run by exactly one thread, so
// its handlers never run concurrently without a strand. Naming the type (instead of Asio's
// type-erased any_io_executor) saves a virtual call, and dropping the strand a reference-count
// update, on every asynchronous operation; a request takes dozens of them.
using IoExecutor = boost::asio::io_context::executor_type;

}  // namespace oversight::proxy
