#include "proxy_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oversight/common/encoding.h"

namespace oversight::proxy::testing {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteText(const std::string& path, const std::string& text, int mode) {
  std::ofstream(path, std::ios::binary) << text;
  chmod(path.c_str(), static_cast<mode_t>(mode));
}

CommandResult Run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

TestPki::TestPki(const TempDir& dir) {
  ca_cert = dir.File("ca.crt");
  server_cert = dir.File("server.crt");
  server_key = dir.File("server.key");
  client_cert = dir.File("client.crt");
  client_key = dir.File("client.key");
  const std::string d = dir.path();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  const std::string script =
      "set -e; cd '" + d +
      "'; umask 077;"
      "openssl req -x509" +
      ec +
      " -keyout ca.key -out ca.crt -days 2 -subj '/CN=Test CA';"
      "openssl req -new" +
      ec +
      " -keyout server.key -out server.csr -subj '/CN=localhost';"
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext;"
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
      " -extfile server.ext -out server.crt;"
      "openssl req -new" +
      ec +
      " -keyout client.key -out client.csr"
      " -subj '/O=Metro PD/CN=det.jones';"
      "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2"
      " -out client.crt;"
      "chmod 600 server.key client.key ca.key";
  CommandResult r = Run(script);
  ok = r.exit_code == 0;
  error = r.output;
}

void MapLookup::Add(std::string key_id, std::string secret, std::string token) {
  entries_[std::move(key_id)] = {std::move(secret), std::move(token)};
}

StatusOr<SigningCredential> MapLookup::Lookup(std::string_view access_key_id,
                                              std::string_view session_token) const {
  last_token = std::string(session_token);
  auto it = entries_.find(access_key_id);
  if (it == entries_.end()) return Status::NotFound("unknown key");
  if (it->second.token != session_token) return Status::Unauthenticated("bad token");
  return SigningCredential{SecretBytes(AsBytes(it->second.secret)), "principal-" + it->first};
}

Request ParseRawRequest(const std::string& text) {
  Request r;
  std::size_t line_end = text.find('\n');
  std::string first = text.substr(0, line_end);
  std::size_t sp1 = first.find(' ');
  std::size_t sp2 = first.rfind(' ');
  r.method = first.substr(0, sp1);
  std::string target = first.substr(sp1 + 1, sp2 - sp1 - 1);
  std::size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  std::size_t pos = line_end + 1;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  if (pos < text.size()) r.body = text.substr(pos);
  return r;
}

Request CliRequest(std::string op, std::string body, std::string host) {
  Request r;
  r.method = "POST";
  r.path = "/";
  r.headers = {{"Host", std::move(host)},
               {"X-Amz-Target", "RekognitionService." + op},
               {"Content-Type", "application/x-amz-json-1.1"},
               {"User-Agent", "aws-cli/1.45.11"}};
  r.body = std::move(body);
  return r;
}

TimePoint CliTime() { return *ParseAmzDate("20261126T050510Z"); }

// ---- RawTlsClient -------------------------------------------------------------------------
namespace {

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

RawTlsClient::~RawTlsClient() { Close(); }

bool RawTlsClient::Connect(std::uint16_t port, const std::string& ca_file,
                           std::chrono::milliseconds timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return false;
  SetTimeouts(fd_, timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  ssl_ctx_ = ctx;
  if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) return false;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = SSL_new(ctx);
  ssl_ = ssl;
  SSL_set_fd(ssl, fd_);
  SSL_set_tlsext_host_name(ssl, "localhost");
  return SSL_connect(ssl) == 1;
}

bool RawTlsClient::Send(std::string_view bytes) {
  if (ssl_ == nullptr) return false;
  return SSL_write(static_cast<SSL*>(ssl_), bytes.data(), static_cast<int>(bytes.size())) ==
         static_cast<int>(bytes.size());
}

bool RawTlsClient::ReadSome(char* byte) {
  return ssl_ != nullptr && SSL_read(static_cast<SSL*>(ssl_), byte, 1) == 1;
}

std::string RawTlsClient::ReadUntilClose(std::chrono::milliseconds timeout) {
  std::string out;
  if (ssl_ == nullptr) return out;
  SetTimeouts(fd_, timeout);
  char buf[4096];
  int n;
  while ((n = SSL_read(static_cast<SSL*>(ssl_), buf, sizeof buf)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawTlsClient::PeerClosed() {
  if (ssl_ == nullptr) return true;
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  // Readable: either post-handshake messages (TLS 1.3 session tickets) or the close. A short
  // read tells which: tickets are consumed and the read times out; a close returns 0 or fails.
  SetTimeouts(fd_, std::chrono::milliseconds(50));
  char byte;
  int n = SSL_read(static_cast<SSL*>(ssl_), &byte, 1);
  int err = n > 0 ? SSL_ERROR_NONE : SSL_get_error(static_cast<SSL*>(ssl_), n);
  bool timed_out = err == SSL_ERROR_WANT_READ ||
                   (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
  SetTimeouts(fd_, std::chrono::seconds(30));
  return n <= 0 && !timed_out;
}

void RawTlsClient::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

void RawTlsClient::Close() {
  if (ssl_ != nullptr) SSL_free(static_cast<SSL*>(ssl_));
  if (ssl_ctx_ != nullptr) SSL_CTX_free(static_cast<SSL_CTX*>(ssl_ctx_));
  if (fd_ >= 0) close(fd_);
  ssl_ = nullptr;
  ssl_ctx_ = nullptr;
  fd_ = -1;
}

}  // namespace oversight::proxy::testing
