#include "oversight/proxy/obligations.h"

#include <algorithm>

namespace oversight::proxy {
namespace {

bool IsSearch(Operation op) {
  return op == Operation::kSearchFacesByImage || op == Operation::kSearchFaces;
}

double NumberOr(const nlohmann::json& body, const char* key, double fallback) {
  auto it = body.find(key);
  return it != body.end() && it->is_number() ? it->get<double>() : fallback;
}

bool Excluded(const WireObligations& ob, const std::optional<std::string>& status) {
  // A face without a record is "unknown": excluded only if the pack excludes unknown.
  const std::string s = status.value_or("unknown");
  return std::find(ob.exclude_record_status.begin(), ob.exclude_record_status.end(), s) !=
         ob.exclude_record_status.end();
}

Match ReadMatch(const nlohmann::json& m) {
  Match out;
  out.similarity = NumberOr(m, "Similarity", 0);
  auto face = m.find("Face");
  if (face != m.end() && face->is_object()) {
    auto id = face->find("FaceId");
    if (id != face->end() && id->is_string()) out.face_id = id->get<std::string>();
  }
  return out;
}

}  // namespace

bool ReturnsFaceMatches(Operation op) { return IsSearch(op) || op == Operation::kCompareFaces; }

void ApplyToRequest(Operation op, const WireObligations& ob, std::size_t excluded_headroom,
                    nlohmann::json& body) {
  const char* threshold_key =
      op == Operation::kCompareFaces ? "SimilarityThreshold" : "FaceMatchThreshold";
  if (ob.min_similarity && ReturnsFaceMatches(op)) {
    const double asked = NumberOr(body, threshold_key, kDefaultMatchThreshold);
    body[threshold_key] = std::max(asked, *ob.min_similarity);
  }
  if (ob.max_results && IsSearch(op)) {
    const double asked = NumberOr(body, "MaxFaces", kMaxFacesLimit);
    const double cap = std::min(asked, static_cast<double>(*ob.max_results));
    const double with_headroom =
        std::min(cap + static_cast<double>(excluded_headroom), static_cast<double>(kMaxFacesLimit));
    body["MaxFaces"] = static_cast<std::int64_t>(std::max(1.0, with_headroom));
  }
}

FilterResult FilterReply(Operation op, const WireObligations& ob, const StatusLookup& status_of,
                         nlohmann::json& reply) {
  FilterResult result;
  if (!ReturnsFaceMatches(op)) return result;
  auto matches = reply.find("FaceMatches");
  if (matches == reply.end() || !matches->is_array()) return result;
  nlohmann::json kept = nlohmann::json::array();
  for (auto& m : *matches) {
    const Match match = ReadMatch(m);
    if (ob.min_similarity && match.similarity < *ob.min_similarity) {
      ++result.below_floor;
    } else if (!match.face_id.empty() && Excluded(ob, status_of(match.face_id))) {
      ++result.excluded;
    } else if (ob.max_results && static_cast<std::int64_t>(kept.size()) >= *ob.max_results) {
      ++result.over_cap;
    } else {
      result.kept.push_back(match);
      kept.push_back(std::move(m));
    }
  }
  *matches = std::move(kept);
  return result;
}

}  // namespace oversight::proxy
