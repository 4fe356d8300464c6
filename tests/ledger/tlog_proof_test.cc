#include "oversight/ledger/tlog_proof.h"

#include <gtest/gtest.h>

#include "oversight/common/encoding.h"
#include "oversight/ledger/merkle.h"

namespace oversight::ledger {
namespace {

// The signed-note test key from golang.org/x/mod/sumdb/note, used here as a log key.
constexpr char kSkey[] = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

class TlogProofTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 7; ++i) {
      entries_.push_back("{\"i\":" + std::to_string(i) + "}");
      tree_.Append(LeafHash(AsBytes(entries_.back())));
    }
    auto signer = NoteSigner::FromGoSignerKey(kSkey);
    ASSERT_TRUE(signer.ok());
    auto note = SignCheckpoint({"PeterNeumann", 7, tree_.Root()}, *signer);
    ASSERT_TRUE(note.ok());
    checkpoint_ = *note;
    verifier_ = std::make_unique<NoteVerifier>(signer->Verifier());
  }
  std::string Proof(std::uint64_t index, const std::string& extra) {
    return FormatTlogProof({extra, index, *tree_.InclusionProof(index, 7), checkpoint_});
  }
  std::vector<std::string> entries_;
  MerkleTree tree_;
  std::string checkpoint_;
  std::unique_ptr<NoteVerifier> verifier_;
};

TEST_F(TlogProofTest, FormatThenParseRoundTrips) {
  auto p = ParseTlogProof(Proof(4, entries_[4]));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->index, 4u);
  EXPECT_EQ(p->extra, entries_[4]);
  EXPECT_EQ(p->checkpoint, checkpoint_);
  EXPECT_EQ(p->hashes.size(), 3u);
}

TEST_F(TlogProofTest, VerifiesTheEntryInItsExtraLine) {
  auto v = VerifyTlogProof(Proof(4, entries_[4]), *verifier_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->entry, entries_[4]);
  EXPECT_EQ(v->checkpoint.size, 7u);
}

TEST_F(TlogProofTest, RejectsAnotherEntryOrIndex) {
  EXPECT_EQ(VerifyTlogProof(Proof(4, entries_[5]), *verifier_).status().code(),
            StatusCode::kCorruption);
  std::string moved = Proof(4, entries_[4]);
  moved.replace(moved.find("index 4"), 7, "index 5");
  EXPECT_FALSE(VerifyTlogProof(moved, *verifier_).ok());
}

TEST_F(TlogProofTest, VerifiesAnEntryGivenSeparately) {
  EXPECT_TRUE(VerifyTlogProof(Proof(2, ""), *verifier_, entries_[2]).ok());
  EXPECT_EQ(VerifyTlogProof(Proof(2, ""), *verifier_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(TlogProofTest, RejectsMalformedProofs) {
  std::string good = Proof(1, entries_[1]);
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"c2sp.org/tlog-proof@v1", "c2sp.org/tlog-proof@v2"},
           {"index 1", "index 01"},
           {"index 1", "indx 1"},
           {"\n\nPeterNeumann", "\nPeterNeumann"}}) {
    std::string bad = good;
    bad.replace(bad.find(from), from.size(), to);
    EXPECT_EQ(ParseTlogProof(bad).status().code(), StatusCode::kInvalidArgument) << to;
  }
}

}  // namespace
}  // namespace oversight::ledger
