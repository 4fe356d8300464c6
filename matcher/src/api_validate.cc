// Request validation for RekognitionApi: body parsing, member types, Rekognition's patterns
// and ranges, images, pagination tokens.
#include <cmath>
#include <regex>

#include "api_support.h"
#include "oversight/common/encoding.h"

namespace oversight::matcher::api {
namespace {

// Deeper nesting than any Rekognition request needs; checked before parsing so a body of
// a million '[' cannot exhaust the stack of a recursive destructor.
constexpr int kMaxDepth = 32;

bool TooDeep(std::string_view body) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool HasType(const json& v, Type type) {
  switch (type) {
    case Type::kString:
      return v.is_string();
    case Type::kInteger:
      return v.is_number_integer();
    case Type::kNumber:
      return v.is_number() && std::isfinite(v.get<double>());
    case Type::kObject:
      return v.is_object();
    case Type::kArray:
      return v.is_array();
  }
  return false;
}

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kString:
      return "a string";
    case Type::kInteger:
      return "an integer";
    case Type::kNumber:
      return "a finite number";
    case Type::kObject:
      return "an object";
    case Type::kArray:
      return "an array";
  }
  return "?";
}

bool Matches(std::string_view s, const char* pattern) {
  static thread_local std::unordered_map<const char*, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern)).first;
  return std::regex_match(s.begin(), s.end(), it->second);
}

const json& Member(const json& body, std::string_view name) { return body.at(std::string(name)); }

}  // namespace

void ThrowInvalid(std::string message) {
  throw ApiError{"InvalidParameterException", std::move(message)};
}

void ThrowIfError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return;
    case StatusCode::kInvalidArgument:
      ThrowInvalid(status.message());
    case StatusCode::kNotFound:
      throw ApiError{"ResourceNotFoundException", status.message()};
    case StatusCode::kAlreadyExists:
      throw ApiError{"ResourceAlreadyExistsException", status.message()};
    default:
      throw ApiError{"InternalServerError", status.ToString(), 500};
  }
}

json ParseBody(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes) {
    ThrowInvalid("request body of " + std::to_string(body.size()) + " bytes exceeds " +
                 std::to_string(max_bytes));
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return json::object();
  if (TooDeep(body)) ThrowInvalid("request body nests deeper than " + std::to_string(kMaxDepth));
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) ThrowInvalid("request body is not valid JSON");
  if (!parsed.is_object()) ThrowInvalid("request body must be a JSON object");
  return parsed;
}

void CheckFields(const json& obj, std::initializer_list<Field> fields, std::string_view where) {
  for (const auto& [key, value] : obj.items()) {
    const Field* spec = nullptr;
    for (const Field& f : fields) {
      if (f.name == key) spec = &f;
    }
    if (!spec) ThrowInvalid("unknown member " + std::string(where) + key);
    if (!value.is_null() && !HasType(value, spec->type)) {
      ThrowInvalid(std::string(where) + key + " must be " + std::string(TypeName(spec->type)));
    }
  }
  for (const Field& f : fields) {
    if (f.required && !Has(obj, f.name)) {
      ThrowInvalid("missing required member " + std::string(where) + std::string(f.name));
    }
  }
}

bool Has(const json& body, std::string_view name) {
  auto it = body.find(std::string(name));
  return it != body.end() && !it->is_null();
}

std::string CollectionIdOf(const json& body) {
  std::string id = Member(body, "CollectionId").get<std::string>();
  if (!IsValidCollectionId(id)) {
    ThrowInvalid("CollectionId must be 1-255 characters of [a-zA-Z0-9_.-]");
  }
  return id;
}

std::optional<std::string> ExternalImageIdOf(const json& body) {
  if (!Has(body, "ExternalImageId")) return std::nullopt;
  std::string id = Member(body, "ExternalImageId").get<std::string>();
  if (id.empty() || id.size() > 255 || !Matches(id, "[a-zA-Z0-9_.\\-:]+")) {
    ThrowInvalid("ExternalImageId must be 1-255 characters of [a-zA-Z0-9_.-:]");
  }
  return id;
}

void CheckFaceId(std::string_view id, std::string_view what) {
  if (!Matches(id, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")) {
    ThrowInvalid(std::string(what) + " must be a lowercase UUID");
  }
}

std::int64_t IntIn(const json& body, std::string_view name, std::int64_t lo, std::int64_t hi,
                   std::int64_t fallback) {
  if (!Has(body, name)) return fallback;
  const json& v = Member(body, name);
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    ThrowInvalid(std::string(name) + " must be between " + std::to_string(lo) + " and " +
                 std::to_string(hi));
  }
  const auto n = v.get<std::int64_t>();
  if (n < lo || n > hi) {
    ThrowInvalid(std::string(name) + " must be between " + std::to_string(lo) + " and " +
                 std::to_string(hi));
  }
  return n;
}

