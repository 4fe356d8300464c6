// `oversight matcher serve`: the local matcher as a service the proxy calls. Rekognition's
// AWS JSON 1.1 protocol over plain HTTP/1.1 on a Unix socket (proxy's UnixServer); each call
// goes to matcher::RekognitionApi. Thin: it wires the libraries together, logs one line per
// request and waits for SIGINT/SIGTERM.
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "command.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/gallery.h"
#include "oversight/matcher/rekognition_api.h"
#include "oversight/proxy/aws_json.h"
#include "oversight/proxy/config.h"
#include "oversight/proxy/unix_server.h"

namespace oversight::cli {
namespace {

namespace m = oversight::matcher;
namespace p = oversight::proxy;
namespace fs = std::filesystem;

struct ServeArgs {
  std::string config, socket, gallery, gallery_key, models;
  int workers = 0;
  bool models_given = false;  // set after parsing: a flag beats the config file
};

// Flags win; the config fills what they left empty.
Status ApplyConfig(ServeArgs& a) {
  if (a.config.empty()) return Status::Ok();
  auto config = p::LoadServeConfig(a.config);
  if (!config.ok()) return config.status().WithContext("config " + a.config);
  if (a.socket.empty()) a.socket = config->matcher_socket;
  if (a.gallery.empty()) a.gallery = config->gallery_db;
  if (a.gallery_key.empty()) a.gallery_key = config->gallery_key;
  if (!a.models_given && !config->models_dir.empty()) a.models = config->models_dir;
  return Status::Ok();
}

Status CheckArgs(ServeArgs& a) {
  if (a.socket.empty()) return Status::InvalidArgument("--socket is required (or --config)");
  if (a.gallery.empty()) return Status::InvalidArgument("--gallery is required (or --config)");
  // `oversight gallery init` puts gallery.key beside gallery.db.
  if (a.gallery_key.empty())
    a.gallery_key = (fs::path(a.gallery).parent_path() / "gallery.key").string();
  if (a.workers <= 0)
    a.workers = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  return Status::Ok();
}

StatusOr<std::unique_ptr<m::Gallery>> OpenGallery(const ServeArgs& a) {
  auto key = ReadRawKey256(a.gallery_key);
  if (!key.ok()) return key.status().WithContext("gallery key");
  if (!fs::exists(a.gallery)) {
    std::fprintf(stderr, "matcher: no gallery at %s; creating an empty one\n", a.gallery.c_str());
  }
  auto gallery = m::Gallery::Open(a.gallery, *key);
  if (!gallery.ok()) return gallery.status().WithContext("gallery " + a.gallery);
  return gallery;
}

std::size_t FaceCount(const m::Gallery& gallery) {
  std::size_t n = 0;
  for (const std::string& id : gallery.ListCollections()) {
    auto info = gallery.DescribeCollection(id);
    if (info.ok()) n += info->face_count;
  }
  return n;
}

// The proxy's request id when it sent a plausible one, so both logs name the same call.
std::string CallerRequestId(const p::Request& r) {
  std::string_view id;
  const bool plausible =
      p::SingleHeader(r.headers, "x-amzn-RequestId", &id) && !id.empty() && id.size() <= 128 &&
      std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  return plausible ? std::string(id) : r.request_id;
}

// One line per call: never the body (images, descriptors), only what identifies the call.
void LogCall(const std::string& id, std::string_view op, int status, std::string_view error,
             std::chrono::steady_clock::duration took) {
  const double ms = std::chrono::duration<double, std::milli>(took).count();
  const std::string time = FormatRfc3339Millis(std::chrono::system_clock::now());
  // One write per line, so lines from concurrent workers do not interleave.
  std::fprintf(stderr, "%s %s %.*s %d%s%.*s %.1fms\n", time.c_str(), id.c_str(),
               static_cast<int>(op.size()), op.data(), status, error.empty() ? "" : " ",
               static_cast<int>(error.size()), error.data(), ms);
}

p::Response HandleCall(const m::RekognitionApi& api, const p::Request& r) {
  const auto start = std::chrono::steady_clock::now();
  const std::string id = CallerRequestId(r);
  p::AwsError error;
  std::optional<p::Operation> op = p::ValidateJsonEnvelope(r, &error);
  if (!op) {
    p::Response response = p::MakeErrorResponse(error, id);
    LogCall(id, "-", response.status, p::ErrorTypeName(error.type),
            std::chrono::steady_clock::now() - start);
    return response;
  }
  const std::string_view name = p::OperationName(*op);
  m::ApiResult result = api.Handle(name, r.body);
  LogCall(id, name, result.http_status, result.error_type,
          std::chrono::steady_clock::now() - start);
  return {result.http_status,
          {{"Content-Type", std::string(p::kAwsJsonContentType)}, {"x-amzn-RequestId", id}},
          std::move(result.content)};
}

// Blocks until SIGINT or SIGTERM. REQUIRES: both blocked in every thread (BlockStopSignals
// before any thread starts), so sigwait is the only place they land.
int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int RunServe(ServeArgs a) {
  // Before the model or the server start threads, so they all inherit the mask.
  BlockStopSignals();
  if (Status st = ApplyConfig(a); !st.ok()) return ReportError(st);
  if (Status st = CheckArgs(a); !st.ok()) return ReportError(st);
  auto gallery = OpenGallery(a);  // first: a key problem is found without waiting for the nets
  if (!gallery.ok()) return ReportError(gallery.status());
  auto model = m::FaceModel::Load(a.models);  // checks the SHA-256 pins, as verify-models does
  if (!model.ok()) return ReportError(model.status().WithContext("loading the face model"));
  const m::RekognitionApi api(**gallery, **model);

  p::UnixServerConfig config;
  config.socket_path = a.socket;
  config.worker_threads = a.workers;
  // The API refuses larger bodies itself; the transport must let them reach it.
  config.body_limit = m::RekognitionApiOptions{}.max_request_bytes;
  auto server =
      p::UnixServer::Start(config, [&api](const p::Request& r) { return HandleCall(api, r); });
  if (!server.ok()) return ReportError(server.status());
  std::printf("matcher: serving on %s (gallery %s, %zu faces)\n", a.socket.c_str(),
              a.gallery.c_str(), FaceCount(**gallery));
  std::fflush(stdout);

  const int sig = WaitForStopSignal();
  std::fprintf(stderr, "matcher: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Stop();
  return kExitOk;
}

std::string DefaultModelsDir() {
  const char* env = std::getenv("OVERSIGHT_MODELS_DIR");
  return env && *env ? env : "models";
}

}  // namespace

void AddMatcherServeCommand(CLI::App& matcher_group, Context& ctx) {
  static ServeArgs args;
  auto* c = matcher_group.add_subcommand(
      "serve",
      "Serve the face matcher on a Unix socket for the proxy (`oversight serve`) to call.\n"
      "It speaks Amazon Rekognition's AWS JSON 1.1 protocol over plain HTTP/1.1: POST / with\n"
      "X-Amz-Target: RekognitionService.<Op>. There is no TLS and no authentication: the\n"
      "socket file (mode 0600, owner only) is the access control. The model is pin-checked\n"
      "as verify-models does, the gallery opened with its key; one line per call goes to\n"
      "stderr (time, request id, operation, status, duration; never image bytes).\n"
      "SIGINT/SIGTERM stop it cleanly (exit 0) and remove the socket.");
  c->footer(
      "Examples:\n"
      "  oversight gallery init --dir data/gallery\n"
      "  oversight matcher serve --socket run/matcher.sock --gallery data/gallery/gallery.db\n"
      "  curl --unix-socket run/matcher.sock -H 'Content-Type: application/x-amz-json-1.1' \\\n"
      "       -H 'X-Amz-Target: RekognitionService.ListCollections' -d '{}' http://localhost/\n"
      "  oversight matcher serve --config oversight.json   # matcher.* from the config file");
  c->add_option("--config", args.config,
                "JSON config (as `oversight init` writes); its matcher.socket, matcher.gallery,\n"
                "matcher.gallery_key and matcher.models fill any flag not given");
  c->add_option("--socket", args.socket,
                "Unix socket path to listen on (required unless --config)");
  c->add_option("--gallery", args.gallery, "Gallery database (required unless --config)");
  c->add_option("--gallery-key", args.gallery_key,
                "The gallery's key file: 64 hex characters, mode 0600\n"
                "(default: gallery.key beside the database)");
  args.models = DefaultModelsDir();
  auto* models = c->add_option("--models", args.models,
                               "Face model directory; default $OVERSIGHT_MODELS_DIR or ./models")
                     ->capture_default_str();
  c->add_option("--workers", args.workers,
                "Threads running calls (default: one per CPU, at most 16)")
      ->check(CLI::Range(1, 256));
  c->callback([&ctx, models] {
    args.models_given = models->count() > 0;
    ctx.exit_code = RunServe(args);
  });
}

}  // namespace oversight::cli
