// RekognitionApi: the local matcher's Amazon Rekognition face operations as a pure
// JSON-in/JSON-out handler. No sockets and no HTTP: a transport (cli/, over proxy's server)
// maps `X-Amz-Target: RekognitionService.<Op>` and the request body to Handle, and writes the
// returned status and JSON back with `Content-Type: application/x-amz-json-1.1`.
//
// Operations, field names, defaults and limits follow the botocore service model
// (docs/matcher.md, "The Rekognition API"): CreateCollection, DeleteCollection,
// ListCollections, DescribeCollection, IndexFaces, ListFaces, DeleteFaces, SearchFacesByImage,
// SearchFaces, CompareFaces, DetectFaces.
//
// Errors are Rekognition's: HTTP 400 with {"__type": "<Exception>", "message": "..."} for
// client errors (InvalidParameterException, ResourceNotFoundException,
// ResourceAlreadyExistsException, ImageTooLargeException, InvalidImageFormatException,
// InvalidPaginationTokenException, UnknownOperationException), HTTP 500 InternalServerError
// for failures of the gallery or the model. A request that fails changes nothing: every field
// is validated, and the image analysed, before the gallery is written. Unknown request members
// are rejected (InvalidParameterException naming the member), as AWS's validation does.
//
// Thread safety: Handle may be called from any number of threads at once; Gallery and
// FaceModel are themselves thread-safe and RekognitionApi holds no other mutable state.
// Handle never throws.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "oversight/matcher/face_model.h"
#include "oversight/matcher/gallery.h"

namespace oversight::matcher {

struct RekognitionApiOptions {
  // FaceMatchThreshold / SimilarityThreshold when the request has none (Rekognition: 80).
  double default_match_threshold = 80;
  // SearchFaces(ByImage) MaxFaces when the request has none (Rekognition's upper bound).
  int default_max_faces = 4096;
  // ListFaces / ListCollections MaxResults when the request has none or 0.
  int default_max_results = 1000;
  // Decoded Image.Bytes above this: ImageTooLargeException (Rekognition: 5 MiB).
  std::size_t max_image_bytes = 5u << 20;
  // Whole request bodies above this are refused unparsed (two 5 MiB images in base64 fit).
  std::size_t max_request_bytes = 16u << 20;
  // Reported as FaceModelVersion / IndexFacesModelVersion.
  std::string face_model_version = "face-api-1.7.15";
  // CollectionArn = prefix + CollectionId.
  std::string arn_prefix = "arn:aws:rekognition:local:000000000000:collection/";
  // The pipeline settings IndexFaces' QualityFilter AUTO and LOW use; NONE drops the
  // confidence and size filters, MEDIUM and HIGH tighten them (docs/matcher.md).
  AnalyzeOptions analyze;
};

struct ApiResult {
  int http_status = 200;
  std::string content;     // JSON text: the response, or {"__type","message"} on error
  std::string error_type;  // the __type on error (for logs); empty on success
};

class RekognitionApi {
 public:
  // `gallery` and `model` must outlive the RekognitionApi.
  RekognitionApi(Gallery& gallery, const FaceModel& model, RekognitionApiOptions options = {});
  ~RekognitionApi();
  RekognitionApi(const RekognitionApi&) = delete;
  RekognitionApi& operator=(const RekognitionApi&) = delete;

  // `operation` is the part after "RekognitionService." (e.g. "SearchFacesByImage");
  // `json_body` the untrusted request body (empty is read as {}).
  ApiResult Handle(std::string_view operation, std::string_view json_body) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace oversight::matcher
