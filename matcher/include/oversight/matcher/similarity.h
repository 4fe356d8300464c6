// Mapping descriptor distance to a Rekognition-style Similarity in [0, 100], and back.
//
// Rekognition callers think in similarity thresholds (default 80, "strict" 99); face-api
// thinks in Euclidean distances (default 0.6). The mapping is piecewise linear through fixed
// knots, so it is monotone (strictly decreasing in distance until it reaches 0), exactly
// invertible, and each knot is a calibrated decision documented in docs/matcher.md:
//
//   distance  0.00 -> similarity 100
//   distance  kStrictDistance -> 99   (no false match among any different-person pair of the
//                                      labelled calibration set)
//   distance  0.60 -> 80               (face-api's permissive default threshold)
//   distance  kZeroDistance and beyond -> 0
#pragma once

namespace oversight::matcher {

inline constexpr double kStrictDistance = 0.45;
inline constexpr double kDefaultDistance = 0.60;
inline constexpr double kZeroDistance = 1.20;

// REQUIRES: distance >= 0 (a NaN maps to 0, never to a match).
double DistanceToSimilarity(double distance);

// The largest distance whose similarity is >= `similarity` (clamped to [0, 100]); a face
// pair matches a Rekognition threshold T iff its distance <= SimilarityToDistance(T).
double SimilarityToDistance(double similarity);

}  // namespace oversight::matcher
