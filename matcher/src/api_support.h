// Request validation and response rendering for RekognitionApi (private).
//
// Validation failures unwind as ApiError to RekognitionApi::Handle, which catches every
// exception (ours and nlohmann's) and turns it into Rekognition's error body; nothing escapes
// the module. Throwing keeps each operation a straight line of checks.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/gallery.h"
#include "oversight/matcher/rekognition_api.h"

namespace oversight::matcher::api {

using nlohmann::json;

struct ApiError {
  std::string type;
  std::string message;
  int http_status = 400;
};

[[noreturn]] void ThrowInvalid(std::string message);

// Throws the ApiError a gallery Status maps to: InvalidArgument -> InvalidParameterException,
// NotFound -> ResourceNotFoundException, AlreadyExists -> ResourceAlreadyExistsException,
// anything else -> InternalServerError (500). No-op for OK.
void ThrowIfError(const Status& status);
template <typename T>
T ValueOrThrow(StatusOr<T> v) {
  if (!v.ok()) ThrowIfError(v.status());
  return std::move(v).value();
}

// Parses a request body: size limit, nesting depth, well-formed JSON, an object.
json ParseBody(std::string_view body, std::size_t max_bytes);

enum class Type { kString, kInteger, kNumber, kObject, kArray };
struct Field {
  std::string_view name;
  Type type;
  bool required = false;
};
// Every member of `obj` (an object) must be one of `fields`, of its type (null counts as
// absent); required fields must be present. `where` prefixes messages ("Image.").
void CheckFields(const json& obj, std::initializer_list<Field> fields, std::string_view where = "");

bool Has(const json& body, std::string_view name);
std::string CollectionIdOf(const json& body);  // required, Rekognition's pattern
std::optional<std::string> ExternalImageIdOf(const json& body);
void CheckFaceId(std::string_view id, std::string_view what);
std::int64_t IntIn(const json& body, std::string_view name, std::int64_t lo, std::int64_t hi,
                   std::int64_t fallback);
double PercentOf(const json& body, std::string_view name, double fallback);
std::string EnumOf(const json& body, std::string_view name,
                   std::span<const std::string_view> allowed, std::string_view fallback);
std::vector<std::string> StringArrayOf(const json& body, std::string_view name);

// Image = {Bytes | S3Object}: the decoded bytes, checked for emptiness and max_bytes.
std::vector<std::uint8_t> ImageBytesOf(const json& body, std::string_view name,
                                       std::size_t max_bytes);
// FaceModel::Analyze with image errors mapped: InvalidArgument ->
// InvalidImageFormatException, ResourceExhausted -> ImageTooLargeException.
Analysis AnalyzeOrThrow(const FaceModel& model, std::span<const std::uint8_t> bytes,
                        const AnalyzeOptions& options);
// The quality filter's AnalyzeOptions ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH").
AnalyzeOptions QualityOptions(AnalyzeOptions base, std::string_view filter);

// Opaque pagination tokens bound to a listing (`scope`): a position after `last`.
std::string MakeToken(std::string_view scope, std::string_view last);
std::string TokenPosition(const json& body, std::string_view scope);  // "" if no NextToken

// Rendering.
json BoxJson(const Box& ratios);
Box RatioBox(const Box& pixels, const ImageInfo& image);
json FaceJson(const FaceRecord& face, const RekognitionApiOptions& options);
// Rekognition's FaceDetail / ComparedFace: BoundingBox, Confidence, Landmarks (5 points).
json FaceDetailJson(const DetectedFace& face, const ImageInfo& image);
double Similarity(float distance);
float MaxDistance(double threshold);  // the distance a Similarity threshold admits

// The largest face with a descriptor, or nullptr.
const DetectedFace* LargestFace(const Analysis& analysis);

}  // namespace oversight::matcher::api
