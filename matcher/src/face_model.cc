#include "oversight/matcher/face_model.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "alignment.h"
#include "detector_decode.h"
#include "image_decode.h"
#include "net_set.h"
#include "nets.h"
#include "oversight/matcher/model_files.h"
#include "oversight/matcher/weights.h"
#include "preprocess.h"

namespace oversight::matcher {

using internal::Detection;
using internal::NetSet;
using internal::PixelRect;

namespace {

constexpr double kNmsIou = 0.4;  // face-api's

std::span<const float> Floats(const cv::Mat& m) { return {m.ptr<float>(), m.total()}; }

cv::Mat Roi(const cv::Mat& image, const PixelRect& r) {
  return image(cv::Rect(r.x, r.y, r.width, r.height));
}

StatusOr<std::vector<Detection>> DetectAt(NetSet& nets, const cv::Mat& image, int size,
                                          const AnalyzeOptions& opt) {
  if (size < 32 || size > 1024 || size % 32 != 0) {
    return Status::InvalidArgument("detector input sizes must be multiples of 32 in [32, 1024]");
  }
  const cv::Mat blob = internal::MakeInputBlob(image, internal::SquarePad::kBottomRight, size,
                                               internal::kDetectorMeanRgb);
  OVERSIGHT_ASSIGN_OR_RETURN(cv::Mat out, internal::RunNet(nets.detector, blob));
  auto found = internal::DecodeDetections(Floats(out), out.size[2], size, image.cols, image.rows,
                                          opt.detection_threshold);
  return internal::SuppressOverlaps(std::move(found), kNmsIou, opt.coverage_limit);
}

bool AnyIndexable(const std::vector<Detection>& found, const AnalyzeOptions& opt) {
  return std::any_of(found.begin(), found.end(),
                     [&](const Detection& d) { return d.score >= opt.min_confidence; });
}

// The primary size first; smaller retry sizes only while no face reaches min_confidence. If
// none does, the primary size's (low-confidence) detections are reported.
StatusOr<std::vector<Detection>> Detect(NetSet& nets, const cv::Mat& image,
                                        const AnalyzeOptions& opt) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto primary, DetectAt(nets, image, opt.detector_input_size, opt));
  for (int size : opt.retry_input_sizes) {
    if (AnyIndexable(primary, opt)) break;
    OVERSIGHT_ASSIGN_OR_RETURN(auto retry, DetectAt(nets, image, size, opt));
    if (AnyIndexable(retry, opt)) return retry;
  }
  if (primary.empty() && opt.whole_image_if_no_face) {
    primary.push_back(
        {Box{0, 0, static_cast<double>(image.cols), static_cast<double>(image.rows)}, 0});
  }
  return primary;
}

// Landmarks and the aligned crop for one detection; false if the box misses the image.
StatusOr<bool> Locate(NetSet& nets, const cv::Mat& image, const Detection& det,
                      DetectedFace& face) {
  const PixelRect crop = internal::ClipAndFloor(det.box, image.cols, image.rows);
  if (crop.empty()) return false;
  const cv::Mat blob =
      internal::MakeInputBlob(Roi(image, crop), internal::SquarePad::kCentred,
                              internal::kLandmarkInputSize, internal::kFaceMeanRgb);
  OVERSIGHT_ASSIGN_OR_RETURN(cv::Mat out, internal::RunNet(nets.landmarks, blob));
  face.box = det.box;
  face.confidence = det.score;
  face.landmarks = internal::LandmarksToImage(Floats(out), crop, det.box);
  face.aligned_crop = internal::DlibAlignedSquare(face.landmarks);
  return true;
}

Status Describe(NetSet& nets, const cv::Mat& image, DetectedFace& face) {
  const PixelRect crop = internal::ClipAndFloor(face.aligned_crop, image.cols, image.rows);
  if (crop.empty()) return Status::Ok();  // degenerate landmarks: leave it undescribed
  const cv::Mat blob =
      internal::MakeInputBlob(Roi(image, crop), internal::SquarePad::kCentred,
                              internal::kRecognitionInputSize, internal::kFaceMeanRgb);
  OVERSIGHT_ASSIGN_OR_RETURN(cv::Mat out, internal::RunNet(nets.recognition, blob));
  std::copy_n(out.ptr<float>(), kDescriptorSize, face.descriptor.begin());
  face.has_descriptor = true;
  return Status::Ok();
}

