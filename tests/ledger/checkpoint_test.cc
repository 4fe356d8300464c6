#include <gtest/gtest.h>

#include <string>

#include "oversight/common/encoding.h"
#include "oversight/ledger/merkle.h"
#include "oversight/ledger/note.h"

namespace oversight::ledger {
namespace {

// The Go sumdb/note test key (see note_test.cc); any Ed25519 key would do.
constexpr std::string_view kSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
// RFC 6962 root of the 8 transparency-dev test leaves.
constexpr std::string_view kRoot8 = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";

Checkpoint Example() {
  Checkpoint c;
  c.origin = "example.com/oversight";
  c.size = 8;
  auto root = Base64Decode(kRoot8);
  std::copy(root->begin(), root->end(), c.root.begin());
  return c;
}

void ExpectInvalid(std::string_view text) {
  EXPECT_EQ(ParseCheckpoint(text).status().code(), StatusCode::kInvalidArgument) << text;
}

TEST(CheckpointTest, FormatFollowsTlogCheckpointLayout) {
  EXPECT_EQ(FormatCheckpoint(Example()), "example.com/oversight\n8\n" + std::string(kRoot8) + "\n");
}

TEST(CheckpointTest, FormatThenParseRoundTrips) {
  auto parsed = ParseCheckpoint(FormatCheckpoint(Example()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->origin, Example().origin);
  EXPECT_EQ(parsed->size, 8u);
  EXPECT_EQ(parsed->root, Example().root);
}

TEST(CheckpointTest, EmptyTreeWithSizeZeroParses) {
  Checkpoint c = Example();
  c.size = 0;
  c.root = EmptyRoot();
  auto parsed = ParseCheckpoint(FormatCheckpoint(c));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size, 0u);
}

TEST(CheckpointTest, LargestSizeParsesAndOneMoreOverflows) {
  const std::string root(kRoot8);
  EXPECT_EQ(ParseCheckpoint("o\n18446744073709551615\n" + root + "\n")->size, UINT64_MAX);
  ExpectInvalid("o\n18446744073709551616\n" + root + "\n");
}

TEST(CheckpointTest, ExtensionLinesAreIgnored) {
  auto parsed = ParseCheckpoint(FormatCheckpoint(Example()) + "ext one\next two\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->size, 8u);
}

TEST(CheckpointTest, LeadingZerosInSizeAreRejected) {
  ExpectInvalid("o\n08\n" + std::string(kRoot8) + "\n");
  ExpectInvalid("o\n00\n" + std::string(kRoot8) + "\n");
}

TEST(CheckpointTest, NonDecimalSizesAreRejected) {
  for (const char* size : {"", "+8", "-8", " 8", "8 ", "0x8", "8.0"}) {
    ExpectInvalid("o\n" + std::string(size) + "\n" + std::string(kRoot8) + "\n");
  }
}

TEST(CheckpointTest, BadBase64RootIsRejected) {
  ExpectInvalid("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQy*=\n");
  ExpectInvalid("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n");  // unpadded
}

TEST(CheckpointTest, ShortOrLongRootIsRejected) {
  ExpectInvalid("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/Rg\n");  // 30 bytes
  ExpectInvalid("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQygA\n");
}

TEST(CheckpointTest, MissingLinesAreRejected) {
  ExpectInvalid("");
  ExpectInvalid("o\n");
  ExpectInvalid("o\n8\n");
  ExpectInvalid("o\n8\n" + std::string(kRoot8));  // no final newline
}

TEST(CheckpointTest, EmptyOriginOrEmptyExtensionLineIsRejected) {
  ExpectInvalid("\n8\n" + std::string(kRoot8) + "\n");
  ExpectInvalid("o\n8\n" + std::string(kRoot8) + "\n\n");
}

TEST(CheckpointTest, SignedCheckpointOpensWithTheLogKey) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  auto signed_note = SignCheckpoint(Example(), signer);
  ASSERT_TRUE(signed_note.ok()) << signed_note.status().ToString();
  auto opened = OpenCheckpoint(*signed_note, signer.Verifier());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->origin, Example().origin);
  EXPECT_EQ(opened->size, 8u);
  EXPECT_EQ(opened->root, Example().root);
}

TEST(CheckpointTest, TamperedSignedCheckpointIsCorruption) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  std::string note = *SignCheckpoint(Example(), signer);
  note[note.find("\n8\n") + 1] = '9';  // claim a bigger tree under the old signature
  const Status s = OpenCheckpoint(note, signer.Verifier()).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("checkpoint signature does not verify"), std::string::npos);
}

TEST(CheckpointTest, SignedNoteThatIsNotACheckpointIsInvalidArgument) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  EXPECT_EQ(OpenCheckpoint(*signer.Sign("just text\n"), signer.Verifier()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, SignRejectsEmptyOrMultiLineOrigin) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  Checkpoint c = Example();
  c.origin = "";
  EXPECT_EQ(SignCheckpoint(c, signer).status().code(), StatusCode::kInvalidArgument);
  c.origin = "a\n9";
  EXPECT_EQ(SignCheckpoint(c, signer).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace oversight::ledger
