// The local transport: UnixServer (plain HTTP/1.1 on a Unix socket) and the Unix upstream
// client, against each other and against scripted raw peers that misbehave on purpose.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/unix_server.h"
#include "oversight/proxy/upstream.h"
#include "proxy_test_util.h"

namespace oversight::proxy {
namespace {

using namespace std::chrono_literals;
using testing::ReadText;
using testing::TempDir;

std::string Header(const Request& r, std::string_view name) {
  std::string_view value;
  return SingleHeader(r.headers, name, &value) ? std::string(value) : "<absent or repeated>";
}

// Echoes the operation and body back, so every caller can check it got its own answer.
Response EchoHandler(const Request& r) {
  return MakeJsonResponse(
      "{\"Target\":\"" + Header(r, "X-Amz-Target") + "\",\"Body\":" + r.body + "}", r.request_id);
}

sockaddr_un Address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return addr;
}

// A raw peer on a Unix socket, scripted per accepted connection (0, 1, ...), for the
// misbehaviours a real server would not produce on demand.
class ScriptedPeer {
 public:
  using Script = std::function<void(int fd, int connection)>;

  ScriptedPeer(const std::string& path, Script script) : script_(std::move(script)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr = Address(path);
    ok_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
          ::listen(fd_, 16) == 0;
    if (ok_) thread_ = std::thread([this] { Loop(); });
  }
  ~ScriptedPeer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  bool ok() const { return ok_; }
  int connections() const { return connections_.load(); }

  // Reads one request (headers and Content-Length body); false on close.
  static bool ReadRequest(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
      std::size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t cl = data.find("Content-Length: ");
        std::size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= end + 4 + length) return true;
      }
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<std::size_t>(n));
    }
  }
  static void Send(int fd, std::string_view bytes) {
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  static constexpr std::string_view kOkReply =
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n\r\n{}";

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      script_(conn, connections_.fetch_add(1));
      ::close(conn);
    }
  }

  Script script_;
  int fd_ = -1;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

class UnixTransportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { signal(SIGPIPE, SIG_IGN); }

  void SetUp() override {
    path_ = dir_.File("matcher.sock");
    config_.socket_path = path_;
    options_.socket_path = path_;
  }

  void StartServer(Handler handler = EchoHandler) {
    auto server = UnixServer::Start(config_, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::unique_ptr<Upstream> MakeUpstream() {
    auto upstream = MakeUnixUpstream(options_);
    EXPECT_TRUE(upstream.ok()) << upstream.status().ToString();
    return upstream.ok() ? std::move(*upstream) : nullptr;
  }

  TempDir dir_;
  std::string path_;
  UnixServerConfig config_;
  UnixUpstreamOptions options_;
  std::unique_ptr<UnixServer> server_;
};

TEST_F(UnixTransportTest, RoundTripCarriesOperationBodyAndRequestId) {
  Request seen;
  std::mutex mu;
  StartServer([&](const Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen = r;
    return EchoHandler(r);
  });
  auto upstream = MakeUpstream();
  auto reply = upstream->Call("SearchFacesByImage", R"({"CollectionId":"c"})", "req-123");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->http_status, 200);
  EXPECT_EQ(reply->body,
            R"({"Target":"RekognitionService.SearchFacesByImage","Body":{"CollectionId":"c"}})");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/");
  EXPECT_EQ(Header(seen, "Host"), "localhost");
  EXPECT_EQ(Header(seen, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(Header(seen, "x-amzn-RequestId"), "req-123");
  EXPECT_EQ(seen.remote_address, "unix");
}

TEST_F(UnixTransportTest, ErrorRepliesAreRepliesNotFailures) {
  StartServer([](const Request& r) {
    return MakeErrorResponse({ErrorType::kUnknownOperation, "no such op"}, r.request_id);
  });
  auto reply = MakeUpstream()->Call("Nope", "{}", "r1");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->http_status, 400);
  EXPECT_NE(reply->body.find("UnknownOperationException"), std::string::npos);
}

TEST_F(UnixTransportTest, HeaderInjectionInOperationOrRequestIdIsRefused) {
  StartServer();
  auto upstream = MakeUpstream();
  EXPECT_EQ(upstream->Call("List\r\nX: y", "{}", "r").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(upstream->Call("ListFaces", "{}", "r\r\nX: y").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(server_->accepted_connections(), 0u);
}

TEST_F(UnixTransportTest, PoolReusesOneKeepAliveConnection) {
  StartServer();
  auto upstream = MakeUpstream();
  for (int i = 0; i < 10; ++i) {
    auto reply = upstream->Call("ListCollections", "{}", "r" + std::to_string(i));
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  }
  EXPECT_EQ(server_->accepted_connections(), 1u);
}

TEST_F(UnixTransportTest, NoPoolingWhenMaxIdleIsZero) {
  options_.max_idle_connections = 0;
  StartServer();
  auto upstream = MakeUpstream();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(upstream->Call("ListCollections", "{}", "r").ok());
  EXPECT_EQ(server_->accepted_connections(), 3u);
}

TEST_F(UnixTransportTest, ConnectionTheServerClosedWhileIdleIsReplaced) {
  config_.read_timeout = 200ms;  // also the server's keep-alive idle limit
  StartServer();
  auto upstream = MakeUpstream();
  ASSERT_TRUE(upstream->Call("ListCollections", "{}", "r1").ok());
  std::this_thread::sleep_for(600ms);
  auto reply = upstream->Call("ListCollections", "{}", "r2");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(UnixTransportTest, StalePooledConnectionIsRetriedOnceOnAFreshOne) {
  // Connection 0 answers once, then closes on the next request without a byte of reply: the
  // race where the server drops an idle connection just as the request goes out.
  ScriptedPeer peer(path_, [](int fd, int connection) {
    if (!ScriptedPeer::ReadRequest(fd)) return;
    ScriptedPeer::Send(fd, ScriptedPeer::kOkReply);
    if (connection == 0) ScriptedPeer::ReadRequest(fd);
  });
  ASSERT_TRUE(peer.ok());
  auto upstream = MakeUpstream();
  ASSERT_TRUE(upstream->Call("ListCollections", "{}", "r1").ok());
  auto reply = upstream->Call("ListCollections", "{}", "r2");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->body, "{}");
  EXPECT_EQ(peer.connections(), 2);
}

TEST_F(UnixTransportTest, FreshConnectionClosedWithoutReplyIsNotRetried) {
  ScriptedPeer peer(path_, [](int fd, int) { ScriptedPeer::ReadRequest(fd); });
  ASSERT_TRUE(peer.ok());
  auto reply = MakeUpstream()->Call("IndexFaces", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable) << reply.status().ToString();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(peer.connections(), 1);
}

TEST_F(UnixTransportTest, PooledConnectionThatDiesMidReplyIsNotRetried) {
  ScriptedPeer peer(path_, [](int fd, int) {
    if (!ScriptedPeer::ReadRequest(fd)) return;
    ScriptedPeer::Send(fd, ScriptedPeer::kOkReply);
    if (!ScriptedPeer::ReadRequest(fd)) return;
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nContent-Le");
  });
  ASSERT_TRUE(peer.ok());
  auto upstream = MakeUpstream();
  ASSERT_TRUE(upstream->Call("IndexFaces", "{}", "r1").ok());
  auto reply = upstream->Call("IndexFaces", "{}", "r2");
  EXPECT_FALSE(reply.ok());
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(peer.connections(), 1);
}

TEST_F(UnixTransportTest, HandlerSlowerThanCallTimeoutFailsWithoutHanging) {
  config_.stop_grace = 0ms;
  StartServer([](const Request& r) {
    std::this_thread::sleep_for(1500ms);
    return EchoHandler(r);
  });
  options_.call_timeout = 200ms;
  auto upstream = MakeUpstream();
  auto start = std::chrono::steady_clock::now();
  auto reply = upstream->Call("SearchFacesByImage", "{}", "r1");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("deadline exceeded"), std::string::npos)
      << reply.status().ToString();
  EXPECT_LT(took, 1000ms);
}

TEST_F(UnixTransportTest, GarbageSpeakingPeerIsAnErrorNotACrash) {
  ScriptedPeer peer(path_, [](int fd, int) {
    ScriptedPeer::ReadRequest(fd);
    ScriptedPeer::Send(fd, "THIS IS NOT HTTP AT ALL\r\n\r\n");
  });
  ASSERT_TRUE(peer.ok());
  auto reply = MakeUpstream()->Call("ListCollections", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kInternal) << reply.status().ToString();
}

TEST_F(UnixTransportTest, SilentPeerTimesOut) {
  ScriptedPeer peer(path_, [](int fd, int) {
    ScriptedPeer::ReadRequest(fd);
    std::this_thread::sleep_for(800ms);
  });
  ASSERT_TRUE(peer.ok());
  options_.call_timeout = 200ms;
  auto reply = MakeUpstream()->Call("ListCollections", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("deadline exceeded"), std::string::npos);
}

TEST_F(UnixTransportTest, ReplyOverMaxReplyBytesIsRefused) {
  StartServer([](const Request& r) {
    return MakeJsonResponse("\"" + std::string(10'000, 'x') + "\"", r.request_id);
  });
  options_.max_reply_bytes = 1024;
  auto reply = MakeUpstream()->Call("ListFaces", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
}

TEST_F(UnixTransportTest, ChunkedReplyOverMaxReplyBytesIsRefused) {
  ScriptedPeer peer(path_, [](int fd, int) {
    ScriptedPeer::ReadRequest(fd);
    ScriptedPeer::Send(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 8; ++i) ScriptedPeer::Send(fd, "200\r\n" + std::string(512, 'x') + "\r\n");
    ScriptedPeer::Send(fd, "0\r\n\r\n");
  });
  ASSERT_TRUE(peer.ok());
  options_.max_reply_bytes = 1024;
  auto reply = MakeUpstream()->Call("ListFaces", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kResourceExhausted) << reply.status().ToString();
}

TEST_F(UnixTransportTest, RequestOverServerBodyLimitGets413) {
  config_.body_limit = 1024;
  StartServer();
  auto reply = MakeUpstream()->Call("IndexFaces", "\"" + std::string(4096, 'b') + "\"", "r1");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->http_status, 413);
}

TEST_F(UnixTransportTest, NobodyListeningIsUnavailable) {
  auto reply = MakeUpstream()->Call("ListCollections", "{}", "r1");
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
}

TEST_F(UnixTransportTest, SocketFileHasMode0600) {
  StartServer();
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(UnixTransportTest, SocketModeIsConfigurable) {
  config_.socket_mode = 0660;
  StartServer();
  struct stat st {};
  ASSERT_EQ(::lstat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(UnixTransportTest, NonSocketFileAtThePathIsRefusedAndLeftAlone) {
  dir_.Write("matcher.sock", "precious data");
  auto server = UnixServer::Start(config_, EchoHandler);
  EXPECT_EQ(server.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadText(path_), "precious data");
}

TEST_F(UnixTransportTest, StaleSocketIsReplaced) {
  {  // A socket file nobody listens on, as a crashed server leaves behind.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr = Address(path_);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  StartServer();
  EXPECT_TRUE(MakeUpstream()->Call("ListCollections", "{}", "r1").ok());
}

TEST_F(UnixTransportTest, LiveSocketIsRefusedAndKeepsServing) {
  StartServer();
  auto second = UnixServer::Start(config_, EchoHandler);
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(MakeUpstream()->Call("ListCollections", "{}", "r1").ok());
}

TEST_F(UnixTransportTest, StopRemovesTheSocketFile) {
  StartServer();
  ASSERT_EQ(::access(path_.c_str(), F_OK), 0);
  server_->Stop();
  EXPECT_NE(::access(path_.c_str(), F_OK), 0);
  server_->Stop();  // idempotent
}

TEST_F(UnixTransportTest, StopLeavesASocketItDidNotCreate) {
  StartServer();
  ASSERT_EQ(::unlink(path_.c_str()), 0);
  ScriptedPeer other(path_, [](int, int) {});  // a new server took the path meanwhile
  ASSERT_TRUE(other.ok());
  server_->Stop();
  EXPECT_EQ(::access(path_.c_str(), F_OK), 0);
}

TEST_F(UnixTransportTest, TooLongSocketPathIsRefused) {
  config_.socket_path = "/tmp/" + std::string(200, 'a');
  EXPECT_EQ(UnixServer::Start(config_, EchoHandler).status().code(), StatusCode::kInvalidArgument);
  options_.socket_path = config_.socket_path;
  EXPECT_EQ(MakeUnixUpstream(options_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(UnixTransportTest, ConcurrentCallsEachGetTheirOwnAnswer) {
  config_.worker_threads = 4;
  StartServer();
  auto upstream = MakeUpstream();
  constexpr int kThreads = 8, kCalls = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string body =
            "{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}";
        auto reply = upstream->Call("ListFaces", body, "r-" + std::to_string(t));
        if (reply.ok() && reply->body.find("\"Body\":" + body + "}") != std::string::npos) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kCalls);
  EXPECT_LE(server_->accepted_connections(), static_cast<std::size_t>(kThreads));
}

}  // namespace
}  // namespace oversight::proxy
