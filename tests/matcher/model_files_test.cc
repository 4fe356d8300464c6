// The SHA-256 pins: a changed model file is refused at load with a message saying what to do.
#include "oversight/matcher/model_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "oversight/matcher/face_model.h"
#include "oversight/matcher/weights.h"
#include "test_support.h"

namespace oversight::matcher {
namespace {

namespace fs = std::filesystem;

TEST(ModelFilesTest, UnpinnedFileIsRefused) {
  const std::uint8_t bytes[] = {1, 2, 3};
  EXPECT_EQ(CheckModelFilePin("age_gender_model.bin", bytes).code(), StatusCode::kNotFound);
}

TEST(ModelFilesTest, PinnedFileWithOtherContentIsRefusedWithTheFix) {
  const std::uint8_t bytes[] = {1, 2, 3};
  const Status s = CheckModelFilePin("face_recognition_model.bin", bytes);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("scripts/fetch-models"), std::string::npos) << s.message();
}

class TamperedModelDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OVERSIGHT_REQUIRE_MODELS(src);
    dir_ = fs::temp_directory_path() / ("oversight-models-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    for (const auto& e : fs::directory_iterator(src)) {
      fs::copy_file(e.path(), dir_ / e.path().filename(), fs::copy_options::overwrite_existing);
    }
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  // Flips one bit in the middle of `name`.
  void FlipByte(const std::string& name) {
    std::fstream f(dir_ / name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto mid = f.tellg() / 2;
    f.seekg(mid);
    char c = 0;
    f.get(c);
    f.seekp(mid);
    f.put(static_cast<char>(c ^ 1));
  }
  fs::path dir_;
};

TEST_F(TamperedModelDirTest, IntactCopyLoads) {
  EXPECT_TRUE(LoadWeights(dir_.string(), kDetectorModel).ok());
}

TEST_F(TamperedModelDirTest, OneFlippedBitInAWeightFileRefusesToLoad) {
  FlipByte("face_recognition_model.bin");
  auto w = LoadWeights(dir_.string(), kRecognitionModel);
  EXPECT_EQ(w.status().code(), StatusCode::kPermissionDenied);
  auto model = FaceModel::Load(dir_.string());
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("face_recognition_model.bin"), std::string::npos);
}

TEST_F(TamperedModelDirTest, EditedManifestRefusesToLoad) {
  FlipByte("tiny_face_detector_model-weights_manifest.json");
  EXPECT_EQ(LoadWeights(dir_.string(), kDetectorModel).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(TamperedModelDirTest, MissingFileIsNotFound) {
  fs::remove(dir_ / "face_landmark_68_model.bin");
  EXPECT_EQ(LoadWeights(dir_.string(), kLandmarkModel).status().code(), StatusCode::kNotFound);
}

TEST(ModelFilesTest, ResolvesTheNpmPrefixToThePackagesModelFolder) {
  OVERSIGHT_REQUIRE_MODELS(dir);
  const fs::path prefix = fs::path(dir).parent_path().parent_path().parent_path().parent_path();
  EXPECT_EQ(fs::path(ResolveModelDir(prefix.string())), fs::path(dir));
  EXPECT_EQ(ResolveModelDir(dir), dir);
}

}  // namespace
}  // namespace oversight::matcher
