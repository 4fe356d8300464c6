// Parses tfjs weight manifests with nlohmann_json; its exceptions are caught here and never
// leave this file.
#include "oversight/matcher/weights.h"

#include <bit>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "file_util.h"
#include "oversight/matcher/model_files.h"

namespace oversight::matcher {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxElements = std::size_t{1} << 26;  // far above any face-api tensor

struct Cursor {
  std::span<const std::uint8_t> shard;
  std::size_t offset = 0;
};

StatusOr<std::vector<int>> ParseShape(const json& weight, std::size_t* count) {
  std::vector<int> shape;
  *count = 1;
  for (const json& d : weight.at("shape")) {
    const int dim = d.get<int>();
    if (dim <= 0 || *count > kMaxElements / static_cast<std::size_t>(dim)) {
      return Status::InvalidArgument("bad shape for " + weight.at("name").get<std::string>());
    }
    *count *= static_cast<std::size_t>(dim);
    shape.push_back(dim);
  }
  return shape;
}

// Decodes one tensor at the cursor and advances it.
StatusOr<Tensor> DecodeTensor(const json& weight, Cursor& cur) {
  Tensor t;
  std::size_t count = 0;
  OVERSIGHT_ASSIGN_OR_RETURN(t.shape, ParseShape(weight, &count));
  const std::string name = weight.at("name").get<std::string>();
  if (weight.value("dtype", "float32") != "float32") {
    return Status::InvalidArgument(name + ": only float32 tensors are supported");
  }
  const bool quantised = weight.contains("quantization");
  const std::size_t bytes = quantised ? count : count * 4;
  if (cur.shard.size() - cur.offset < bytes) {
    return Status::Corruption(name + ": weight shard ends inside this tensor");
  }
  const std::uint8_t* p = cur.shard.data() + cur.offset;
  t.values.resize(count);
  if (quantised) {
    const json& q = weight.at("quantization");
    if (q.at("dtype") != "uint8") return Status::InvalidArgument(name + ": not uint8-quantised");
    const float scale = q.at("scale").get<float>();
    const float min = q.at("min").get<float>();
    for (std::size_t i = 0; i < count; ++i) t.values[i] = static_cast<float>(p[i]) * scale + min;
    t.quantised.assign(p, p + count);
    t.quant_scale = scale;
    t.quant_min = min;
  } else {
    static_assert(std::endian::native == std::endian::little, "weights are little-endian");
    std::memcpy(t.values.data(), p, bytes);
  }
  cur.offset += bytes;
  return t;
}

StatusOr<WeightMap> ParseGroup(const json& group, std::span<const std::uint8_t> shard) {
  std::map<std::string, Tensor, std::less<>> tensors;
  Cursor cur{shard, 0};
  for (const json& weight : group.at("weights")) {
    OVERSIGHT_ASSIGN_OR_RETURN(Tensor t, DecodeTensor(weight, cur));
    const std::string name = weight.at("name").get<std::string>();
    if (!tensors.emplace(name, std::move(t)).second) {
      return Status::InvalidArgument("duplicate tensor " + name);
    }
  }
  if (cur.offset != shard.size()) {
    return Status::Corruption("weight shard has " + std::to_string(shard.size()) +
                              " bytes but the manifest accounts for " + std::to_string(cur.offset));
  }
  return WeightMap(std::move(tensors));
}

StatusOr<json> ParseSingleGroupManifest(std::string_view manifest_json) {
  json manifest = json::parse(manifest_json.begin(), manifest_json.end());
  if (!manifest.is_array() || manifest.size() != 1) {
    return Status::InvalidArgument("expected a manifest with exactly one weight group");
  }
  return manifest.at(0);
}

}  // namespace

std::size_t Tensor::ElementCount() const { return values.size(); }

StatusOr<const Tensor*> WeightMap::Get(std::string_view name,
                                       std::span<const int> expected_shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return Status::NotFound("no tensor " + std::string(name));
  if (!std::equal(it->second.shape.begin(), it->second.shape.end(), expected_shape.begin(),
                  expected_shape.end())) {
    return Status::InvalidArgument("tensor " + std::string(name) + " has an unexpected shape");
  }
  return &it->second;
}

bool WeightMap::Contains(std::string_view name) const { return tensors_.contains(name); }

std::size_t WeightMap::ParameterCount() const {
  std::size_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.ElementCount();
  return n;
}

StatusOr<WeightMap> ParseWeights(std::string_view manifest_json,
                                 std::span<const std::uint8_t> shard) {
  try {
    OVERSIGHT_ASSIGN_OR_RETURN(json group, ParseSingleGroupManifest(manifest_json));
    return ParseGroup(group, shard);
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed weights manifest: ") + e.what());
  }
}

StatusOr<WeightMap> LoadWeights(const std::string& dir, std::string_view model) {
  namespace fs = std::filesystem;
  const std::string manifest_name = std::string(model) + "-weights_manifest.json";
  OVERSIGHT_ASSIGN_OR_RETURN(auto manifest,
                             internal::ReadWholeFile((fs::path(dir) / manifest_name).string()));
  OVERSIGHT_RETURN_IF_ERROR(CheckModelFilePin(manifest_name, manifest));
  const std::string_view text(reinterpret_cast<const char*>(manifest.data()), manifest.size());
  std::string shard_name;
  try {
    OVERSIGHT_ASSIGN_OR_RETURN(json group, ParseSingleGroupManifest(text));
    const json& paths = group.at("paths");
    if (paths.size() != 1) return Status::InvalidArgument("expected one shard in " + manifest_name);
    shard_name = paths.at(0).get<std::string>();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(manifest_name + ": " + e.what());
  }
  if (shard_name.find('/') != std::string::npos || shard_name.starts_with('.')) {
    return Status::InvalidArgument(manifest_name + " names a shard outside its folder");
  }
  OVERSIGHT_ASSIGN_OR_RETURN(auto shard,
                             internal::ReadWholeFile((fs::path(dir) / shard_name).string()));
  OVERSIGHT_RETURN_IF_ERROR(CheckModelFilePin(shard_name, shard));
  auto weights = ParseWeights(text, shard);
  if (!weights.ok()) return weights.status().WithContext(std::string(model));
  return weights;
}

}  // namespace oversight::matcher
