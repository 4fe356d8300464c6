// RekognitionApi: dispatch, error bodies, and the operations on collections and stored faces.
#include "oversight/matcher/rekognition_api.h"

#include <chrono>
#include <exception>

#include "rekognition_api_impl.h"

namespace oversight::matcher {
namespace {

using api::Field;
using api::json;
using api::Type;
ApiResult ErrorResult(const api::ApiError& e) {
  return {e.http_status, json{{"__type", e.type}, {"message", e.message}}.dump(), e.type};
}

// Faces beyond a collection's search: at most this many ids per ListFaces FaceIds filter.
constexpr std::int64_t kMaxFaceIds = 4096;

}  // namespace

RekognitionApi::RekognitionApi(Gallery& gallery, const FaceModel& model,
                               RekognitionApiOptions options)
    : impl_(new Impl{gallery, model, std::move(options)}) {}

RekognitionApi::~RekognitionApi() = default;

ApiResult RekognitionApi::Handle(std::string_view operation, std::string_view json_body) const {
  using Op = json (Impl::*)(const json&) const;
  static constexpr std::pair<std::string_view, Op> kOperations[] = {
      {"CreateCollection", &Impl::CreateCollection},
      {"DeleteCollection", &Impl::DeleteCollection},
      {"ListCollections", &Impl::ListCollections},
      {"DescribeCollection", &Impl::DescribeCollection},
      {"IndexFaces", &Impl::IndexFaces},
      {"ListFaces", &Impl::ListFaces},
      {"DeleteFaces", &Impl::DeleteFaces},
      {"SearchFacesByImage", &Impl::SearchFacesByImage},
      {"SearchFaces", &Impl::SearchFaces},
      {"CompareFaces", &Impl::CompareFaces},
      {"DetectFaces", &Impl::DetectFaces},
  };
  try {
    for (const auto& [name, op] : kOperations) {
      if (name != operation) continue;
      const json body = api::ParseBody(json_body, impl_->options.max_request_bytes);
      // Replacing invalid UTF-8 keeps a hostile string from making dump() throw.
      return {200, ((*impl_).*op)(body).dump(-1, ' ', false, json::error_handler_t::replace), ""};
    }
    return ErrorResult({"UnknownOperationException",
                        "unknown operation '" + std::string(operation.substr(0, 64)) + "'"});
  } catch (const api::ApiError& e) {
    return ErrorResult(e);
  } catch (const json::exception& e) {
    // A type the schema let through but the operation could not use: the client's input.
    return ErrorResult({"InvalidParameterException", std::string("invalid request: ") + e.what()});
  } catch (const std::exception& e) {
    return ErrorResult({"InternalServerError", e.what(), 500});
  } catch (...) {
    return ErrorResult({"InternalServerError", "unexpected failure", 500});
  }
}

void RekognitionApi::Impl::RequireCollection(const std::string& id) const {
  api::ValueOrThrow(gallery.DescribeCollection(id));
}

json RekognitionApi::Impl::CreateCollection(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true}, {"Tags", Type::kObject}});
  const std::string id = api::CollectionIdOf(body);
  if (api::Has(body, "Tags")) {
    for (const auto& [k, v] : body.at("Tags").items()) {
      if (!v.is_string()) api::ThrowInvalid("Tags values must be strings");
    }
  }
  api::ThrowIfError(gallery.CreateCollection(id));
  return {{"StatusCode", 200},
          {"CollectionArn", options.arn_prefix + id},
          {"FaceModelVersion", options.face_model_version}};
}

json RekognitionApi::Impl::DeleteCollection(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true}});
  api::ThrowIfError(gallery.DeleteCollection(api::CollectionIdOf(body)));
  return {{"StatusCode", 200}};
}

json RekognitionApi::Impl::ListCollections(const json& body) const {
  api::CheckFields(body, {{"NextToken", Type::kString}, {"MaxResults", Type::kInteger}});
  std::size_t max = api::IntIn(body, "MaxResults", 0, 4096, 0);
  if (max == 0) max = options.default_max_results;
  const std::string after = api::TokenPosition(body, "collections");
  json ids = json::array(), versions = json::array();
  bool more = false;
  for (const std::string& id : gallery.ListCollections()) {
    if (id <= after) continue;
    if (ids.size() == max) {
      more = true;
      break;
    }
    ids.push_back(id);
    versions.push_back(options.face_model_version);
  }
  json out = {{"CollectionIds", ids}, {"FaceModelVersions", versions}};
  if (more) out["NextToken"] = api::MakeToken("collections", ids.back().get<std::string>());
  return out;
}

