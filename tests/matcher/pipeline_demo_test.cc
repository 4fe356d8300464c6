// The whole pipeline on the model package's own demo photos (sample1..6.jpg, group photos of
// different women): the faces face-api finds, the same descriptors, each face matching itself
// under re-encoding, resizing, cropping and brightness changes at the strict threshold, and no
// two faces of one photo matching at it.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "detector_decode.h"
#include "oversight/matcher/face_model.h"
#include "oversight/matcher/similarity.h"
#include "test_support.h"

namespace oversight::matcher {
namespace {

using testing::FixturePath;
using testing::ReadFileBytes;

class PipelineDemoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    auto dir = testing::FindModelDir(&why);
    auto demo = testing::FindDemoDir();
    if (!dir || !demo) return;
    auto loaded = FaceModel::Load(*dir);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    model_ = std::move(loaded).value().release();
    demo_dir_ = *demo;
    std::ifstream in(FixturePath("fixtures.json"));
    const auto fixtures = nlohmann::json::parse(in);
    reference_ = fixtures.at("pipeline").at("images");
    png_reference_ = fixtures.at("pipeline_png").at("faces");
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    if (!model_) {
      GTEST_SKIP() << "\n*** SKIPPED: face model weights or demo photos not found. Run "
                      "scripts/fetch-models or set OVERSIGHT_MODELS_DIR. ***";
    }
  }

  static std::vector<std::uint8_t> Demo(int i) {
    return ReadFileBytes(demo_dir_ + "/sample" + std::to_string(i) + ".jpg");
  }
  static std::vector<DetectedFace> Indexed(std::span<const std::uint8_t> bytes,
                                           const AnalyzeOptions& options = {}) {
    auto analysis = model_->Analyze(bytes, options);
    EXPECT_TRUE(analysis.ok()) << analysis.status().ToString();
    std::vector<DetectedFace> out;
    if (!analysis.ok()) return out;
    for (auto& f : analysis->faces) {
      if (f.indexed()) out.push_back(f);
    }
    return out;
  }

  static inline FaceModel* model_ = nullptr;
  static inline std::string demo_dir_;
  static inline nlohmann::json reference_;
  static inline nlohmann::json png_reference_;
};

// Our extra overlap rule off, so the detections are face-api's own.
AnalyzeOptions FaceApiCompatible() {
  AnalyzeOptions options;
  options.coverage_limit = 1;
  return options;
}

Descriptor FromJson(const nlohmann::json& j) {
  Descriptor d{};
  for (int i = 0; i < kDescriptorSize; ++i) d[i] = j.at(i).get<float>();
  return d;
}

Box BoxFromJson(const nlohmann::json& b) {
  return {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()};
}

// A lossless input, so every step of our glue (padding, tfjs-style resize, decoding of the
// grid, landmark mapping, dlib crop) must reproduce face-api's to float precision.
TEST_F(PipelineDemoTest, LosslessImageGivesFaceApisBoxesLandmarksAndDescriptors) {
  const auto faces = Indexed(ReadFileBytes(FixturePath("pipeline.png")), FaceApiCompatible());
  ASSERT_EQ(faces.size(), png_reference_.size());
  double worst_box = 0, worst_landmark = 0, worst_distance = 0;
  for (std::size_t k = 0; k < faces.size(); ++k) {
    const auto& ref = png_reference_[k];
    const Box rb = BoxFromJson(ref.at("box"));
    worst_box = std::max(
        {worst_box, std::abs(faces[k].box.left - rb.left), std::abs(faces[k].box.top - rb.top),
         std::abs(faces[k].box.width - rb.width), std::abs(faces[k].box.height - rb.height)});
    for (int i = 0; i < 68; ++i) {
      worst_landmark =
          std::max({worst_landmark,
                    std::abs(faces[k].landmarks[i].x - ref["landmarks"][2 * i].get<double>()),
                    std::abs(faces[k].landmarks[i].y - ref["landmarks"][2 * i + 1].get<double>())});
    }
    worst_distance =
        std::max(worst_distance, static_cast<double>(DescriptorDistance(
                                     faces[k].descriptor, FromJson(ref.at("descriptor")))));
    EXPECT_NEAR(faces[k].confidence, ref.at("score").get<double>(), 1e-4);
  }
  std::printf(
      "[ measured ] lossless pipeline vs face-api: box %.3g px, landmarks %.3g px, "
      "descriptor distance %.3g\n",
      worst_box, worst_landmark, worst_distance);
  EXPECT_LT(worst_box, 1e-2);
  EXPECT_LT(worst_landmark, 1e-2);
  EXPECT_LT(worst_distance, 1e-3);
}

// On the JPEG demo photos face-api decoded with jpeg-js and we with libjpeg; the pixels
// differ by a level or two, so boxes and descriptors are close, not equal.
TEST_F(PipelineDemoTest, DemoPhotosGiveFaceApisFacesWithinDecoderNoise) {
  double worst_distance = 0, worst_iou = 1;
  for (int i = 1; i <= 6; ++i) {
    const auto faces = Indexed(Demo(i), FaceApiCompatible());
    const auto& ref = reference_.at("sample" + std::to_string(i) + ".jpg");
    ASSERT_EQ(faces.size(), ref.size()) << "sample" << i;
    for (std::size_t k = 0; k < faces.size(); ++k) {
      const double iou =
          internal::IntersectionOverUnion(faces[k].box, BoxFromJson(ref[k].at("box")));
      const float d = DescriptorDistance(faces[k].descriptor, FromJson(ref[k].at("descriptor")));
      worst_iou = std::min(worst_iou, iou);
      worst_distance = std::max(worst_distance, static_cast<double>(d));
      EXPECT_NEAR(faces[k].confidence, ref[k].at("score").get<double>(), 0.02);
      EXPECT_GT(iou, 0.95) << "sample" << i << " face " << k;
      EXPECT_LT(d, kStrictDistance) << "sample" << i << " face " << k;
    }
  }
  std::printf(
      "[ measured ] demo JPEGs vs face-api: worst box IoU %.4f, worst descriptor "
      "distance %.3g\n",
      worst_iou, worst_distance);
}

