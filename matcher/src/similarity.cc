#include "oversight/matcher/similarity.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace oversight::matcher {
namespace {

struct Knot {
  double distance;
  double similarity;
};

constexpr std::array<Knot, 4> kKnots = {
    {{0.0, 100.0}, {kStrictDistance, 99.0}, {kDefaultDistance, 80.0}, {kZeroDistance, 0.0}}};

static_assert(kKnots[0].distance < kKnots[1].distance && kKnots[1].distance < kKnots[2].distance &&
                  kKnots[2].distance < kKnots[3].distance,
              "knots must increase in distance so the mapping stays monotone");

}  // namespace

double DistanceToSimilarity(double distance) {
  if (std::isnan(distance)) return 0.0;
  if (distance <= 0) return 100.0;
  for (std::size_t i = 1; i < kKnots.size(); ++i) {
    const Knot& a = kKnots[i - 1];
    const Knot& b = kKnots[i];
    if (distance <= b.distance) {
      const double t = (distance - a.distance) / (b.distance - a.distance);
      return a.similarity + t * (b.similarity - a.similarity);
    }
  }
  return 0.0;
}

double SimilarityToDistance(double similarity) {
  similarity = std::clamp(similarity, 0.0, 100.0);
  if (similarity <= 0) return kZeroDistance;
  for (std::size_t i = 1; i < kKnots.size(); ++i) {
    const Knot& a = kKnots[i - 1];
    const Knot& b = kKnots[i];
    if (similarity >= b.similarity) {
      const double t = (a.similarity - similarity) / (a.similarity - b.similarity);
      return a.distance + t * (b.distance - a.distance);
    }
  }
  return kZeroDistance;
}

}  // namespace oversight::matcher
