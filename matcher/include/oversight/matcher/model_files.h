// The model files the matcher uses, and the SHA-256 pins that guard them.
//
// The pins are compiled in from matcher/model-files.sha256, the same list scripts/fetch-models
// checks after `npm install`, so a weight file that changed on disk (corruption, tampering, a
// different package version) is refused at load rather than silently producing other faces.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "oversight/common/status.h"

namespace oversight::matcher {

// Model names, as in "<name>-weights_manifest.json" and "<name>.bin".
inline constexpr std::string_view kDetectorModel = "tiny_face_detector_model";
inline constexpr std::string_view kLandmarkModel = "face_landmark_68_model";
inline constexpr std::string_view kLandmarkTinyModel = "face_landmark_68_tiny_model";
inline constexpr std::string_view kRecognitionModel = "face_recognition_model";

// Where scripts/fetch-models puts the package's model/ folder, relative to its --prefix.
inline constexpr std::string_view kModelSubdir = "node_modules/@vladmandic/face-api/model";

// OK if the SHA-256 of `contents` equals the pin for `file_name`. NotFound if the file has no
// pin (we never load an unpinned file); PermissionDenied, with a message saying how to
// re-fetch, if the hash differs.
Status CheckModelFilePin(std::string_view file_name, std::span<const std::uint8_t> contents);

// Returns `dir` if it holds the pinned files, else `dir`/kModelSubdir if that does; lets callers
// pass either the npm prefix (<repo>/models) or the package's model/ folder itself.
std::string ResolveModelDir(const std::string& dir);

}  // namespace oversight::matcher
