// Response rendering for RekognitionApi: Rekognition's BoundingBox, Face, FaceDetail and
// Similarity from the gallery's records and the model's detections.
#include <algorithm>
#include <limits>

#include "alignment.h"
#include "api_support.h"
#include "oversight/matcher/similarity.h"

namespace oversight::matcher::api {
namespace {

json Landmark(std::string_view type, Point p, const ImageInfo& image) {
  return {{"Type", type}, {"X", p.x / image.width}, {"Y", p.y / image.height}};
}

}  // namespace

json BoxJson(const Box& r) {
  return {{"Width", r.width}, {"Height", r.height}, {"Left", r.left}, {"Top", r.top}};
}

Box RatioBox(const Box& px, const ImageInfo& image) {
  const double w = image.width, h = image.height;
  return {px.left / w, px.top / h, px.width / w, px.height / h};
}

json FaceJson(const FaceRecord& face, const RekognitionApiOptions& options) {
  json j = {{"FaceId", face.face_id},
            {"BoundingBox", BoxJson(face.box)},
            {"ImageId", face.image_id},
            {"Confidence", face.confidence * 100},
            {"IndexFacesModelVersion", options.face_model_version}};
  if (!face.external_image_id.empty()) j["ExternalImageId"] = face.external_image_id;
  return j;
}

// Rekognition's DEFAULT landmarks. eyeLeft/mouthLeft are on the image's left (iBUG 36-41, 48),
// which is the subject's right.
json FaceDetailJson(const DetectedFace& face, const ImageInfo& image) {
  const auto& p = face.landmarks;
  return {{"BoundingBox", BoxJson(RatioBox(face.box, image))},
          {"Confidence", face.confidence * 100},
          {"Landmarks",
           json::array({Landmark("eyeLeft", internal::Centre(p, 36, 41), image),
                        Landmark("eyeRight", internal::Centre(p, 42, 47), image),
                        Landmark("nose", p[30], image), Landmark("mouthLeft", p[48], image),
                        Landmark("mouthRight", p[54], image)})}};
}

double Similarity(float distance) { return DistanceToSimilarity(distance); }

float MaxDistance(double threshold) {
  // Threshold 0 admits every face, however far.
  if (threshold <= 0) return std::numeric_limits<float>::infinity();
  return static_cast<float>(SimilarityToDistance(threshold));
}

const DetectedFace* LargestFace(const Analysis& analysis) {
  const DetectedFace* best = nullptr;
  for (const DetectedFace& f : analysis.faces) {
    if (f.indexed() && f.has_descriptor && (!best || f.Area() > best->Area())) best = &f;
  }
  return best;
}

}  // namespace oversight::matcher::api
