// RekognitionApi on bad input: Rekognition's exception names and statuses, and a gallery that
// is exactly as it was. Plus searches running while faces are enrolled.
#include <atomic>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <thread>

#include "api_test_fixture.h"
#include "oversight/common/encoding.h"

namespace oversight::matcher::testing {
namespace {

class RekognitionApiErrorsTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    Call("CreateCollection", {{"CollectionId", "c"}});
    Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->crop)}});
    faces_before_ = FaceCount("c");
    ASSERT_EQ(faces_before_, 1u);
  }
  // IndexFaces into "c" with `image` as the Image member (and `extra` members) must fail
  // with `type` and leave the collection as it was.
  void ExpectIndexRefused(const json& image, std::string_view type, json extra = json::object()) {
    extra["CollectionId"] = "c";
    extra["Image"] = image;
    ExpectError("IndexFaces", extra, type);
    EXPECT_EQ(FaceCount("c"), faces_before_);
  }
  json WithBytes(const std::vector<std::uint8_t>& bytes) const { return Image(bytes); }

  std::size_t faces_before_ = 0;
};

TEST_F(RekognitionApiErrorsTest, ImageBytesThatAreNotBase64OrEmptyAreInvalidParameters) {
  ExpectIndexRefused({{"Bytes", "not base64!"}}, "InvalidParameterException");
  ExpectIndexRefused({{"Bytes", ""}}, "InvalidParameterException");
  ExpectIndexRefused(json::object(), "InvalidParameterException");
  ExpectIndexRefused({{"Bytes", 17}}, "InvalidParameterException");
}

TEST_F(RekognitionApiErrorsTest, ImagesOverFiveMebibytesAreTooLarge) {
  std::vector<std::uint8_t> big = images_->crop;
  big.resize((5u << 20) + 1, 0);  // a valid JPEG followed by padding
  ExpectIndexRefused(WithBytes(big), "ImageTooLargeException");
  big.resize(5u << 20);  // exactly the limit is accepted as far as size goes
  const json r = Call("DetectFaces", {{"Image", WithBytes(big)}});
  EXPECT_TRUE(r.contains("FaceDetails")) << r.dump().substr(0, 200);
}

TEST_F(RekognitionApiErrorsTest, BytesThatAreNotAnImageOrTruncatedAreInvalidImageFormat) {
  const std::string text = "this is not an image at all, just words";
  ExpectIndexRefused(WithBytes({text.begin(), text.end()}), "InvalidImageFormatException");
  std::vector<std::uint8_t> truncated = images_->crop;
  truncated.resize(truncated.size() / 2);
  ExpectIndexRefused(WithBytes(truncated), "InvalidImageFormatException");
}

TEST_F(RekognitionApiErrorsTest, APngDeclaringAbsurdDimensionsIsRefusedBeforeDecoding) {
  std::vector<std::uint8_t> png;
  cv::Mat small(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  ASSERT_TRUE(cv::imencode(".png", small, png));
  for (std::size_t at : {16u, 20u}) {  // IHDR width and height: 100000 each
    png[at] = 0, png[at + 1] = 0x01, png[at + 2] = 0x86, png[at + 3] = 0xA0;
  }
  ExpectIndexRefused(WithBytes(png), "ImageTooLargeException");
}

TEST_F(RekognitionApiErrorsTest, S3ObjectImagesAreNotSupported) {
  const json s3 = {{"S3Object", {{"Bucket", "b"}, {"Name", "n.jpg"}}}};
  ExpectIndexRefused(s3, "InvalidParameterException");
  const std::string message = ExpectError(
      "SearchFacesByImage", {{"CollectionId", "c"}, {"Image", s3}}, "InvalidParameterException");
  EXPECT_NE(message.find("S3Object is not supported"), std::string::npos) << message;
}

TEST_F(RekognitionApiErrorsTest, UnknownCollectionsAreResourceNotFound) {
  const json image = Image(images_->crop);
  ExpectError("IndexFaces", {{"CollectionId", "nope"}, {"Image", image}},
              "ResourceNotFoundException");
  ExpectError("SearchFacesByImage", {{"CollectionId", "nope"}, {"Image", image}},
              "ResourceNotFoundException");
  ExpectError("ListFaces", {{"CollectionId", "nope"}}, "ResourceNotFoundException");
  ExpectError("DeleteFaces",
              {{"CollectionId", "nope"}, {"FaceIds", {"00000000-0000-4000-8000-000000000000"}}},
              "ResourceNotFoundException");
}

TEST_F(RekognitionApiErrorsTest, MalformedBodiesAreInvalidParameters) {
  for (std::string_view body : {"{", "[1,2]", "\"x\"", "{\"CollectionId\": }", "null"}) {
    const ApiResult r = Raw("ListCollections", body);
    EXPECT_EQ(r.http_status, 400) << body;
    EXPECT_EQ(r.error_type, "InvalidParameterException") << body;
    EXPECT_EQ(json::parse(r.content)["__type"], "InvalidParameterException");
  }
  const ApiResult deep = Raw("ListCollections", std::string(100000, '['));
  EXPECT_EQ(deep.error_type, "InvalidParameterException");
  const ApiResult bad_utf8 = Raw("CreateCollection", "{\"CollectionId\": \"\xff\xfe\"}");
  EXPECT_EQ(bad_utf8.http_status, 400);
}

TEST_F(RekognitionApiErrorsTest, UnknownAndWronglyTypedMembersAreInvalidParameters) {
  const json image = Image(images_->crop);
  ExpectIndexRefused(image, "InvalidParameterException", {{"Colour", "red"}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"MaxFaces", "5"}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"MaxFaces", 2.5}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"QualityFilter", "SUPERB"}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"DetectionAttributes", {"AURA"}}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"ExternalImageId", 5}});
  ExpectError("CreateCollection", {{"CollectionId", 5}}, "InvalidParameterException");
  ExpectError("CreateCollection", json::object(), "InvalidParameterException");
  ExpectError("DeleteFaces", {{"CollectionId", "c"}, {"FaceIds", "not-an-array"}},
              "InvalidParameterException");
  EXPECT_EQ(FaceCount("c"), faces_before_);
}

