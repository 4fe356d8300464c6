// FaceIndex: exact top-K search with a threshold, dense removal, and reads during writes.
#include "oversight/matcher/face_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

namespace oversight::matcher {
namespace {

Descriptor Random(std::mt19937& rng) {
  std::normal_distribution<float> n(0.f, 0.12f);
  Descriptor d{};
  for (float& v : d) v = n(rng);
  return d;
}

Descriptor Constant(float v) {
  Descriptor d{};
  d.fill(v);
  return d;
}

TEST(FaceIndexTest, FindsNearestFirstWithinTheThreshold) {
  FaceIndex index;
  ASSERT_TRUE(index.Add("a", Constant(0.0f)).ok());
  ASSERT_TRUE(index.Add("b", Constant(0.01f)).ok());  // distance sqrt(128)*0.01 = 0.113
  ASSERT_TRUE(index.Add("c", Constant(0.1f)).ok());   // 1.13
  const auto hits = index.Search(Constant(0.0f), 10, 0.5f);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].face_id, "a");
  EXPECT_FLOAT_EQ(hits[0].distance, 0.f);
  EXPECT_EQ(hits[1].face_id, "b");
  EXPECT_NEAR(hits[1].distance, std::sqrt(128.f) * 0.01f, 1e-5);
}

TEST(FaceIndexTest, TopKMatchesBruteForce) {
  std::mt19937 rng(7);
  FaceIndex index;
  std::vector<Descriptor> all;
  for (int i = 0; i < 500; ++i) {
    all.push_back(Random(rng));
    ASSERT_TRUE(index.Add("f" + std::to_string(i), all.back()).ok());
  }
  const Descriptor q = Random(rng);
  std::vector<std::pair<float, int>> brute;
  for (int i = 0; i < 500; ++i) brute.push_back({DescriptorDistance(q, all[i]), i});
  std::sort(brute.begin(), brute.end());
  const auto hits = index.Search(q, 7, 100.f);
  ASSERT_EQ(hits.size(), 7u);
  for (int k = 0; k < 7; ++k) {
    EXPECT_EQ(hits[k].face_id, "f" + std::to_string(brute[k].second));
    EXPECT_NEAR(hits[k].distance, brute[k].first, 1e-5);
  }
}

TEST(FaceIndexTest, DuplicateIdIsAlreadyExistsAndNonFiniteIsInvalid) {
  FaceIndex index;
  ASSERT_TRUE(index.Add("a", Constant(0.1f)).ok());
  EXPECT_EQ(index.Add("a", Constant(0.2f)).code(), StatusCode::kAlreadyExists);
  Descriptor bad = Constant(0.1f);
  bad[5] = std::nanf("");
  EXPECT_EQ(index.Add("b", bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(index.size(), 1u);
}

TEST(FaceIndexTest, RemovedFacesAreNeverFoundAndOthersStay) {
  FaceIndex index;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(index.Add("f" + std::to_string(i), Constant(0.01f * static_cast<float>(i))).ok());
  EXPECT_TRUE(index.Remove("f1"));
  EXPECT_FALSE(index.Remove("f1"));
  EXPECT_FALSE(index.Contains("f1"));
  EXPECT_EQ(index.size(), 4u);
  // f4 was moved into f1's row; it must still be found with its own descriptor.
  const auto hits = index.Search(Constant(0.04f), 1, 0.01f);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].face_id, "f4");
  for (const auto& h : index.Search(Constant(0.01f), 10, 10.f)) EXPECT_NE(h.face_id, "f1");
}

TEST(FaceIndexTest, ZeroResultsOrNegativeThresholdFindNothing) {
  FaceIndex index;
  ASSERT_TRUE(index.Add("a", Constant(0.f)).ok());
  EXPECT_TRUE(index.Search(Constant(0.f), 0, 1.f).empty());
  EXPECT_TRUE(index.Search(Constant(0.f), 5, -1.f).empty());
  EXPECT_TRUE(index.Search(Constant(0.f), 5, std::nanf("")).empty());
}

// Three threads searching flat out while one enrols: every search sees whole faces, and the
// writer is not starved (glibc's reader-preferring rwlock alone took about a minute here).
TEST(FaceIndexTest, SearchesDuringWritesSeeWholeFacesAndDoNotStarveTheWriter) {
  const auto start = std::chrono::steady_clock::now();
  FaceIndex index;
  ASSERT_TRUE(index.Add("anchor", Constant(0.f)).ok());
  std::atomic<bool> done = false;
  std::atomic<int> bad = 0;
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      const std::string id = "w" + std::to_string(i);
      (void)index.Add(id, Constant(0.5f));
      if (i % 2 == 0) index.Remove(id);
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done) {
        const auto hits = index.Search(Constant(0.f), 1, 0.1f);
        if (hits.size() != 1 || hits[0].face_id != "anchor" || hits[0].distance != 0.f) ++bad;
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(index.size(), 1001u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace oversight::matcher