// Quality reasons first; then, among faces passing them, only the largest max_faces stay
// indexed, as Rekognition's IndexFaces does.
void AssignReasons(std::vector<DetectedFace>& faces, const AnalyzeOptions& opt) {
  std::vector<DetectedFace*> passing;
  for (DetectedFace& f : faces) {
    if (f.confidence < opt.min_confidence) {
      f.unindexed_reasons.push_back(UnindexedReason::kLowConfidence);
    }
    if (std::min(f.box.width, f.box.height) < opt.min_face_pixels) {
      f.unindexed_reasons.push_back(UnindexedReason::kSmallBoundingBox);
    }
    if (f.indexed()) passing.push_back(&f);
  }
  std::stable_sort(
      passing.begin(), passing.end(),
      [](const DetectedFace* a, const DetectedFace* b) { return a->Area() > b->Area(); });
  for (std::size_t i = std::max(0, opt.max_faces); i < passing.size(); ++i) {
    passing[i]->unindexed_reasons.push_back(UnindexedReason::kExceedsMaxFaces);
  }
}

}  // namespace

std::string_view UnindexedReasonName(UnindexedReason reason) {
  switch (reason) {
    case UnindexedReason::kSmallBoundingBox:
      return "SMALL_BOUNDING_BOX";
    case UnindexedReason::kLowConfidence:
      return "LOW_CONFIDENCE";
    case UnindexedReason::kExceedsMaxFaces:
      return "EXCEEDS_MAX_FACES";
  }
  return "UNKNOWN";
}

float DescriptorDistance(const Descriptor& a, const Descriptor& b) {
  float sum = 0;
  for (int i = 0; i < kDescriptorSize; ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(sum);
}

struct FaceModel::Impl {
  WeightMap detector, landmarks, recognition;
  ModelOptions options;
  std::unique_ptr<internal::NetPool> pool;

  StatusOr<Analysis> Run(std::span<const std::uint8_t> bytes, const AnalyzeOptions& opt);
};

StatusOr<Analysis> FaceModel::Impl::Run(std::span<const std::uint8_t> bytes,
                                        const AnalyzeOptions& opt) {
  Analysis result;
  OVERSIGHT_ASSIGN_OR_RETURN(cv::Mat image,
                             internal::DecodeImage(bytes, options.limits, &result.image));
  OVERSIGHT_ASSIGN_OR_RETURN(internal::NetPool::Lease nets, pool->Acquire());
  OVERSIGHT_ASSIGN_OR_RETURN(std::vector<Detection> detections, Detect(*nets, image, opt));
  for (const Detection& det : detections) {  // already by descending score
    DetectedFace face;
    OVERSIGHT_ASSIGN_OR_RETURN(bool located, Locate(*nets, image, det, face));
    if (located) result.faces.push_back(std::move(face));
  }
  AssignReasons(result.faces, opt);
  for (DetectedFace& face : result.faces) {
    if (face.indexed() || opt.describe_unindexed) {
      OVERSIGHT_RETURN_IF_ERROR(Describe(*nets, image, face));
    }
  }
  return result;
}

FaceModel::FaceModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceModel::~FaceModel() = default;

StatusOr<std::unique_ptr<FaceModel>> FaceModel::Load(const std::string& model_dir,
                                                     const ModelOptions& options) {
  const std::string dir = ResolveModelDir(model_dir);
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  OVERSIGHT_ASSIGN_OR_RETURN(impl->detector, LoadWeights(dir, kDetectorModel));
  OVERSIGHT_ASSIGN_OR_RETURN(
      impl->landmarks,
      LoadWeights(dir, options.tiny_landmarks ? kLandmarkTinyModel : kLandmarkModel));
  OVERSIGHT_ASSIGN_OR_RETURN(impl->recognition, LoadWeights(dir, kRecognitionModel));
  // Build one set now so a bad weight file fails Load, not the first request.
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto first, internal::BuildNetSet(impl->detector, impl->landmarks, impl->recognition));
  int max_sets = options.max_concurrent_inferences;
  if (max_sets <= 0) max_sets = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl->pool = std::make_unique<internal::NetPool>(impl->detector, impl->landmarks,
                                                   impl->recognition, max_sets, std::move(first));
  return std::unique_ptr<FaceModel>(new FaceModel(std::move(impl)));
}

StatusOr<Analysis> FaceModel::Analyze(std::span<const std::uint8_t> image_bytes,
                                      const AnalyzeOptions& options) const {
  return impl_->Run(image_bytes, options);
}

}  // namespace oversight::matcher