TEST_F(RekognitionApiErrorsTest, ParametersOutOfRangeAreInvalidParameters) {
  const json image = Image(images_->crop);
  for (const json& extra :
       {json{{"MaxFaces", 0}}, json{{"MaxFaces", 4097}}, json{{"FaceMatchThreshold", 100.5}},
        json{{"FaceMatchThreshold", -1}}}) {
    json body = extra;
    body["CollectionId"] = "c";
    body["Image"] = image;
    ExpectError("SearchFacesByImage", body, "InvalidParameterException");
  }
  ExpectIndexRefused(image, "InvalidParameterException", {{"MaxFaces", 0}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"ExternalImageId", "a/b"}});
  ExpectIndexRefused(image, "InvalidParameterException", {{"ExternalImageId", ""}});
  ExpectIndexRefused(image, "InvalidParameterException",
                     {{"ExternalImageId", std::string(256, 'x')}});
  ExpectError("ListFaces", {{"CollectionId", "c"}, {"MaxResults", 4097}},
              "InvalidParameterException");
  for (const std::string& id : {std::string("a b"), std::string(256, 'x'), std::string()}) {
    ExpectError("CreateCollection", {{"CollectionId", id}}, "InvalidParameterException");
  }
  for (const char* face_id : {"not-a-uuid", "00000000-0000-4000-8000-00000000000G",
                              "00000000-0000-4000-8000-00000000000A"}) {
    ExpectError("SearchFaces", {{"CollectionId", "c"}, {"FaceId", face_id}},
                "InvalidParameterException");
  }
  EXPECT_EQ(gallery_->ListCollections(), std::vector<std::string>{"c"});
  EXPECT_EQ(FaceCount("c"), faces_before_);
}

TEST_F(RekognitionApiErrorsTest, UnknownOperationsAreRefusedWithUnknownOperationException) {
  const ApiResult r = Raw("StartFaceSearch", "{}");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(json::parse(r.content)["__type"], "UnknownOperationException");
}

// Truncated and byte-flipped bodies for every operation: always Rekognition's error shape or
// a success, never a crash or an exception out of Handle, and the gallery keeps its face.
TEST_F(RekognitionApiErrorsTest, MangledBodiesGetErrorBodiesAndChangeNothing) {
  const std::string body = json{
      {"CollectionId", "c"},
      {"FaceIds", {"00000000-0000-4000-8000-000000000000"}},
      {"MaxResults", 5}}.dump();
  std::mt19937 rng(7);
  for (const char* op : {"ListFaces", "DeleteFaces", "DescribeCollection", "SearchFaces",
                         "CreateCollection", "IndexFaces"}) {
    for (std::size_t n = 0; n < body.size(); n += 3) {
      const ApiResult r = Raw(op, std::string_view(body).substr(0, n));
      EXPECT_TRUE(r.http_status == 200 || r.http_status == 400) << op << " " << n;
      EXPECT_FALSE(json::parse(r.content, nullptr, false).is_discarded());
    }
    for (int i = 0; i < 100; ++i) {
      std::string mangled = body;
      mangled[rng() % mangled.size()] = static_cast<char>(rng() % 256);
      const ApiResult r = Raw(op, mangled);
      EXPECT_TRUE(r.http_status == 200 || r.http_status == 400) << op << " " << mangled;
    }
  }
  EXPECT_EQ(FaceCount("c"), faces_before_);
}

// Searches run while another thread enrols: every answer is well-formed and always finds
// the face enrolled beforehand, and every enrolment lands.
TEST_F(RekognitionApiErrorsTest, SearchesWhileEnrollingAlwaysSucceed) {
  constexpr int kEnrolments = 4;
  std::atomic<bool> done{false};
  std::atomic<int> searches{0}, failures{0};
  const json search = {
      {"CollectionId", "c"}, {"Image", Image(images_->crop)}, {"FaceMatchThreshold", 99}};
  auto searcher = [&] {
    while (!done.load() || searches.load() < 4) {
      const ApiResult r = Raw("SearchFacesByImage", search.dump());
      const json body = json::parse(r.content, nullptr, false);
      if (r.http_status != 200 || body.is_discarded() || body["FaceMatches"].empty()) ++failures;
      ++searches;
    }
  };
  std::thread s1(searcher), s2(searcher);
  for (int i = 0; i < kEnrolments; ++i) {
    const json r = Call("IndexFaces", {{"CollectionId", "c"}, {"Image", Image(images_->group)}});
    EXPECT_EQ(r["FaceRecords"].size(), images_->group_faces);
  }
  done = true;
  s1.join();
  s2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GE(searches.load(), 4);
  EXPECT_EQ(FaceCount("c"), faces_before_ + kEnrolments * images_->group_faces);
}

}  // namespace
}  // namespace oversight::matcher::testing
