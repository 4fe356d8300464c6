// `oversight matcher verify-models|analyze`: checking the face model and trying it on a photo.
// Thin: the matcher library does the work; this file parses flags and prints text or JSON.
// The `gallery` group lives in gallery_cmd.cc and is registered from here.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/model_files.h"

namespace oversight::cli {

void AddGalleryCommands(CLI::App& app, Context& ctx);  // gallery_cmd.cc

namespace {

using nlohmann::json;
namespace m = oversight::matcher;

std::string DefaultModelsDir() {
  const char* env = std::getenv("OVERSIGHT_MODELS_DIR");
  return env && *env ? env : "models";
}

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

struct VerifyArgs {
  std::string models;
  bool json = false;
};

constexpr std::string_view kModels[] = {m::kDetectorModel, m::kLandmarkModel, m::kLandmarkTinyModel,
                                        m::kRecognitionModel};

void PrintVerify(const json& out) {
  const bool all_ok = out["ok"].get<bool>();
  const json& files = out["files"];
  const std::string dir = out["dir"];
  std::cout << "model directory: " << dir << "\n";
  for (const json& f : files) {
    std::cout << (f["ok"].get<bool>() ? "  ok      " : "  FAILED  ") << f["file"].get<std::string>()
              << (f["ok"].get<bool>() ? "" : "  " + f["error"].get<std::string>()) << "\n";
  }
  if (out.contains("load_ms")) {
    std::cout << (out["loaded"].get<bool>()
                      ? "nets built in " + std::to_string(out["load_ms"].get<int>()) + " ms\n"
                      : "loading failed: " + out["load_error"].get<std::string>() + "\n");
  }
  std::cout << (all_ok ? "models OK\n"
                       : "models NOT OK: run scripts/fetch-models to fetch the pinned files\n");
}

// Checks every pinned file, then builds the nets. Exit 1 if a file is missing or altered.
int RunVerify(const VerifyArgs& a) {
  const std::string dir = m::ResolveModelDir(a.models);
  json files = json::array();
  bool all_ok = true;
  for (std::string_view model : kModels) {
    for (const std::string suffix : {"-weights_manifest.json", ".bin"}) {
      const std::string name = std::string(model) + suffix;
      auto bytes = ReadSmallFile(dir + "/" + name, 64 << 20);
      Status st = bytes.ok() ? m::CheckModelFilePin(name, AsBytes(*bytes)) : bytes.status();
      all_ok = all_ok && st.ok();
      files.push_back({{"file", name}, {"ok", st.ok()}, {"error", st.ok() ? "" : st.ToString()}});
    }
  }
  json out = {{"dir", dir}, {"files", files}};
  if (all_ok) {
    const auto start = std::chrono::steady_clock::now();
    auto model = m::FaceModel::Load(dir);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    out["load_ms"] = took.count();
    out["loaded"] = model.ok();
    if (!model.ok()) out["load_error"] = model.status().ToString();
    all_ok = model.ok();
  }
  out["ok"] = all_ok;
  if (a.json) {
    PrintJson(out);
  } else {
    PrintVerify(out);
  }
  return all_ok ? kExitOk : kExitInvalid;
}

struct AnalyzeArgs {
  std::string models, image;
  bool json = false;
};

json FaceJson(const m::DetectedFace& f) {
  json reasons = json::array();
  for (auto r : f.unindexed_reasons) reasons.push_back(m::UnindexedReasonName(r));
  return {{"box",
           {{"left", f.box.left},
            {"top", f.box.top},
            {"width", f.box.width},
            {"height", f.box.height}}},
          {"confidence", f.confidence},
          {"indexable", f.indexed()},
          {"unindexed_reasons", reasons}};
}

void PrintAnalysis(const std::string& image, const m::Analysis& an) {
  std::printf("%s: %s %dx%d, %zu face(s)\n", image.c_str(),
              std::string(m::ImageFormatName(an.image.format)).c_str(), an.image.width,
              an.image.height, an.faces.size());
  int i = 0;
  for (const auto& f : an.faces) {
    std::printf("  face %d: box x=%.0f y=%.0f w=%.0f h=%.0f px, confidence %.1f%%", ++i, f.box.left,
                f.box.top, f.box.width, f.box.height, f.confidence * 100);
    if (f.indexed()) {
      std::printf(", indexable\n");
    } else {
      std::printf(", not indexable:");
      for (auto r : f.unindexed_reasons) {
        std::printf(" %s", std::string(m::UnindexedReasonName(r)).c_str());
      }
      std::printf("\n");
    }
  }
}

int RunAnalyze(const AnalyzeArgs& a) {
  auto bytes = ReadSmallFile(a.image, 64 << 20);
  if (!bytes.ok()) return ReportError(bytes.status());
  auto model = m::FaceModel::Load(a.models);
  if (!model.ok()) return ReportError(model.status().WithContext("loading the face model"));
  auto analysis = (*model)->Analyze(AsBytes(*bytes));
  if (!analysis.ok()) return ReportError(analysis.status().WithContext(a.image));
  if (a.json) {
    json faces = json::array();
    for (const auto& f : analysis->faces) faces.push_back(FaceJson(f));
    PrintJson({{"image", a.image},
               {"format", std::string(m::ImageFormatName(analysis->image.format))},
               {"width", analysis->image.width},
               {"height", analysis->image.height},
               {"faces", faces}});
  } else {
    PrintAnalysis(a.image, *analysis);
  }
  return kExitOk;
}

void AddModelsOption(CLI::App* cmd, std::string* dir) {
  *dir = DefaultModelsDir();
  cmd->add_option("--models", *dir,
                  "Face model directory: the npm prefix scripts/fetch-models installed into, or\n"
                  "the package's model/ folder; default $OVERSIGHT_MODELS_DIR or ./models")
      ->capture_default_str();
}

}  // namespace

void AddMatcherCommands(CLI::App& app, Context& ctx) {
  auto* matcher = app.add_subcommand(
      "matcher",
      "The local face matcher: check the pinned face model and try it on a photo.\n"
      "Exit codes: 0 ok, 1 a model file is missing or fails its SHA-256 pin, 2 usage or I/O.");
  matcher->require_subcommand(1);

  static VerifyArgs verify;
  auto* c = matcher->add_subcommand(
      "verify-models",
      "Check every model file against the SHA-256 pins compiled into this binary\n"
      "(matcher/model-files.sha256), then build the three nets. Run it after fetching.");
  AddModelsOption(c, &verify.models);
  c->add_flag("--json", verify.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunVerify(verify); });

  static AnalyzeArgs analyze;
  c = matcher->add_subcommand(
      "analyze",
      "Detect the faces in IMAGE (JPEG, PNG, WebP or BMP) and print each box in pixels,\n"
      "the detector's confidence, and whether IndexFaces would index it (and if not, why).\n"
      "Nothing is stored.");
  c->add_option("IMAGE", analyze.image, "The photo to analyse")->required();
  AddModelsOption(c, &analyze.models);
  c->add_flag("--json", analyze.json, "Machine-readable output");
  c->callback([&ctx] { ctx.exit_code = RunAnalyze(analyze); });

  AddMatcherServeCommand(*matcher, ctx);
  AddGalleryCommands(app, ctx);
}

}  // namespace oversight::cli
