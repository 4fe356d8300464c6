// Reading the face-api weight files: a tfjs "weights manifest" (JSON) plus its binary shard.
//
// Format (docs/matcher.md, "Weight files"): the manifest is a JSON array of groups
// {paths, weights}; each weight is {name, shape, dtype:"float32", quantization?}. Tensors lie
// back to back in manifest order with no padding. A quantised tensor takes one byte per element
// and dequantises as q * scale + min; any other tensor is raw little-endian float32.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/status.h"

namespace oversight::matcher {

// One dequantised tensor, row-major in the manifest's (TensorFlow) shape.
struct Tensor {
  std::vector<int> shape;
  std::vector<float> values;
  // For a uint8-quantised tensor, its bytes: values[i] == quantised[i] * quant_scale +
  // quant_min. Empty for a float32 tensor. Kept so that weight-bound layers can stream one
  // byte per weight instead of four.
  std::vector<std::uint8_t> quantised;
  float quant_scale = 0.f;
  float quant_min = 0.f;

  std::size_t ElementCount() const;
};

// Name -> tensor. Immutable once loaded; safe to share between threads.
class WeightMap {
 public:
  WeightMap() = default;
  explicit WeightMap(std::map<std::string, Tensor, std::less<>> tensors)
      : tensors_(std::move(tensors)) {}

  // NotFound if `name` is absent; InvalidArgument if its shape differs from `expected_shape`.
  StatusOr<const Tensor*> Get(std::string_view name, std::span<const int> expected_shape) const;
  bool Contains(std::string_view name) const;
  std::size_t size() const { return tensors_.size(); }
  // Total number of parameters over all tensors.
  std::size_t ParameterCount() const;

 private:
  std::map<std::string, Tensor, std::less<>> tensors_;
};

// Pure parser. `manifest_json` is the manifest text, `shard` the concatenation of the group's
// .bin files. Fails with Corruption if the shard is not exactly as long as the manifest says,
// and InvalidArgument for a malformed or unsupported manifest (several groups, unknown dtype).
StatusOr<WeightMap> ParseWeights(std::string_view manifest_json,
                                 std::span<const std::uint8_t> shard);

// Reads <dir>/<model>-weights_manifest.json and the shard it names (which must sit in `dir`
// and be a plain file name), after checking both files' SHA-256 against the pins compiled in
// from matcher/model-files.sha256. A file that does not match is refused with
// PermissionDenied and a message naming the file and the fix (scripts/fetch-models).
StatusOr<WeightMap> LoadWeights(const std::string& dir, std::string_view model);

}  // namespace oversight::matcher
