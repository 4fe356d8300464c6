// RekognitionApi at the handler level: every operation with Rekognition's field names,
// defaults and pagination, on real faces from the model package's demo photos.
#include <set>

#include "api_test_fixture.h"

namespace oversight::matcher::testing {
namespace {

using RekognitionApiTest = ApiTest;

TEST_F(RekognitionApiTest, CollectionsAreCreatedDescribedListedAndDeleted) {
  const json created = Call("CreateCollection", {{"CollectionId", "booking-photos"}});
  EXPECT_EQ(created["StatusCode"], 200);
  EXPECT_EQ(created["CollectionArn"],
            "arn:aws:rekognition:local:000000000000:collection/booking-photos");
  EXPECT_TRUE(created["FaceModelVersion"].is_string());
  ExpectError("CreateCollection", {{"CollectionId", "booking-photos"}},
              "ResourceAlreadyExistsException");

  const json described = Call("DescribeCollection", {{"CollectionId", "booking-photos"}});
  EXPECT_EQ(described["FaceCount"], 0);
  EXPECT_EQ(described["CreationTimestamp"], 1'700'000'000.0);
  EXPECT_EQ(described["CollectionARN"], created["CollectionArn"]);

  const ApiResult raw = Raw("ListCollections", "");  // an empty body reads as {}
  ASSERT_EQ(raw.http_status, 200) << raw.content;
  const json listed = json::parse(raw.content);
  EXPECT_EQ(listed["CollectionIds"], json::array({"booking-photos"}));
  EXPECT_EQ(listed["FaceModelVersions"].size(), 1u);
  EXPECT_FALSE(listed.contains("NextToken"));

  EXPECT_EQ(Call("DeleteCollection", {{"CollectionId", "booking-photos"}})["StatusCode"], 200);
  ExpectError("DescribeCollection", {{"CollectionId", "booking-photos"}},
              "ResourceNotFoundException");
  ExpectError("DeleteCollection", {{"CollectionId", "booking-photos"}},
              "ResourceNotFoundException");
}

TEST_F(RekognitionApiTest, ListCollectionsPagesWithNextToken) {
  for (const char* id : {"c1", "c2", "c3"}) Call("CreateCollection", {{"CollectionId", id}});
  const json page1 = Call("ListCollections", {{"MaxResults", 2}});
  EXPECT_EQ(page1["CollectionIds"], json::array({"c1", "c2"}));
  ASSERT_TRUE(page1.contains("NextToken"));
  const json page2 =
      Call("ListCollections", {{"MaxResults", 2}, {"NextToken", page1["NextToken"]}});
  EXPECT_EQ(page2["CollectionIds"], json::array({"c3"}));
  EXPECT_FALSE(page2.contains("NextToken"));
  ExpectError("ListCollections", {{"NextToken", "garbage"}}, "InvalidPaginationTokenException");
}

TEST_F(RekognitionApiTest, IndexFacesEnrolsEveryFaceOfAGroupPhoto) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  const json r = Call("IndexFaces", {{"CollectionId", "c"},
                                     {"Image", Image(images_->group)},
                                     {"ExternalImageId", "case-17:photo.1"}});
  ASSERT_EQ(r["FaceRecords"].size(), images_->group_faces);
  std::set<std::string> image_ids;
  for (const json& rec : r["FaceRecords"]) {
    EXPECT_EQ(rec["Face"]["ExternalImageId"], "case-17:photo.1");
    EXPECT_EQ(rec["Face"]["FaceId"].get<std::string>().size(), 36u);
    EXPECT_GT(rec["Face"]["Confidence"].get<double>(), 50.0);
    EXPECT_LE(rec["Face"]["BoundingBox"]["Width"].get<double>(), 1.0);
    EXPECT_EQ(rec["FaceDetail"]["Landmarks"].size(), 5u);
    image_ids.insert(rec["Face"]["ImageId"].get<std::string>());
  }
  EXPECT_EQ(image_ids.size(), 1u);  // one ImageId per IndexFaces call
  EXPECT_TRUE(r["UnindexedFaces"].is_array());
  EXPECT_EQ(FaceCount("c"), images_->group_faces);
}

TEST_F(RekognitionApiTest, IndexFacesMaxFacesKeepsTheLargestAndReportsTheRest) {
  ASSERT_GE(images_->group_faces, 2u);
  Call("CreateCollection", {{"CollectionId", "c"}});
  const json r = Call("IndexFaces",
                      {{"CollectionId", "c"}, {"Image", Image(images_->group)}, {"MaxFaces", 1}});
  ASSERT_EQ(r["FaceRecords"].size(), 1u);
  EXPECT_NEAR(r["FaceRecords"][0]["Face"]["BoundingBox"]["Left"].get<double>(),
              images_->largest_face.left, 1e-6);
  std::size_t exceeds = 0;
  for (const json& u : r["UnindexedFaces"]) {
    exceeds += u["Reasons"] == json::array({"EXCEEDS_MAX_FACES"});
  }
  EXPECT_EQ(exceeds, images_->group_faces - 1);
}

TEST_F(RekognitionApiTest, SearchFacesByImageFindsThePersonInAnotherImageOfThem) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->group)}});
  Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->other)}});
  const json r =
      Call("SearchFacesByImage",
           {{"CollectionId", "c"}, {"Image", Image(images_->crop)}, {"FaceMatchThreshold", 99}});
  ASSERT_EQ(r["FaceMatches"].size(), 1u) << r.dump();
  const json& face = r["FaceMatches"][0]["Face"];
  EXPECT_GE(r["FaceMatches"][0]["Similarity"].get<double>(), 99.0);
  EXPECT_NEAR(face["BoundingBox"]["Left"].get<double>(), images_->largest_face.left, 1e-6);
  EXPECT_GT(r["SearchedFaceConfidence"].get<double>(), 50.0);
  EXPECT_TRUE(r["SearchedFaceBoundingBox"].contains("Width"));
  // MaxFaces caps the default-threshold answer.
  const json capped = Call("SearchFacesByImage", {{"CollectionId", "c"},
                                                  {"Image", Image(images_->crop)},
                                                  {"MaxFaces", 1},
                                                  {"FaceMatchThreshold", 0}});
  EXPECT_EQ(capped["FaceMatches"].size(), 1u);
}