double PercentOf(const json& body, std::string_view name, double fallback) {
  if (!Has(body, name)) return fallback;
  const double v = Member(body, name).get<double>();
  if (!(v >= 0 && v <= 100)) ThrowInvalid(std::string(name) + " must be between 0 and 100");
  return v;
}

std::string EnumOf(const json& body, std::string_view name,
                   std::span<const std::string_view> allowed, std::string_view fallback) {
  if (!Has(body, name)) return std::string(fallback);
  std::string v = Member(body, name).get<std::string>();
  for (std::string_view a : allowed) {
    if (a == v) return v;
  }
  ThrowInvalid(std::string(name) + " has an unsupported value '" + v + "'");
}

std::vector<std::string> StringArrayOf(const json& body, std::string_view name) {
  std::vector<std::string> out;
  if (!Has(body, name)) return out;
  for (const json& v : Member(body, name)) {
    if (!v.is_string()) ThrowInvalid(std::string(name) + " must be an array of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<std::uint8_t> ImageBytesOf(const json& body, std::string_view name,
                                       std::size_t max_bytes) {
  const json& image = Member(body, name);
  const std::string where = std::string(name) + ".";
  CheckFields(image, {{"Bytes", Type::kString}, {"S3Object", Type::kObject}}, where);
  if (Has(image, "S3Object")) {
    ThrowInvalid(where + "S3Object is not supported by the local matcher; send " + where +
                 "Bytes (base64 image bytes) instead");
  }
  if (!Has(image, "Bytes")) ThrowInvalid("missing required member " + where + "Bytes");
  const auto& text = image.at("Bytes").get_ref<const std::string&>();
  if (text.empty()) ThrowInvalid(where + "Bytes is empty");
  // Refuse oversized images before decoding them (base64: 4 characters per 3 bytes).
  if (text.size() / 4 * 3 > max_bytes + 2) {
    throw ApiError{"ImageTooLargeException",
                   where + "Bytes exceeds " + std::to_string(max_bytes) + " bytes"};
  }
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) ThrowInvalid(where + "Bytes is not valid base64");
  if (bytes->size() > max_bytes) {
    throw ApiError{"ImageTooLargeException",
                   where + "Bytes exceeds " + std::to_string(max_bytes) + " bytes"};
  }
  return std::move(bytes).value();
}

Analysis AnalyzeOrThrow(const FaceModel& model, std::span<const std::uint8_t> bytes,
                        const AnalyzeOptions& options) {
  auto analysis = model.Analyze(bytes, options);
  if (analysis.ok()) return std::move(analysis).value();
  const Status& s = analysis.status();
  if (s.code() == StatusCode::kInvalidArgument) {
    throw ApiError{"InvalidImageFormatException", "unsupported or corrupt image: " + s.message()};
  }
  if (s.code() == StatusCode::kResourceExhausted) {
    throw ApiError{"ImageTooLargeException", s.message()};
  }
  throw ApiError{"InternalServerError", "analysing the image: " + s.ToString(), 500};
}

AnalyzeOptions QualityOptions(AnalyzeOptions base, std::string_view filter) {
  if (filter == "NONE") {
    base.min_confidence = 0;
    base.min_face_pixels = 0;
  } else if (filter == "MEDIUM") {
    base.min_confidence = std::max(base.min_confidence, 0.65);
    base.min_face_pixels = std::max(base.min_face_pixels, 48.0);
  } else if (filter == "HIGH") {
    base.min_confidence = std::max(base.min_confidence, 0.8);
    base.min_face_pixels = std::max(base.min_face_pixels, 64.0);
  }
  return base;
}

std::string MakeToken(std::string_view scope, std::string_view last) {
  return Base64Encode(AsBytes("v1\n" + std::string(scope) + "\n" + std::string(last)));
}

std::string TokenPosition(const json& body, std::string_view scope) {
  if (!Has(body, "NextToken")) return "";
  const auto& token = body.at("NextToken").get_ref<const std::string&>();
  auto bytes = Base64Decode(token);
  const std::string prefix = "v1\n" + std::string(scope) + "\n";
  std::string text = bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "";
  if (token.size() > 1024 || text.size() <= prefix.size() ||
      text.compare(0, prefix.size(), prefix) != 0) {
    throw ApiError{"InvalidPaginationTokenException", "NextToken is not valid for this request"};
  }
  return text.substr(prefix.size());
}

}  // namespace oversight::matcher::api
