// FaceModel's contract: errors for bad input, unindexed reasons, and thread safety.
#include "oversight/matcher/face_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "test_support.h"

namespace oversight::matcher {
namespace {

class FaceModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string why;
    auto dir = testing::FindModelDir(&why);
    auto demo = testing::FindDemoDir();
    if (!dir || !demo) return;
    ModelOptions options;
    options.max_concurrent_inferences = 2;
    auto loaded = FaceModel::Load(*dir, options);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    model_ = std::move(loaded).value().release();
    group_photo_ = testing::ReadFileBytes(*demo + "/sample5.jpg");  // five faces
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    if (!model_) {
      GTEST_SKIP() << "\n*** SKIPPED: face model weights not found. Run scripts/fetch-models "
                      "or set OVERSIGHT_MODELS_DIR. ***";
    }
  }
  static std::vector<UnindexedReason> ReasonsOf(const Analysis& a) {
    std::vector<UnindexedReason> all;
    for (const auto& f : a.faces)
      all.insert(all.end(), f.unindexed_reasons.begin(), f.unindexed_reasons.end());
    return all;
  }

  static inline FaceModel* model_ = nullptr;
  static inline std::vector<std::uint8_t> group_photo_;
};

TEST_F(FaceModelTest, GarbageBytesAreInvalidArgument) {
  const std::vector<std::uint8_t> junk(500, 0x42);
  EXPECT_EQ(model_->Analyze(junk).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(model_->Analyze({}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FaceModelTest, ImageWithoutFacesGivesNoFacesAndNoError) {
  std::vector<std::uint8_t> png;
  cv::imencode(".png", cv::Mat(300, 400, CV_8UC3, cv::Scalar(90, 140, 200)), png);
  auto a = model_->Analyze(png);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->faces.empty());
  EXPECT_EQ(a->image.width, 400);
}

TEST_F(FaceModelTest, IndexedFacesHaveDescriptorsAndReportedOrderIsByConfidence) {
  auto a = model_->Analyze(group_photo_);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->faces.size(), 5u);
  for (std::size_t i = 0; i < a->faces.size(); ++i) {
    EXPECT_TRUE(a->faces[i].indexed());
    EXPECT_TRUE(a->faces[i].has_descriptor);
    if (i > 0) {
      EXPECT_LE(a->faces[i].confidence, a->faces[i - 1].confidence);
    }
  }
}

TEST_F(FaceModelTest, MaxFacesIndexesTheLargestAndMarksTheRestExceedsMaxFaces) {
  AnalyzeOptions opt;
  opt.max_faces = 2;
  auto a = model_->Analyze(group_photo_, opt);
  ASSERT_TRUE(a.ok());
  double smallest_indexed = 1e18, largest_exceeding = 0;
  int indexed = 0;
  for (const auto& f : a->faces) {
    if (f.indexed()) {
      ++indexed;
      smallest_indexed = std::min(smallest_indexed, f.Area());
      EXPECT_TRUE(f.has_descriptor);
    } else {
      EXPECT_EQ(f.unindexed_reasons, std::vector{UnindexedReason::kExceedsMaxFaces});
      EXPECT_FALSE(f.has_descriptor);
      largest_exceeding = std::max(largest_exceeding, f.Area());
    }
  }
  EXPECT_EQ(indexed, 2);
  EXPECT_GT(smallest_indexed, largest_exceeding);
}

TEST_F(FaceModelTest, FacesBelowTheSizeFloorAreSmallBoundingBox) {
  AnalyzeOptions opt;
  opt.min_face_pixels = 100000;
  auto a = model_->Analyze(group_photo_, opt);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(ReasonsOf(*a), std::vector<UnindexedReason>(5, UnindexedReason::kSmallBoundingBox));
  EXPECT_EQ(UnindexedReasonName(UnindexedReason::kSmallBoundingBox), "SMALL_BOUNDING_BOX");
}

TEST_F(FaceModelTest, FacesBelowTheConfidenceFloorAreLowConfidence) {
  AnalyzeOptions opt;
  opt.min_confidence = 0.8;  // sample5's scores are 0.88, 0.83, 0.77, 0.75, 0.67
  auto a = model_->Analyze(group_photo_, opt);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(ReasonsOf(*a), std::vector<UnindexedReason>(3, UnindexedReason::kLowConfidence));
  EXPECT_EQ(UnindexedReasonName(UnindexedReason::kLowConfidence), "LOW_CONFIDENCE");
}

// A 150x150 portrait crop, as in mugshot galleries: at 416 the face fills the detector input
// and is missed; the smaller retry sizes find it.
TEST_F(FaceModelTest, TightFaceCropIsFoundByTheSmallerRetrySizes) {
  const auto portrait = testing::ReadFileBytes(*testing::FindDemoDir() + "/sample2.jpg");
  auto group = model_->Analyze(portrait);
  ASSERT_TRUE(group.ok());
  const Box& b = group->faces[0].box;
  const cv::Mat photo = cv::imdecode(portrait, cv::IMREAD_COLOR);
  const int side = static_cast<int>(std::max(b.width, b.height));
  const cv::Rect r(static_cast<int>(b.left + b.width / 2) - side / 2,
                   static_cast<int>(b.top + b.height / 2) - side / 2, side, side);
  cv::Mat crop;
  cv::resize(photo(r & cv::Rect(0, 0, photo.cols, photo.rows)), crop, cv::Size(150, 150));
  std::vector<std::uint8_t> png;
  cv::imencode(".png", crop, png);
  AnalyzeOptions single_pass;
  single_pass.retry_input_sizes = {};
  auto missed = model_->Analyze(png, single_pass);
  auto found = model_->Analyze(png);
  ASSERT_TRUE(missed.ok() && found.ok());
  const auto indexed = [](const Analysis& a) {
    return std::count_if(a.faces.begin(), a.faces.end(), [](auto& f) { return f.indexed(); });
  };
  EXPECT_EQ(indexed(*missed), 0);
  ASSERT_EQ(indexed(*found), 1);
  EXPECT_LT(DescriptorDistance(found->faces[0].descriptor, group->faces[0].descriptor), 0.45f);
}

TEST_F(FaceModelTest, RejectsADetectorSizeThatIsNotAMultipleOf32) {
  AnalyzeOptions opt;
  opt.detector_input_size = 100;
  EXPECT_EQ(model_->Analyze(group_photo_, opt).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FaceModelTest, ConcurrentCallsGiveTheSameAnswerAsOneCall) {
  auto expected = model_->Analyze(group_photo_);
  ASSERT_TRUE(expected.ok());
  constexpr int kThreads = 4;  // more than the pool's 2 sets: some callers wait
  std::vector<std::vector<Descriptor>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto a = model_->Analyze(group_photo_);
      if (!a.ok()) return;
      for (const auto& f : a->faces) got[t].push_back(f.descriptor);
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(got[t].size(), expected->faces.size());
    for (std::size_t i = 0; i < got[t].size(); ++i) {
      EXPECT_LT(DescriptorDistance(got[t][i], expected->faces[i].descriptor), 1e-5f);
    }
  }
}

}  // namespace
}  // namespace oversight::matcher