TEST_F(RekognitionApiTest, SearchFacesByImageWithoutAFaceIsInvalidParameter) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  ExpectError("SearchFacesByImage", {{"CollectionId", "c"}, {"Image", Image(images_->blank)}},
              "InvalidParameterException");
}

TEST_F(RekognitionApiTest, SearchFacesLeavesOutTheSearchedFaceAndHonoursTheThreshold) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  const json indexed =
      Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->group)}});
  Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->crop)}});
  const std::string id = indexed["FaceRecords"][0]["Face"]["FaceId"];
  const json all =
      Call("SearchFaces", {{"CollectionId", "c"}, {"FaceId", id}, {"FaceMatchThreshold", 0}});
  EXPECT_EQ(all["SearchedFaceId"], id);
  EXPECT_EQ(all["FaceMatches"].size(), FaceCount("c") - 1);
  double last = 101;
  for (const json& m : all["FaceMatches"]) {
    EXPECT_NE(m["Face"]["FaceId"], id);
    EXPECT_LE(m["Similarity"].get<double>(), last);  // best first
    last = m["Similarity"].get<double>();
  }
  // At 99 the demo photo's different women do not match each other.
  const json strict =
      Call("SearchFaces", {{"CollectionId", "c"}, {"FaceId", id}, {"FaceMatchThreshold", 99}});
  for (const json& m : strict["FaceMatches"]) {
    EXPECT_NE(m["Face"]["ImageId"], indexed["FaceRecords"][0]["Face"]["ImageId"]);
  }
  ExpectError("SearchFaces",
              {{"CollectionId", "c"}, {"FaceId", "00000000-0000-4000-8000-000000000000"}},
              "ResourceNotFoundException");
}

