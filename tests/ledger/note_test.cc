#include "oversight/ledger/note.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "temp_dir.h"

namespace oversight::ledger {
namespace {

// golang.org/x/mod/sumdb/note: note.go doc comment and note_test.go.
constexpr std::string_view kVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kSkey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kSigLine =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

std::string SignedVector() { return std::string(kText) + "\n" + std::string(kSigLine); }

NoteVerifier PeterVerifier() { return *NoteVerifier::FromVerifierKey(kVkey); }

using oversight::testing::TempDir;

TEST(NoteSignerTest, GoSignerKeyYieldsPublishedVerifierKey) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->VerifierKey(), kVkey);
}

TEST(NoteSignerTest, SigningPublishedTextGivesPublishedSignatureLine) {
  auto signed_note = NoteSigner::FromGoSignerKey(kSkey)->Sign(kText);
  ASSERT_TRUE(signed_note.ok()) << signed_note.status().ToString();
  EXPECT_EQ(*signed_note, SignedVector());
}

TEST(NoteSignerTest, GoSignerKeyWithWrongKeyIdIsInvalidArgument) {
  std::string bad(kSkey);
  bad.replace(bad.find("c74f20a3"), 8, "c74f20a4");
  EXPECT_EQ(NoteSigner::FromGoSignerKey(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(NoteSignerTest, GoSignerKeyErrorsNeverContainTheKey) {
  std::string bad(kSkey);
  bad.replace(bad.find("c74f20a3"), 8, "00000000");
  const Status s = NoteSigner::FromGoSignerKey(bad).status();
  EXPECT_EQ(s.message().find("AYEKFALV"), std::string::npos) << s.message();
}

TEST(NoteSignerTest, MalformedGoSignerKeysAreInvalidArgument) {
  for (std::string_view bad : {"", "PRIVATE+KEY+", "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr",
                               "PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx0"
                               "9iUvxdXHKDFz",
                               "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr"}) {
    EXPECT_EQ(NoteSigner::FromGoSignerKey(bad).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(NoteSignerTest, SignRejectsInvalidNoteText) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  for (std::string_view bad :
       {std::string_view("no final newline"), std::string_view(""), std::string_view("tab\there\n"),
        std::string_view("nul\0x\n", 6), std::string_view("bad utf8 \xC3\x28\n")}) {
    EXPECT_EQ(signer.Sign(bad).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NoteSignerTest, GeneratedPemKeyIsOwnerOnlyPkcs8AndSignsVerifiably) {
  TempDir dir;
  const std::string path = dir.File("log.pem");
  ASSERT_TRUE(NoteSigner::GeneratePemFile(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string first_line;
  std::getline(in, first_line);
  EXPECT_EQ(first_line, "-----BEGIN PRIVATE KEY-----");

  auto signer = NoteSigner::FromPemFile("example.com/log", path);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  auto verifier = NoteVerifier::FromVerifierKey(signer->VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  auto text = OpenNote(*signer->Sign("hello\n"), *verifier);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, "hello\n");
}

TEST(NoteSignerTest, GeneratePemFileRefusesToOverwrite) {
  TempDir dir;
  const std::string path = dir.File("log.pem");
  ASSERT_TRUE(NoteSigner::GeneratePemFile(path).ok());
  EXPECT_FALSE(NoteSigner::GeneratePemFile(path).ok());
}

TEST(NoteSignerTest, PemFileReadableByOthersIsPermissionDenied) {
  TempDir dir;
  const std::string path = dir.File("log.pem");
  ASSERT_TRUE(NoteSigner::GeneratePemFile(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(NoteSigner::FromPemFile("log", path).status().code(), StatusCode::kPermissionDenied);
}

TEST(NoteSignerTest, PemFileWithoutEd25519KeyIsInvalidArgument) {
  TempDir dir;
  const std::string path = dir.File("junk.pem");
  ASSERT_TRUE(WriteNewKeyFile(path, AsBytes("-----BEGIN PRIVATE KEY-----\nAAAA\n")).ok());
  EXPECT_EQ(NoteSigner::FromPemFile("log", path).status().code(), StatusCode::kInvalidArgument);
}

TEST(NoteSignerTest, KeyNameWithSpaceOrPlusIsInvalidArgument) {
  TempDir dir;
  const std::string path = dir.File("log.pem");
  ASSERT_TRUE(NoteSigner::GeneratePemFile(path).ok());
  for (const char* bad : {"", "a b", "a+b"}) {
    EXPECT_EQ(NoteSigner::FromPemFile(bad, path).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NoteVerifierTest, PublishedVerifierKeyParses) {
  auto verifier = NoteVerifier::FromVerifierKey(kVkey);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_EQ(verifier->name(), "PeterNeumann");
  EXPECT_EQ(verifier->key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier->VerifierKey(), kVkey);
}

TEST(NoteVerifierTest, VerifierKeyWithWrongKeyIdIsInvalidArgument) {
  std::string bad(kVkey);
  bad.replace(bad.find("c74f20a3"), 8, "c74f20a4");
  EXPECT_EQ(NoteVerifier::FromVerifierKey(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(NoteVerifierTest, VerifierKeyWithOtherNameIsInvalidArgument) {
  std::string bad(kVkey);
  bad.replace(0, 5, "Peter");  // unchanged: sanity
  EXPECT_TRUE(NoteVerifier::FromVerifierKey(bad).ok());
  bad.replace(0, 5, "Petra");  // the key id commits to the name
  EXPECT_EQ(NoteVerifier::FromVerifierKey(bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(NoteVerifierTest, MalformedVerifierKeysAreInvalidArgument) {
  for (std::string_view bad : {"", "PeterNeumann", "PeterNeumann+c74f20a3",
                               "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq",
                               "PeterNeumann+xyz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                               "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"}) {
    EXPECT_EQ(NoteVerifier::FromVerifierKey(bad).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(NoteOpenTest, PublishedSignedNoteOpensToItsText) {
  auto text = OpenNote(SignedVector(), PeterVerifier());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, kText);
}

TEST(NoteOpenTest, AlteredTextIsCorruption) {
  std::string note = SignedVector();
  note[note.find("cryptography")] = 'C';
  const Status s = OpenNote(note, PeterVerifier()).status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("checkpoint signature does not verify"), std::string::npos);
}

TEST(NoteOpenTest, AlteredSignatureIsCorruption) {
  std::string note = SignedVector();
  note[note.find("x08go") + 10] ^= 1;  // a base64 letter in the signature, past the key id
  EXPECT_EQ(OpenNote(note, PeterVerifier()).status().code(), StatusCode::kCorruption);
}

TEST(NoteOpenTest, NoteSignedByAnotherKeyIsUnauthenticated) {
  TempDir dir;
  const std::string path = dir.File("other.pem");
  ASSERT_TRUE(NoteSigner::GeneratePemFile(path).ok());
  auto other = NoteSigner::FromPemFile("PeterNeumann", path).value();  // same name, different key
  EXPECT_EQ(OpenNote(*other.Sign(kText), PeterVerifier()).status().code(),
            StatusCode::kUnauthenticated);
}

TEST(NoteOpenTest, SignaturesByUnknownKeysAreIgnored) {
  const std::string note = std::string(kText) + "\n" +
                           "\xE2\x80\x94 witness.example AAAAAAAAAAAAAAAA\n" +
                           std::string(kSigLine);
  auto text = OpenNote(note, PeterVerifier());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, kText);
}

TEST(NoteOpenTest, TextIsSplitFromSignaturesAtTheLastBlankLine) {
  auto signer = NoteSigner::FromGoSignerKey(kSkey).value();
  const std::string text = "first paragraph\n\nsecond paragraph\n";
  auto opened = OpenNote(*signer.Sign(text), signer.Verifier());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, text);
}

TEST(NoteOpenTest, MalformedNotesAreInvalidArgument) {
  const std::string good = SignedVector();
  const std::string body(kText);
  for (const std::string& bad : {
           body,                                               // no blank line, no signatures
           body + "\n",                                        // blank line, no signatures
           good.substr(0, good.size() - 1),                    // no final newline
           body + "\n- PeterNeumann x08go/ZJku\n",             // ASCII dash, not an em dash
           body + "\n\xE2\x80\x94 PeterNeumann not*base64\n",  // bad base64
           body + "\n\xE2\x80\x94 PeterNeumann AAAA\n",        // shorter than a key id
           body + "\n\xE2\x80\x94 PeterNeumann\n",             // no signature
           "bad \xFF utf8\n" + good,                           // invalid UTF-8
           "ctrl \x01\n" + good,                               // control character
       }) {
    EXPECT_EQ(OpenNote(bad, PeterVerifier()).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace oversight::ledger
