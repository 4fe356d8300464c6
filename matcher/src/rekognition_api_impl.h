// RekognitionApi's operations (private): one member function per Rekognition operation, each
// taking the parsed request body and returning the response body, or throwing api::ApiError.
#pragma once

#include "api_support.h"
#include "oversight/matcher/rekognition_api.h"

namespace oversight::matcher {

struct RekognitionApi::Impl {
  using json = api::json;

  Gallery& gallery;
  const FaceModel& model;
  RekognitionApiOptions options;

  // rekognition_api.cc: collections and stored faces.
  json CreateCollection(const json& body) const;
  json DeleteCollection(const json& body) const;
  json ListCollections(const json& body) const;
  json DescribeCollection(const json& body) const;
  json ListFaces(const json& body) const;
  json DeleteFaces(const json& body) const;
  json SearchFaces(const json& body) const;

  // rekognition_api_images.cc: operations on an image.
  json IndexFaces(const json& body) const;
  json SearchFacesByImage(const json& body) const;
  json CompareFaces(const json& body) const;
  json DetectFaces(const json& body) const;

  // Throws ResourceNotFoundException for an unknown collection.
  void RequireCollection(const std::string& id) const;
  json Matches(const std::vector<FaceMatch>& matches, std::string_view skip_face_id,
               std::size_t max_faces) const;
};

}  // namespace oversight::matcher
