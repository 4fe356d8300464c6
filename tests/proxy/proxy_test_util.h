// Helpers shared by the proxy tests: temp dirs, running openssl/curl, test certificates,
// a small credential lookup, and request builders.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "oversight/common/secret.h"
#include "oversight/proxy/http_types.h"
#include "oversight/proxy/sigv4.h"
#include "temp_dir.h"

namespace oversight::proxy::testing {

inline constexpr char kExampleKeyId[] = "AKIDEXAMPLE";
inline constexpr char kExampleSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

using oversight::testing::TempDir;

std::string ReadText(const std::string& path);
void WriteText(const std::string& path, const std::string& text, int mode = 0644);

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs `command` with /bin/sh, capturing output.
CommandResult Run(const std::string& command);

// A throwaway PKI made with the openssl CLI at test time: a CA, a server cert for 127.0.0.1
// and localhost, and a client cert. Keys are mode 0600. Nothing is committed.
struct TestPki {
  explicit TestPki(const TempDir& dir);
  std::string ca_cert, server_cert, server_key, client_cert, client_key;
  bool ok = false;
  std::string error;
};

// Lookup over a fixed map of key id -> secret; accepts `session_token` only if it matches.
class MapLookup final : public CredentialLookup {
 public:
  void Add(std::string key_id, std::string secret, std::string token = "");
  StatusOr<SigningCredential> Lookup(std::string_view access_key_id,
                                     std::string_view session_token) const override;
  mutable std::string last_token;  // what the last Lookup saw (tests only, not thread-safe)

 private:
  struct Entry {
    std::string secret, token;
  };
  std::map<std::string, Entry, std::less<>> entries_;
};

// Parses the AWS test suite's request text ("GET / HTTP/1.1\nName:value\n...\n\nbody").
Request ParseRawRequest(const std::string& text);

// A blocking TLS client over OpenSSL for byte-level control (slow clients, oversized or
// malformed requests). Verifies the server against `ca_file`. Not thread-safe.
class RawTlsClient {
 public:
  RawTlsClient() = default;
  ~RawTlsClient();
  RawTlsClient(const RawTlsClient&) = delete;
  RawTlsClient& operator=(const RawTlsClient&) = delete;

  // TCP connect plus TLS handshake; false if either fails (e.g. the server closed at accept).
  bool Connect(std::uint16_t port, const std::string& ca_file,
               std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool Send(std::string_view bytes);
  // Reads one byte (blocking up to the connect timeout); false on close, error or timeout.
  bool ReadSome(char* byte);
  // Reads until the peer closes or `timeout` passes without data.
  std::string ReadUntilClose(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // True once the server has closed (or reset) the connection; never blocks.
  bool PeerClosed();
  void Close();
  // Sends a TCP FIN (no TLS close_notify) and keeps the socket open.
  void ShutdownWrite();

 private:
  int fd_ = -1;
  void* ssl_ctx_ = nullptr;  // SSL_CTX*, kept opaque so tests need not include OpenSSL
  void* ssl_ = nullptr;      // SSL*
};

// A Rekognition JSON call as the AWS CLI sends it (not yet signed).
Request CliRequest(std::string op, std::string body = "{}", std::string host = "127.0.0.1:8555");

// 2026-11-26T05:05:10Z, the date in the reference's captured CLI request.
TimePoint CliTime();

}  // namespace oversight::proxy::testing