// An edited copy of a photo, and how to map an original box into it.
struct Variant {
  std::string name;
  std::vector<std::uint8_t> bytes;
  double scale = 1, dx = 0, dy = 0;  // edited = original * scale - (dx, dy)
  double width = 1e9, height = 1e9;  // faces not wholly inside are not compared
};

std::vector<std::uint8_t> EncodeJpeg(const cv::Mat& m, int quality) {
  std::vector<std::uint8_t> out;
  cv::imencode(".jpg", m, out, {cv::IMWRITE_JPEG_QUALITY, quality});
  return out;
}

std::vector<Variant> Variants(const std::vector<std::uint8_t>& jpg) {
  const cv::Mat img = cv::imdecode(jpg, cv::IMREAD_COLOR);
  std::vector<Variant> out;
  out.push_back({"re-encoded at JPEG quality 60", EncodeJpeg(img, 60)});
  cv::Mat small;
  cv::resize(img, small, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
  out.push_back({"resized to 60%", EncodeJpeg(small, 90), 0.6});
  cv::Mat bright;
  img.convertTo(bright, -1, 1.0, 35);
  out.push_back({"brightened by 35 levels", EncodeJpeg(bright, 90)});
  cv::Mat dark;
  img.convertTo(dark, -1, 0.7, 0);
  out.push_back({"darkened to 70%", EncodeJpeg(dark, 90)});
  const cv::Rect middle(img.cols / 6, img.rows / 8, img.cols * 2 / 3, img.rows * 3 / 4);
  out.push_back({"cropped to the middle", EncodeJpeg(img(middle).clone(), 90), 1, double(middle.x),
                 double(middle.y), double(middle.width), double(middle.height)});
  return out;
}

// Every face of every demo photo is found again in each edited copy, at the same place, and
// matches its original at the strict threshold (Similarity 99).
TEST_F(PipelineDemoTest, EveryFaceMatchesItselfAfterEditsAtTheStrictThreshold) {
  double worst = 0;
  int checked = 0;
  for (int i = 1; i <= 6; ++i) {
    const auto jpg = Demo(i);
    const auto originals = Indexed(jpg);
    for (const Variant& v : Variants(jpg)) {
      // Detector confidence depends on face scale (a crop makes faces relatively bigger and
      // scores drop below 0.5), so edited copies are searched with a lower floor: this test is
      // about the descriptor, not the detector.
      AnalyzeOptions lenient;
      lenient.detection_threshold = lenient.min_confidence = 0.3;
      const auto edited = Indexed(v.bytes, lenient);
      for (const auto& face : originals) {
        const Box moved{face.box.left * v.scale - v.dx, face.box.top * v.scale - v.dy,
                        face.box.width * v.scale, face.box.height * v.scale};
        if (moved.left < 0 || moved.top < 0 || moved.left + moved.width > v.width ||
            moved.top + moved.height > v.height) {
          continue;  // cropped away or cut by the crop
        }
        const DetectedFace* same = nullptr;
        for (const auto& e : edited) {
          if (internal::IntersectionOverUnion(e.box, moved) > 0.5) same = &e;
        }
        ASSERT_NE(same, nullptr) << "sample" << i << " " << v.name << ": face lost";
        const float d = DescriptorDistance(face.descriptor, same->descriptor);
        worst = std::max(worst, static_cast<double>(d));
        ++checked;
        EXPECT_LE(d, kStrictDistance) << "sample" << i << " " << v.name;
      }
    }
  }
  std::printf("[ measured ] %d edited faces: worst distance to the original %.3f (strict %.2f)\n",
              checked, worst, kStrictDistance);
  EXPECT_GT(checked, 80);
}

// Our overlap rule drops face-api's spurious box straddling two faces in sample6.
TEST_F(PipelineDemoTest, SpuriousBoxStraddlingTwoFacesIsDropped) {
  EXPECT_EQ(Indexed(Demo(6), FaceApiCompatible()).size(), 5u);
  EXPECT_EQ(Indexed(Demo(6)).size(), 4u);
}

// The demo photos show different women: no two faces of one photo may match at Similarity 99.
TEST_F(PipelineDemoTest, DifferentFacesOfOnePhotoDoNotMatchAtTheStrictThreshold) {
  double closest = 1e9;
  for (int i = 1; i <= 6; ++i) {
    const auto faces = Indexed(Demo(i));
    for (std::size_t a = 0; a < faces.size(); ++a) {
      for (std::size_t b = a + 1; b < faces.size(); ++b) {
        const float d = DescriptorDistance(faces[a].descriptor, faces[b].descriptor);
        closest = std::min(closest, static_cast<double>(d));
        EXPECT_GT(d, kStrictDistance) << "sample" << i << " faces " << a << ", " << b;
        EXPECT_LT(DistanceToSimilarity(d), 99.0);
      }
    }
  }
  std::printf("[ measured ] closest pair of different faces in one photo: %.3f\n", closest);
}

}  // namespace
}  // namespace oversight::matcher
