// The Unix-socket server's lifecycle: config checks, taking over the socket path safely,
// binding with the right mode before listen(), graceful stop and removing the socket file.
#include "oversight/proxy/unix_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/local/stream_protocol.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "listener.h"
#include "session.h"

namespace oversight::proxy {
namespace {

namespace net = boost::asio;
using local = net::local::stream_protocol;

std::string Errno(int err) { return std::strerror(err); }

// umask is process-wide: serialise our own changes to it.
std::mutex umask_mutex;

// True if a server accepts connections on the socket at `path`. A non-blocking connect fails
// at once with ECONNREFUSED when nobody listens, and with EAGAIN when someone does but their
// backlog is full.
StatusOr<bool> SomeoneListens(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Status::IOError("socket: " + Errno(errno));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  const int err = errno;
  ::close(fd);
  if (rc == 0 || err == EAGAIN || err == EINPROGRESS) return true;
  if (err == ECONNREFUSED || err == ENOENT) return false;
  return Status::PermissionDenied("cannot tell whether a server listens on " + path + ": " +
                                  Errno(err));
}

// Leaves the path free for bind(), or says why it must not be taken.
Status FreeSocketPath(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return Status::IOError("cannot stat " + path + ": " + Errno(errno));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return Status::FailedPrecondition(path + " exists and is not a socket; not replacing it");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(bool live, SomeoneListens(path));
  if (live) return Status::AlreadyExists("another server is listening on " + path);
  // A stale socket from a server that did not stop cleanly.
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("cannot remove stale socket " + path + ": " + Errno(errno));
  }
  return Status::Ok();
}

Status ValidateConfig(const UnixServerConfig& c) {
  if (c.socket_path.empty() || c.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Status::InvalidArgument("unix server: socket path must be 1 to " +
                                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  }
  if ((c.socket_mode & ~0777u) != 0 || (c.socket_mode & 0200u) == 0) {
    return Status::InvalidArgument(
        "unix server: socket mode must be within 0777 and owner-writable");
  }
  if (c.io_threads < 1 || c.worker_threads < 1 || c.max_connections < 1) {
    return Status::InvalidArgument("unix server: io_threads, worker_threads, max_connections >= 1");
  }
  if (c.header_limit == 0 || c.header_limit > (1u << 20) || c.body_limit == 0) {
    return Status::InvalidArgument("unix server: limits must be positive (headers at most 1 MiB)");
  }
  if (c.read_timeout.count() <= 0 || c.write_timeout.count() <= 0) {
    return Status::InvalidArgument("unix server: timeouts must be positive");
  }
  return Status::Ok();
}

SessionLimits LimitsOf(const UnixServerConfig& c) {
  return {c.header_limit, c.body_limit, std::chrono::milliseconds(0), c.read_timeout,
          c.write_timeout};
}

}  // namespace

class UnixServer::Impl {
 public:
  Impl(const UnixServerConfig& config, std::shared_ptr<ConnectionState> state)
      : config_(config),
        state_(state),
        listener_(state, {config.io_threads, config.max_connections, config.stop_grace},
                  [state](UnixSocket&& socket) { RunUnixSession(std::move(socket), state); }) {}
  ~Impl() { Stop(); }

  Status Bind() {
    OVERSIGHT_RETURN_IF_ERROR(FreeSocketPath(config_.socket_path));
    local::acceptor& acceptor = listener_.acceptor();
    const local::endpoint endpoint(config_.socket_path);
    boost::system::error_code ec;
    if (acceptor.open(endpoint.protocol(), ec); ec) return SystemError("open", ec);
    OVERSIGHT_RETURN_IF_ERROR(BindWithMode(acceptor, endpoint));
    if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
      return SystemError("listen", ec);
    }
    return Status::Ok();
  }

  void Run() { listener_.Run(); }

  void Stop() {
    listener_.Stop();
    if (created_.exchange(false)) RemoveOwnSocketFile();
  }

  const std::string& socket_path() const { return config_.socket_path; }
  const ConnectionState& state() const { return *state_; }

 private:
  Status SystemError(std::string_view what, const boost::system::error_code& ec) const {
    return Status::IOError("unix listener " + std::string(what) + " " + config_.socket_path + ": " +
                           ec.message());
  }

  // The file appears at bind() with 0777 & ~umask, so bind runs under a umask that leaves at
  // most socket_mode; chmod then sets it exactly, still before listen() lets anyone connect.
  Status BindWithMode(local::acceptor& acceptor, const local::endpoint& endpoint) {
    boost::system::error_code ec;
    {
      std::lock_guard<std::mutex> lock(umask_mutex);
      const mode_t old = ::umask(static_cast<mode_t>(~config_.socket_mode & 0777u));
      acceptor.bind(endpoint, ec);
      ::umask(old);
    }
    if (ec) return SystemError("bind", ec);
    created_ = true;
    struct stat st {};
    if (::lstat(config_.socket_path.c_str(), &st) != 0) {
      return Status::IOError("cannot stat " + config_.socket_path + ": " + Errno(errno));
    }
    device_ = st.st_dev;
    inode_ = st.st_ino;
    if (::chmod(config_.socket_path.c_str(), static_cast<mode_t>(config_.socket_mode)) != 0) {
      return Status::IOError("cannot chmod " + config_.socket_path + ": " + Errno(errno));
    }
    return Status::Ok();
  }

  // Only the file this server bound: another server may have replaced it since.
  void RemoveOwnSocketFile() const {
    struct stat st {};
    if (::lstat(config_.socket_path.c_str(), &st) == 0 && st.st_dev == device_ &&
        st.st_ino == inode_) {
      ::unlink(config_.socket_path.c_str());
    }
  }

  const UnixServerConfig config_;
  std::shared_ptr<ConnectionState> state_;
  Listener<local> listener_;
  std::atomic<bool> created_{false};
  dev_t device_ = 0;
  ino_t inode_ = 0;
};

StatusOr<std::unique_ptr<UnixServer>> UnixServer::Start(const UnixServerConfig& config,
                                                        Handler handler) {
  if (!handler) return Status::InvalidArgument("unix server: no handler");
  OVERSIGHT_RETURN_IF_ERROR(ValidateConfig(config));
  auto state = std::make_shared<ConnectionState>(LimitsOf(config), Answering(std::move(handler)),
                                                 config.worker_threads);
  auto impl = std::make_unique<Impl>(config, state);
  OVERSIGHT_RETURN_IF_ERROR(impl->Bind());
  impl->Run();
  return std::unique_ptr<UnixServer>(new UnixServer(std::move(impl)));
}

UnixServer::UnixServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UnixServer::~UnixServer() { Stop(); }
const std::string& UnixServer::socket_path() const { return impl_->socket_path(); }
std::size_t UnixServer::active_connections() const { return impl_->state().connections.load(); }
std::size_t UnixServer::accepted_connections() const { return impl_->state().accepted.load(); }
void UnixServer::Stop() { impl_->Stop(); }

}  // namespace oversight::proxy
