// Shared fixture for the RekognitionApi tests: one loaded FaceModel for the suite, a fresh
// gallery per test, and small images made from the model package's demo photos.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/gallery.h"
#include "oversight/matcher/rekognition_api.h"

namespace oversight::matcher::testing {

using nlohmann::json;

struct TestImages {
  std::vector<std::uint8_t> group;  // sample1.jpg, 640 px wide: several faces
  std::vector<std::uint8_t> other;  // sample2.jpg, 640 px wide: other people
  std::vector<std::uint8_t> crop;   // group's largest face cropped, enlarged and brightened
  std::vector<std::uint8_t> blank;  // grey, no face
  Box largest_face;                 // in ratios of `group`
  std::size_t group_faces = 0;      // faces IndexFaces indexes from `group` (AUTO)
};

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;

  // The Image member for `bytes`.
  static json Image(const std::vector<std::uint8_t>& bytes);
  ApiResult Raw(std::string_view op, std::string_view body) const { return api_->Handle(op, body); }
  // Calls `op` and returns the parsed body; records a failure if the status is not `status`.
  json Call(std::string_view op, const json& body, int status = 200) const;
  // Expects `op` to fail with 400 and `type`; returns the message.
  std::string ExpectError(std::string_view op, const json& body, std::string_view type) const;
  std::size_t FaceCount(const std::string& collection) const;

  static const FaceModel* model_;
  static TestImages* images_;
  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<Gallery> gallery_;
  std::unique_ptr<RekognitionApi> api_;
};

}  // namespace oversight::matcher::testing
