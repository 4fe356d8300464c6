// RekognitionApi's operations on an image: IndexFaces, SearchFacesByImage, CompareFaces,
// DetectFaces. Each validates every member and analyses the image before touching the
// gallery, so a bad request changes nothing.
#include <algorithm>
#include <array>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "rekognition_api_impl.h"

namespace oversight::matcher {
namespace {

using api::json;
using api::Type;

constexpr std::array<std::string_view, 5> kQualityFilters = {"NONE", "AUTO", "LOW", "MEDIUM",
                                                             "HIGH"};
// Rekognition's Attribute enum (DetectionAttributes / Attributes). We answer every request
// with the DEFAULT detail (BoundingBox, Confidence, Landmarks); docs/matcher.md.
constexpr std::array<std::string_view, 14> kAttributes = {
    "DEFAULT",       "ALL",           "AGE_RANGE", "BEARD",     "EMOTIONS",
    "EYE_DIRECTION", "EYEGLASSES",    "EYES_OPEN", "GENDER",    "MOUTH_OPEN",
    "MUSTACHE",      "FACE_OCCLUDED", "SMILE",     "SUNGLASSES"};
// Rekognition indexes at most the 100 largest faces of an image.
constexpr std::int64_t kMaxIndexFaces = 100;

void CheckAttributes(const json& body, std::string_view name) {
  for (const std::string& a : api::StringArrayOf(body, name)) {
    if (std::find(kAttributes.begin(), kAttributes.end(), a) == kAttributes.end()) {
      api::ThrowInvalid(std::string(name) + " has an unsupported value '" + a + "'");
    }
  }
}

// The faces IndexFaces will store (with the detections they came from), and the rest in
// Rekognition's UnindexedFaces shape.
struct Split {
  std::vector<NewFace> faces;
  std::vector<const DetectedFace*> indexed;
  json unindexed = json::array();
};

Split SplitFaces(const Analysis& analysis) {
  Split out;
  for (const DetectedFace& f : analysis.faces) {
    if (f.indexed() && f.has_descriptor) {
      out.faces.push_back({api::RatioBox(f.box, analysis.image), f.confidence, f.descriptor});
      out.indexed.push_back(&f);
      continue;
    }
    json reasons = json::array();
    for (UnindexedReason r : f.unindexed_reasons) reasons.push_back(UnindexedReasonName(r));
    if (reasons.empty()) reasons.push_back("LOW_FACE_QUALITY");  // crop fell outside the image
    out.unindexed.push_back(
        {{"Reasons", reasons}, {"FaceDetail", api::FaceDetailJson(f, analysis.image)}});
  }
  return out;
}

}  // namespace

json RekognitionApi::Impl::IndexFaces(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true},
                          {"Image", Type::kObject, true},
                          {"ExternalImageId", Type::kString},
                          {"DetectionAttributes", Type::kArray},
                          {"MaxFaces", Type::kInteger},
                          {"QualityFilter", Type::kString}});
  const std::string id = api::CollectionIdOf(body);
  const std::string external = api::ExternalImageIdOf(body).value_or("");
  CheckAttributes(body, "DetectionAttributes");
  const auto max_faces = api::IntIn(body, "MaxFaces", 1, 1 << 30, kMaxIndexFaces);
  AnalyzeOptions opts = api::QualityOptions(
      options.analyze, api::EnumOf(body, "QualityFilter", kQualityFilters, "AUTO"));
  opts.max_faces = static_cast<int>(std::min(max_faces, kMaxIndexFaces));
  const auto bytes = api::ImageBytesOf(body, "Image", options.max_image_bytes);
  RequireCollection(id);  // before the expensive part
  const Analysis analysis = api::AnalyzeOrThrow(model, bytes, opts);

  Split split = SplitFaces(analysis);
  const auto& faces = split.faces;
  const auto& indexed = split.indexed;
  json unindexed = std::move(split.unindexed);
  json records = json::array();
  if (!faces.empty()) {
    const auto added = api::ValueOrThrow(
        gallery.AddFaces(id, external, HexEncode(Sha256(std::span(bytes))), faces));
    for (std::size_t i = 0; i < added.size(); ++i) {
      records.push_back({{"Face", api::FaceJson(added[i], options)},
                         {"FaceDetail", api::FaceDetailJson(*indexed[i], analysis.image)}});
    }
  }
  return {{"FaceRecords", records},
          {"FaceModelVersion", options.face_model_version},
          {"UnindexedFaces", unindexed}};
}