TEST_F(RekognitionApiTest, ListFacesPagesInFaceIdOrderAndFiltersByFaceIds) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->group)}});
  const std::size_t n = FaceCount("c");
  ASSERT_GE(n, 2u);
  std::vector<std::string> seen;
  json request = {{"CollectionId", "c"}, {"MaxResults", 1}};
  for (std::size_t page = 0; page <= n; ++page) {
    const json r = Call("ListFaces", request);
    for (const json& f : r["Faces"]) seen.push_back(f["FaceId"]);
    if (!r.contains("NextToken")) break;
    request["NextToken"] = r["NextToken"];
  }
  ASSERT_EQ(seen.size(), n);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  const json filtered = Call("ListFaces", {{"CollectionId", "c"}, {"FaceIds", {seen[1]}}});
  ASSERT_EQ(filtered["Faces"].size(), 1u);
  EXPECT_EQ(filtered["Faces"][0]["FaceId"], seen[1]);
  // A token from another listing is refused.
  Call("CreateCollection", {{"CollectionId", "d"}});
  const json page = Call("ListFaces", {{"CollectionId", "c"}, {"MaxResults", 1}});
  ExpectError("ListFaces", {{"CollectionId", "d"}, {"NextToken", page["NextToken"]}},
              "InvalidPaginationTokenException");
}

TEST_F(RekognitionApiTest, DeleteFacesRemovesFacesAndReportsUnknownOnes) {
  Call("CreateCollection", {{"CollectionId", "c"}});
  const json indexed =
      Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->group)}});
  const std::string id = indexed["FaceRecords"][0]["Face"]["FaceId"];
  const std::string missing = "00000000-0000-4000-8000-000000000000";
  const json r = Call("DeleteFaces", {{"CollectionId", "c"}, {"FaceIds", {id, missing}}});
  EXPECT_EQ(r["DeletedFaces"], json::array({id}));
  ASSERT_EQ(r["UnsuccessfulFaceDeletions"].size(), 1u);
  EXPECT_EQ(r["UnsuccessfulFaceDeletions"][0]["FaceId"], missing);
  EXPECT_EQ(r["UnsuccessfulFaceDeletions"][0]["Reasons"], json::array({"FACE_NOT_FOUND"}));
  EXPECT_EQ(FaceCount("c"), images_->group_faces - 1);
  const json search =
      Call("SearchFacesByImage",
           {{"CollectionId", "c"}, {"Image", Image(images_->crop)}, {"FaceMatchThreshold", 0}});
  for (const json& m : search["FaceMatches"]) EXPECT_NE(m["Face"]["FaceId"], id);
}

TEST_F(RekognitionApiTest, CompareFacesMatchesTheSourceFaceAmongTheTargetFaces) {
  const json r = Call("CompareFaces", {{"SourceImage", Image(images_->crop)},
                                       {"TargetImage", Image(images_->group)},
                                       {"SimilarityThreshold", 99}});
  ASSERT_EQ(r["FaceMatches"].size(), 1u) << r.dump();
  EXPECT_NEAR(r["FaceMatches"][0]["Face"]["BoundingBox"]["Left"].get<double>(),
              images_->largest_face.left, 1e-6);
  EXPECT_EQ(r["FaceMatches"].size() + r["UnmatchedFaces"].size(), images_->group_faces);
  EXPECT_GT(r["SourceImageFace"]["Confidence"].get<double>(), 50.0);
  ExpectError("CompareFaces",
              {{"SourceImage", Image(images_->blank)}, {"TargetImage", Image(images_->group)}},
              "InvalidParameterException");
}

TEST_F(RekognitionApiTest, DetectFacesReportsBoxesConfidencesAndLandmarks) {
  const json r = Call("DetectFaces", {{"Image", Image(images_->group)}, {"Attributes", {"ALL"}}});
  ASSERT_GE(r["FaceDetails"].size(), images_->group_faces);
  for (const json& f : r["FaceDetails"]) {
    EXPECT_GT(f["BoundingBox"]["Width"].get<double>(), 0.0);
    EXPECT_LE(f["Confidence"].get<double>(), 100.0);
    ASSERT_EQ(f["Landmarks"].size(), 5u);
    EXPECT_EQ(f["Landmarks"][0]["Type"], "eyeLeft");
  }
  EXPECT_EQ(Call("DetectFaces", {{"Image", Image(images_->blank)}})["FaceDetails"].size(), 0u);
}

}  // namespace
}  // namespace oversight::matcher::testing
