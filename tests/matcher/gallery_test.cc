// The encrypted gallery: collections, enrolment, search, deletion, persistence and keys.
#include "oversight/matcher/gallery.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "test_support.h"

namespace oversight::matcher {
namespace {

namespace fs = std::filesystem;

SecretBytes Key(std::uint8_t fill) { return SecretBytes(std::vector<std::uint8_t>(32, fill)); }

Descriptor Constant(float v) {
  Descriptor d{};
  d.fill(v);
  return d;
}

NewFace Face(float v) { return {Box{0.1, 0.2, 0.3, 0.4}, 0.9, Constant(v)}; }

class GalleryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("oversight-gallery-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "gallery.db").string();
    clock_.Set(TimePoint(std::chrono::milliseconds(1'700'000'000'000)));
    gallery_ = Open(Key(7));
  }
  void TearDown() override {
    gallery_.reset();
    fs::remove_all(dir_);
  }
  std::unique_ptr<Gallery> Open(const SecretBytes& key) {
    auto g = Gallery::Open(path_, key, clock_);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? std::move(g).value() : nullptr;
  }

  fs::path dir_;
  std::string path_;
  FakeClock clock_;
  std::unique_ptr<Gallery> gallery_;
};

TEST_F(GalleryTest, CollectionsAreCreatedListedDescribedAndDeleted) {
  ASSERT_TRUE(gallery_->CreateCollection("agency-1").ok());
  ASSERT_TRUE(gallery_->CreateCollection("b.2_x").ok());
  EXPECT_EQ(gallery_->CreateCollection("agency-1").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(gallery_->ListCollections(), (std::vector<std::string>{"agency-1", "b.2_x"}));
  auto info = gallery_->DescribeCollection("agency-1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->face_count, 0u);
  EXPECT_EQ(info->created_at_ms, 1'700'000'000'000);
  ASSERT_TRUE(gallery_->DeleteCollection("agency-1").ok());
  EXPECT_EQ(gallery_->DeleteCollection("agency-1").code(), StatusCode::kNotFound);
  EXPECT_EQ(gallery_->DescribeCollection("agency-1").status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryTest, InvalidCollectionIdsAreRejected) {
  for (std::string bad :
       {std::string(), std::string("has space"), std::string("slash/x"), std::string(256, 'a')}) {
    EXPECT_EQ(gallery_->CreateCollection(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(IsValidCollectionId(std::string(255, 'a')));
}

TEST_F(GalleryTest, EnrolledFacesGetIdsAndAreSearchableNearestFirst) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  auto added = gallery_->AddFaces("c", "photo-1", "ab12", {Face(0.0f), Face(0.02f)});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ((*added)[0].image_id, (*added)[1].image_id);
  EXPECT_NE((*added)[0].face_id, (*added)[1].face_id);
  EXPECT_EQ((*added)[0].face_id.size(), 36u);
  EXPECT_EQ((*added)[0].face_id[14], '4');  // UUID version 4
  EXPECT_EQ((*added)[0].indexed_at_ms, 1'700'000'000'000);
  auto hits = gallery_->Search("c", Constant(0.021f), 5, 0.5f);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].face.face_id, (*added)[1].face_id);
  EXPECT_EQ((*hits)[0].face.external_image_id, "photo-1");
  EXPECT_EQ(gallery_->DescribeCollection("c")->face_count, 2u);
  EXPECT_EQ(gallery_->Search("nope", Constant(0), 1, 1).status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryTest, ListFacesPagesInFaceIdOrder) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(gallery_->AddFaces("c", "p", "", {Face(0.1f)}).ok());
  auto first = gallery_->ListFaces("c", "", 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  auto rest = gallery_->ListFaces("c", first->back().face_id, 10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_LT(first->back().face_id, rest->front().face_id);
  EXPECT_EQ(rest->front().descriptor, Constant(0.1f));
}

TEST_F(GalleryTest, DeletedFacesAreGoneAfterReopening) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  auto added = gallery_->AddFaces("c", "p", "", {Face(0.0f), Face(0.5f)});
  ASSERT_TRUE(added.ok());
  const std::string gone = (*added)[0].face_id, kept = (*added)[1].face_id;
  auto deleted = gallery_->DeleteFaces("c", {gone, "not-a-face"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, std::vector<std::string>{gone});
  gallery_ = Open(Key(7));
  ASSERT_NE(gallery_, nullptr);
  EXPECT_EQ(gallery_->GetFace("c", gone).status().code(), StatusCode::kNotFound);
  auto face = gallery_->GetFace("c", kept);
  ASSERT_TRUE(face.ok());
  EXPECT_EQ(face->descriptor, Constant(0.5f));
  EXPECT_TRUE(gallery_->Search("c", Constant(0.0f), 5, 0.1f)->empty());
}

TEST_F(GalleryTest, FileIsPrivateAndEncrypted) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  ASSERT_TRUE(gallery_->AddFaces("c", "very-recognisable-external-id", "", {Face(0.25f)}).ok());
  gallery_.reset();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto bytes = testing::ReadFileBytes(path_);
  const std::string text(bytes.begin(), bytes.end());
  EXPECT_EQ(text.find("very-recognisable-external-id"), std::string::npos);
  EXPECT_EQ(text.find("SQLite format 3"), std::string::npos);
}

TEST_F(GalleryTest, WrongKeyIsUnauthenticated) {
  gallery_.reset();
  auto g = Gallery::Open(path_, Key(8), clock_);
  EXPECT_EQ(g.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(
      Gallery::Open(path_, SecretBytes(std::vector<std::uint8_t>(16, 1)), clock_).status().code(),
      StatusCode::kInvalidArgument);
}

TEST_F(GalleryTest, DeletingACollectionDeletesItsFaces) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  ASSERT_TRUE(gallery_->AddFaces("c", "p", "", {Face(0.1f)}).ok());
  ASSERT_TRUE(gallery_->DeleteCollection("c").ok());
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  EXPECT_EQ(gallery_->DescribeCollection("c")->face_count, 0u);
  gallery_ = Open(Key(7));
  EXPECT_EQ(gallery_->DescribeCollection("c")->face_count, 0u);
}

TEST_F(GalleryTest, SearchesWhileEnrollingSeeConsistentResults) {
  ASSERT_TRUE(gallery_->CreateCollection("c").ok());
  auto anchor = gallery_->AddFaces("c", "anchor", "", {Face(0.0f)});
  ASSERT_TRUE(anchor.ok());
  std::atomic<bool> done = false;
  std::atomic<int> bad = 0;
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) (void)gallery_->AddFaces("c", "w", "", {Face(0.3f)});
    done = true;
  });
  std::thread reader([&] {
    while (!done) {
      auto hits = gallery_->Search("c", Constant(0.0f), 1, 0.1f);
      if (!hits.ok() || hits->size() != 1 || (*hits)[0].face.external_image_id != "anchor") ++bad;
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(gallery_->DescribeCollection("c")->face_count, 101u);
}

}  // namespace
}  // namespace oversight::matcher