json RekognitionApi::Impl::SearchFacesByImage(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true},
                          {"Image", Type::kObject, true},
                          {"MaxFaces", Type::kInteger},
                          {"FaceMatchThreshold", Type::kNumber},
                          {"QualityFilter", Type::kString}});
  const std::string id = api::CollectionIdOf(body);
  const auto max =
      static_cast<std::size_t>(api::IntIn(body, "MaxFaces", 1, 4096, options.default_max_faces));
  const double threshold =
      api::PercentOf(body, "FaceMatchThreshold", options.default_match_threshold);
  AnalyzeOptions opts = api::QualityOptions(
      options.analyze, api::EnumOf(body, "QualityFilter", kQualityFilters, "NONE"));
  opts.max_faces = 1;  // only the largest face is searched, so only it needs a descriptor
  const auto bytes = api::ImageBytesOf(body, "Image", options.max_image_bytes);
  RequireCollection(id);
  const Analysis analysis = api::AnalyzeOrThrow(model, bytes, opts);
  const DetectedFace* face = api::LargestFace(analysis);
  if (!face) api::ThrowInvalid("There are no faces in the image. Should be at least 1.");
  const auto matches =
      api::ValueOrThrow(gallery.Search(id, face->descriptor, max, api::MaxDistance(threshold)));
  return {{"SearchedFaceBoundingBox", api::BoxJson(api::RatioBox(face->box, analysis.image))},
          {"SearchedFaceConfidence", face->confidence * 100},
          {"FaceMatches", Matches(matches, "", max)},
          {"FaceModelVersion", options.face_model_version}};
}

json RekognitionApi::Impl::CompareFaces(const json& body) const {
  api::CheckFields(body, {{"SourceImage", Type::kObject, true},
                          {"TargetImage", Type::kObject, true},
                          {"SimilarityThreshold", Type::kNumber},
                          {"QualityFilter", Type::kString}});
  const double threshold =
      api::PercentOf(body, "SimilarityThreshold", options.default_match_threshold);
  AnalyzeOptions opts = api::QualityOptions(
      options.analyze, api::EnumOf(body, "QualityFilter", kQualityFilters, "NONE"));
  const auto source_bytes = api::ImageBytesOf(body, "SourceImage", options.max_image_bytes);
  const auto target_bytes = api::ImageBytesOf(body, "TargetImage", options.max_image_bytes);
  AnalyzeOptions source_opts = opts;
  source_opts.max_faces = 1;
  const Analysis source = api::AnalyzeOrThrow(model, source_bytes, source_opts);
  const DetectedFace* face = api::LargestFace(source);
  if (!face) api::ThrowInvalid("There are no faces in the source image.");
  const Analysis target = api::AnalyzeOrThrow(model, target_bytes, opts);

  json matches = json::array(), unmatched = json::array();
  for (const DetectedFace& t : target.faces) {
    if (!t.indexed() || !t.has_descriptor) continue;
    const float distance = DescriptorDistance(face->descriptor, t.descriptor);
    json compared = api::FaceDetailJson(t, target.image);
    if (distance <= api::MaxDistance(threshold)) {
      matches.push_back({{"Similarity", api::Similarity(distance)}, {"Face", compared}});
    } else {
      unmatched.push_back(compared);
    }
  }
  std::stable_sort(matches.begin(), matches.end(), [](const json& a, const json& b) {
    return a.at("Similarity").get<double>() > b.at("Similarity").get<double>();
  });
  return {{"SourceImageFace",
           {{"BoundingBox", api::BoxJson(api::RatioBox(face->box, source.image))},
            {"Confidence", face->confidence * 100}}},
          {"FaceMatches", matches},
          {"UnmatchedFaces", unmatched}};
}

json RekognitionApi::Impl::DetectFaces(const json& body) const {
  api::CheckFields(body, {{"Image", Type::kObject, true}, {"Attributes", Type::kArray}});
  CheckAttributes(body, "Attributes");
  const auto bytes = api::ImageBytesOf(body, "Image", options.max_image_bytes);
  // No descriptors needed: every face is "unindexed" (EXCEEDS_MAX_FACES) and reported.
  AnalyzeOptions opts = api::QualityOptions(options.analyze, "NONE");
  opts.max_faces = 0;
  const Analysis analysis = api::AnalyzeOrThrow(model, bytes, opts);
  json details = json::array();
  for (const DetectedFace& f : analysis.faces) {
    details.push_back(api::FaceDetailJson(f, analysis.image));
  }
  return {{"FaceDetails", details}};
}

}  // namespace oversight::matcher
