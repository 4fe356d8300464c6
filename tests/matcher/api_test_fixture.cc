#include "api_test_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "oversight/common/encoding.h"
#include "test_support.h"

namespace oversight::matcher::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> Jpeg(const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  cv::imencode(".jpg", m, out, {cv::IMWRITE_JPEG_QUALITY, 92});
  return out;
}

cv::Mat Scaled(const std::string& path, int width) {
  cv::Mat img = cv::imread(path, cv::IMREAD_COLOR);
  cv::Mat out;
  cv::resize(img, out, cv::Size(width, img.rows * width / img.cols), 0, 0, cv::INTER_AREA);
  return out;
}

// The largest face of `m`'s image, its box enlarged by one box size on every side, resized
// 1.5x and brightened: a different image of the same face.
std::vector<std::uint8_t> CropOfFace(const cv::Mat& m, const Box& px) {
  cv::Rect r(static_cast<int>(px.left - px.width), static_cast<int>(px.top - px.height),
             static_cast<int>(3 * px.width), static_cast<int>(3 * px.height));
  r &= cv::Rect(0, 0, m.cols, m.rows);
  cv::Mat crop, big;
  cv::resize(m(r), big, cv::Size(), 1.5, 1.5, cv::INTER_CUBIC);
  big.convertTo(crop, -1, 1.0, 20);
  return Jpeg(crop);
}

}  // namespace

const FaceModel* ApiTest::model_ = nullptr;
TestImages* ApiTest::images_ = nullptr;

void ApiTest::SetUpTestSuite() {
  std::string why;
  auto dir = FindModelDir(&why);
  auto demo = FindDemoDir();
  if (!dir || !demo) return;
  auto loaded = FaceModel::Load(*dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  model_ = std::move(loaded).value().release();
  auto* im = new TestImages;
  const cv::Mat group = Scaled(*demo + "/sample1.jpg", 640);
  im->group = Jpeg(group);
  im->other = Jpeg(Scaled(*demo + "/sample2.jpg", 640));
  im->blank = Jpeg(cv::Mat(240, 320, CV_8UC3, cv::Scalar(128, 128, 128)));
  auto analysis = model_->Analyze(im->group);
  ASSERT_TRUE(analysis.ok()) << analysis.status().ToString();
  const DetectedFace* largest = nullptr;
  for (const auto& f : analysis->faces) {
    if (!f.indexed()) continue;
    ++im->group_faces;
    if (!largest || f.Area() > largest->Area()) largest = &f;
  }
  ASSERT_NE(largest, nullptr) << "sample1.jpg at 640 px: no face";
  const Box& b = largest->box;
  im->largest_face = {b.left / group.cols, b.top / group.rows, b.width / group.cols,
                      b.height / group.rows};
  im->crop = CropOfFace(group, b);
  images_ = im;
}

void ApiTest::TearDownTestSuite() {
  delete model_;
  model_ = nullptr;
  delete images_;
  images_ = nullptr;
}

void ApiTest::SetUp() {
  if (!model_ || !images_) {
    GTEST_SKIP() << "\n*** SKIPPED: face model weights or demo photos not found. Run "
                    "scripts/fetch-models or set OVERSIGHT_MODELS_DIR. ***";
  }
  dir_ = (fs::temp_directory_path() /
          ("oversight-api-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name()))
             .string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  clock_.Set(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
  auto g =
      Gallery::Open(dir_ + "/gallery.db", SecretBytes(std::vector<std::uint8_t>(32, 3)), clock_);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  gallery_ = std::move(g).value();
  api_ = std::make_unique<RekognitionApi>(*gallery_, *model_);
}

void ApiTest::TearDown() {
  api_.reset();
  gallery_.reset();
  if (!dir_.empty()) fs::remove_all(dir_);
}

json ApiTest::Image(const std::vector<std::uint8_t>& bytes) {
  return {{"Bytes", Base64Encode(bytes)}};
}

json ApiTest::Call(std::string_view op, const json& body, int status) const {
  const ApiResult r = api_->Handle(op, body.dump());
  EXPECT_EQ(r.http_status, status) << op << ": " << r.content;
  json parsed = json::parse(r.content, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << r.content;
  return parsed;
}

std::string ApiTest::ExpectError(std::string_view op, const json& body,
                                 std::string_view type) const {
  const json r = Call(op, body, 400);
  EXPECT_EQ(r.value("__type", ""), type) << op << " " << body.dump().substr(0, 200);
  EXPECT_TRUE(r.contains("message"));
  return r.value("message", "");
}

std::size_t ApiTest::FaceCount(const std::string& collection) const {
  auto info = gallery_->DescribeCollection(collection);
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  return info.ok() ? info->face_count : 0;
}

}  // namespace oversight::matcher::testing
