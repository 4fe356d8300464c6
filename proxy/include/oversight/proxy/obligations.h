// Obligations, applied to the wire: what a permitted call may ask the matcher for, and what
// of the matcher's answer may reach the caller. Pure functions over JSON; thread-safe.
//
// Before forwarding (ApplyToRequest): FaceMatchThreshold (SimilarityThreshold for
// CompareFaces) is raised to the similarity floor; MaxFaces is capped, with headroom for the
// results the exclusion filter will drop, so a caller still gets up to the cap.
// After (FilterReply): matches below the floor (a matcher that ignored the threshold), matches
// whose record's charge status is excluded, and matches past the cap are removed, in that
// order; counts of each are reported for the ledger.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/proxy/aws_json.h"

namespace oversight::proxy {

struct WireObligations {
  std::optional<double> min_similarity;
  std::optional<std::int64_t> max_results;
  std::vector<std::string> exclude_record_status;
  bool human_review_required = false;
  std::vector<std::string> notices;
};

// SearchFacesByImage, SearchFaces and CompareFaces: the searches, whose answers carry
// FaceMatches that the obligations filter and the history index records.
bool ReturnsFaceMatches(Operation op);

// Rekognition's defaults when a request omits them.
inline constexpr double kDefaultMatchThreshold = 80;
inline constexpr int kMaxFacesLimit = 4096;

// `excluded_headroom`: how many faces of the collection are excluded (their matches will be
// dropped), added to MaxFaces so the cap still counts only results the caller may see.
void ApplyToRequest(Operation op, const WireObligations& ob, std::size_t excluded_headroom,
                    nlohmann::json& body);

struct Match {
  std::string face_id;  // empty for CompareFaces (target faces have no FaceId)
  double similarity = 0;
};

struct FilterResult {
  std::vector<Match> kept;
  std::size_t below_floor = 0, excluded = 0, over_cap = 0;
};

// Returns the charge status of a face (nullopt: no record).
using StatusLookup = std::function<std::optional<std::string>(std::string_view face_id)>;

// Filters FaceMatches of SearchFacesByImage, SearchFaces and CompareFaces in place; other
// operations are left as they are.
FilterResult FilterReply(Operation op, const WireObligations& ob, const StatusLookup& status_of,
                         nlohmann::json& reply);

}  // namespace oversight::proxy