json RekognitionApi::Impl::DescribeCollection(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true}});
  const std::string id = api::CollectionIdOf(body);
  const CollectionInfo info = api::ValueOrThrow(gallery.DescribeCollection(id));
  return {{"FaceCount", info.face_count},
          {"FaceModelVersion", options.face_model_version},
          {"CollectionARN", options.arn_prefix + id},
          {"CreationTimestamp", static_cast<double>(info.created_at_ms) / 1000.0},
          {"UserCount", 0}};
}

json RekognitionApi::Impl::ListFaces(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true},
                          {"NextToken", Type::kString},
                          {"MaxResults", Type::kInteger},
                          {"UserId", Type::kString},
                          {"FaceIds", Type::kArray}});
  const std::string id = api::CollectionIdOf(body);
  if (api::Has(body, "UserId")) api::ThrowInvalid("UserId is not supported by the local matcher");
  std::size_t max = api::IntIn(body, "MaxResults", 0, 4096, 0);
  if (max == 0) max = options.default_max_results;
  const std::string scope = "faces:" + id;
  const std::string after = api::TokenPosition(body, scope);
  RequireCollection(id);
  json faces = json::array();
  if (api::Has(body, "FaceIds")) {
    const auto ids = api::StringArrayOf(body, "FaceIds");
    if (ids.empty() || static_cast<std::int64_t>(ids.size()) > kMaxFaceIds) {
      api::ThrowInvalid("FaceIds must hold 1-4096 face ids");
    }
    for (const auto& f : ids) api::CheckFaceId(f, "FaceIds");
    for (const auto& f : ids) {
      auto face = gallery.GetFace(id, f);
      if (face.ok()) faces.push_back(api::FaceJson(*face, options));
    }
    return {{"Faces", faces}, {"FaceModelVersion", options.face_model_version}};
  }
  auto records = api::ValueOrThrow(gallery.ListFaces(id, after, max + 1));
  const bool more = records.size() > max;
  if (more) records.resize(max);
  for (const FaceRecord& r : records) faces.push_back(api::FaceJson(r, options));
  json out = {{"Faces", faces}, {"FaceModelVersion", options.face_model_version}};
  if (more) out["NextToken"] = api::MakeToken(scope, records.back().face_id);
  return out;
}

json RekognitionApi::Impl::DeleteFaces(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true}, {"FaceIds", Type::kArray, true}});
  const std::string id = api::CollectionIdOf(body);
  const auto ids = api::StringArrayOf(body, "FaceIds");
  if (ids.empty() || static_cast<std::int64_t>(ids.size()) > kMaxFaceIds) {
    api::ThrowInvalid("FaceIds must hold 1-4096 face ids");
  }
  for (const auto& f : ids) api::CheckFaceId(f, "FaceIds");
  const auto deleted = api::ValueOrThrow(gallery.DeleteFaces(id, ids));
  json unsuccessful = json::array();
  for (const auto& f : ids) {
    if (std::find(deleted.begin(), deleted.end(), f) == deleted.end()) {
      unsuccessful.push_back({{"FaceId", f}, {"Reasons", {"FACE_NOT_FOUND"}}});
    }
  }
  return {{"DeletedFaces", deleted}, {"UnsuccessfulFaceDeletions", unsuccessful}};
}

json RekognitionApi::Impl::SearchFaces(const json& body) const {
  api::CheckFields(body, {{"CollectionId", Type::kString, true},
                          {"FaceId", Type::kString, true},
                          {"MaxFaces", Type::kInteger},
                          {"FaceMatchThreshold", Type::kNumber}});
  const std::string id = api::CollectionIdOf(body);
  const std::string face_id = body.at("FaceId").get<std::string>();
  api::CheckFaceId(face_id, "FaceId");
  const auto max =
      static_cast<std::size_t>(api::IntIn(body, "MaxFaces", 1, 4096, options.default_max_faces));
  const double threshold =
      api::PercentOf(body, "FaceMatchThreshold", options.default_match_threshold);
  const FaceRecord face = api::ValueOrThrow(gallery.GetFace(id, face_id));
  // One extra result: the searched face matches itself and Rekognition leaves it out.
  const auto matches =
      api::ValueOrThrow(gallery.Search(id, face.descriptor, max + 1, api::MaxDistance(threshold)));
  return {{"SearchedFaceId", face_id},
          {"FaceMatches", Matches(matches, face_id, max)},
          {"FaceModelVersion", options.face_model_version}};
}

json RekognitionApi::Impl::Matches(const std::vector<FaceMatch>& matches,
                                   std::string_view skip_face_id, std::size_t max_faces) const {
  json out = json::array();
  for (const FaceMatch& m : matches) {
    if (m.face.face_id == skip_face_id || out.size() == max_faces) continue;
    out.push_back(
        {{"Similarity", api::Similarity(m.distance)}, {"Face", api::FaceJson(m.face, options)}});
  }
  return out;
}

}  // namespace oversight::matcher
