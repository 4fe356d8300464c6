// FaceModel: the local face matcher's model half. Image bytes in; for every face found, its
// box, detector confidence, 68 landmarks and (for indexable faces) a 128-D descriptor out.
//
// Pipeline (docs/matcher.md): probe the header and refuse absurd dimensions before decoding;
// decode with EXIF orientation applied; TinyFaceDetector + NMS; FaceLandmark68Net on each
// box; dlib-style square crop from the eye and mouth centres; FaceRecognitionNet.
//
// Thread safety: a loaded FaceModel is immutable and Analyze may be called from any number of
// threads at once. OpenCV dnn nets are not thread-safe, so each call borrows a private set of
// nets from an internal pool (created on demand, up to max_concurrent_inferences) and returns
// it afterwards; callers beyond that limit wait.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/matcher/image_header.h"

namespace oversight::matcher {

inline constexpr int kDescriptorSize = 128;
using Descriptor = std::array<float, kDescriptorSize>;

struct Point {
  double x = 0;
  double y = 0;
};

// A rectangle. In DetectedFace: pixels of the decoded, orientation-corrected image, possibly
// extending past its edges. In the gallery: ratios of the image (Rekognition's BoundingBox).
struct Box {
  double left = 0;
  double top = 0;
  double width = 0;
  double height = 0;
};

// Why a face was found but not indexed; names as in Rekognition's UnindexedFace.Reasons.
enum class UnindexedReason { kSmallBoundingBox, kLowConfidence, kExceedsMaxFaces };
std::string_view UnindexedReasonName(UnindexedReason reason);

struct DetectedFace {
  Box box;                            // the detector's box
  double confidence = 0;              // detector score in [0, 1]
  std::array<Point, 68> landmarks{};  // iBUG 68-point order
  Box aligned_crop;                   // the square the descriptor was computed from
  // Why the face is not indexed; empty if it is.
  std::vector<UnindexedReason> unindexed_reasons;
  // Set for indexed faces (and for all faces with describe_unindexed), unless the aligned crop
  // fell entirely outside the image.
  bool has_descriptor = false;
  Descriptor descriptor{};

  bool indexed() const { return unindexed_reasons.empty(); }
  double Area() const { return box.width * box.height; }
};

struct AnalyzeOptions {
  // Detector input side (multiple of 32, 128..608 sensible). Larger finds smaller faces.
  int detector_input_size = 416;
  // Tried in order, only if detector_input_size finds no face of at least min_confidence.
  // TinyFaceDetector misses faces that fill much of its input: at 416, 37 of 48 single-face
  // portraits of the calibration set (mostly 150x150 crops) gave no face; smaller inputs find
  // them (docs/matcher.md). Empty: face-api's single pass.
  std::vector<int> retry_input_sizes = {224, 160, 96};
  // Boxes scoring below this are not reported at all.
  double detection_threshold = 0.35;
  // Besides face-api's IoU > 0.4 NMS, a box more than this fraction of which is covered by
  // higher-scoring boxes is dropped (nested duplicates, boxes straddling two faces).
  // 1 reproduces face-api's detections exactly.
  double coverage_limit = 0.6;
  // Reported faces below this confidence are unindexed with LOW_CONFIDENCE.
  double min_confidence = 0.5;
  // Reported faces whose shorter box side is below this many pixels: SMALL_BOUNDING_BOX.
  double min_face_pixels = 32;
  // Of the faces passing the two filters above, the largest max_faces are indexed; the rest
  // get EXCEEDS_MAX_FACES. Rekognition's IndexFaces MaxFaces (1..100).
  int max_faces = 100;
  // Also compute descriptors for unindexed faces (DetectFaces-style callers do not need them).
  bool describe_unindexed = false;
  // For inputs known to be tight face crops: if the detector finds nothing, treat the whole
  // image as one face box (confidence 0, so LOW_CONFIDENCE unless min_confidence is 0). The
  // detector misses some 150x150 crops; landmarks still align them well.
  bool whole_image_if_no_face = false;
};

struct Analysis {
  ImageInfo image;                  // after orientation
  std::vector<DetectedFace> faces;  // by descending confidence
};

struct ModelOptions {
  // Use face_landmark_68_tiny (faster, slightly less precise crops) instead of the full net.
  bool tiny_landmarks = false;
  // Upper bound on concurrent Analyze calls (each holds ~25 MB of nets). 0: hardware threads.
  int max_concurrent_inferences = 0;
  ImageLimits limits;
};

class FaceModel {
 public:
  // Loads and pin-checks the weights in `model_dir` (either the folder holding the model
  // files or the npm prefix scripts/fetch-models installed into) and builds one set of nets.
  // PermissionDenied if a file fails its SHA-256 pin, NotFound if a file is missing.
  static StatusOr<std::unique_ptr<FaceModel>> Load(const std::string& model_dir,
                                                   const ModelOptions& options = {});
  ~FaceModel();
  FaceModel(const FaceModel&) = delete;
  FaceModel& operator=(const FaceModel&) = delete;

  // Untrusted `image_bytes` (JPEG, PNG, WebP or BMP). InvalidArgument for bytes that are not
  // a supported image or are truncated; ResourceExhausted for dimensions beyond the limits
  // (checked before any pixel buffer is allocated). An image without faces is not an error.
  StatusOr<Analysis> Analyze(std::span<const std::uint8_t> image_bytes,
                             const AnalyzeOptions& options = {}) const;

 private:
  struct Impl;
  explicit FaceModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Euclidean distance, as face-api compares descriptors.
float DescriptorDistance(const Descriptor& a, const Descriptor& b);

}  // namespace oversight::matcher
