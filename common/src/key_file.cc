#include "oversight/common/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "oversight/common/encoding.h"

namespace oversight {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

std::string Errno(std::string_view what, const std::string& path) {
  return std::string(what) + " " + path + ": " + std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("writing", path));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) return Status::IOError(Errno("syncing", path));
  return Status::Ok();
}

StatusOr<std::string> ReadAll(int fd, const std::string& path, std::size_t max_bytes) {
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno("reading", path));
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      return Status::ResourceExhausted(path + " is larger than " + std::to_string(max_bytes) +
                                       " bytes");
    }
  }
  return out;
}

}  // namespace

Status CheckKeyFilePermissions(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("key file " + path + " does not exist");
    return Status::IOError(Errno("cannot stat key file", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::PermissionDenied("key file " + path +
                                    " is not a regular file (symlinks are refused)");
  }
  if (st.st_uid != ::geteuid()) {
    return Status::PermissionDenied("key file " + path + " is owned by uid " +
                                    std::to_string(st.st_uid) + ", not by the current user");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    return Status::PermissionDenied("key file " + path + " has mode " + mode +
                                    "; it must be readable by its owner only (chmod 600 " + path +
                                    ")");
  }
  return Status::Ok();
}

StatusOr<SecretBytes> ReadKeyFile(const std::string& path) {
  OVERSIGHT_RETURN_IF_ERROR(CheckKeyFilePermissions(path));
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) return Status::IOError(Errno("cannot open key file", path));
  OVERSIGHT_ASSIGN_OR_RETURN(std::string data, ReadAll(fd.get(), path, kMaxKeyFileBytes));
  SecretBytes out(AsBytes(data));
  OPENSSL_cleanse(data.data(), data.size());
  return out;
}

StatusOr<SecretBytes> ReadRawKey256(const std::string& path) {
  OVERSIGHT_ASSIGN_OR_RETURN(SecretBytes text, ReadKeyFile(path));
  std::string_view hex(reinterpret_cast<const char*>(text.view().data()), text.size());
  if (!hex.empty() && hex.back() == '\n') hex.remove_suffix(1);
  if (hex.size() != 64) {
    return Status::InvalidArgument("key file " + path +
                                   " must hold a 256-bit key as 64 hex characters");
  }
  auto bytes = HexDecode(hex);
  if (!bytes.ok()) {
    return Status::InvalidArgument("key file " + path + " holds a non-hex character");
  }
  SecretBytes key(std::move(bytes).value());
  return key;
}

Status WriteNewKeyFile(const std::string& path, std::span<const std::uint8_t> contents) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    if (errno == EEXIST) {
      return Status::AlreadyExists("key file " + path + " already exists; refusing to overwrite");
    }
    return Status::IOError(Errno("cannot create key file", path));
  }
  // The umask may have removed bits but never adds them; make the mode exact anyway.
  if (::fchmod(fd.get(), 0600) != 0) return Status::IOError(Errno("chmod", path));
  return WriteAll(fd.get(), {reinterpret_cast<const char*>(contents.data()), contents.size()},
                  path);
}

Status CreateRawKey256File(const std::string& path) {
  std::uint8_t key[32];
  if (RAND_bytes(key, sizeof key) != 1) return Status::Internal("RAND_bytes failed");
  std::string hex = HexEncode(key) + "\n";
  OPENSSL_cleanse(key, sizeof key);
  Status st = WriteNewKeyFile(path, AsBytes(hex));
  OPENSSL_cleanse(hex.data(), hex.size());
  return st;
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return Status::IOError(Errno("cannot create", tmp));
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
      return Status::IOError(Errno("chmod", tmp));
    }
    OVERSIGHT_RETURN_IF_ERROR(WriteAll(fd.get(), contents, tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = Status::IOError(Errno("cannot rename onto", path));
    ::unlink(tmp.c_str());
    return st;
  }
  return Status::Ok();
}

StatusOr<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError(Errno("cannot open", path));
  }
  return ReadAll(fd.get(), path, max_bytes);
}

}  // namespace oversight
