// The built `oversight` binary's matcher and gallery commands: exit codes, JSON output, the
// files they create. Runs OVERSIGHT_CLI_PATH as a subprocess in a temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "test_support.h"

namespace oversight::matcher {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CmdResult {
  int exit_code = -1;
  std::string out;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto models = testing::FindModelDir(&why);
    auto demo = testing::FindDemoDir();
    if (!models || !demo) {
      GTEST_SKIP() << "\n*** SKIPPED: face model weights or demo photos not found (" << why
                   << "). CmdResult scripts/fetch-models or set OVERSIGHT_MODELS_DIR. ***";
    }
    models_ = *models;
    demo_ = *demo;
    dir_ = fs::temp_directory_path() /
           ("oversight-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs `oversight <args>` (stderr discarded) and returns its exit code and stdout.
  CmdResult Oversight(const std::string& args) const {
    const std::string cmd =
        "OVERSIGHT_MODELS_DIR='" + models_ + "' '" OVERSIGHT_CLI_PATH "' " + args + " 2>/dev/null";
    CmdResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }
  // A 480-px-wide copy of demo sample<i>.jpg in the temp dir; returns its file name.
  std::string SmallDemo(int i) const {
    cv::Mat img = cv::imread(demo_ + "/sample" + std::to_string(i) + ".jpg"), small;
    cv::resize(img, small, cv::Size(480, img.rows * 480 / img.cols), 0, 0, cv::INTER_AREA);
    const std::string name = "photo" + std::to_string(i) + ".jpg";
    cv::imwrite((dir_ / name).string(), small);
    return name;
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }

  std::string models_, demo_;
  fs::path dir_;
};

TEST_F(CliTest, VerifyModelsAcceptsThePinnedFilesAndRefusesAnAlteredOne) {
  CmdResult ok = Oversight("matcher verify-models --json --models '" + models_ + "'");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  const json j = json::parse(ok.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["files"].size(), 8u);

  const fs::path copy = dir_ / "model";
  fs::copy(models_, copy);
  const fs::path bin = copy / "tiny_face_detector_model.bin";
  std::fstream f(bin, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(100);
  f.put('\x5a');
  f.close();
  CmdResult bad = Oversight("matcher verify-models --models '" + copy.string() + "'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("FAILED  tiny_face_detector_model.bin"), std::string::npos) << bad.out;
}

TEST_F(CliTest, AnalyzeReportsFacesAndRefusesANonImage) {
  const std::string photo = SmallDemo(1);
  CmdResult r = Oversight("matcher analyze --json '" + Path(photo) + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["width"], 480);
  ASSERT_GE(j["faces"].size(), 2u);
  EXPECT_GT(j["faces"][0]["confidence"].get<double>(), 0.5);
  Write("notes.txt", "not a photo");
  EXPECT_EQ(Oversight("matcher analyze '" + Path("notes.txt") + "'").exit_code, 2);
  EXPECT_EQ(Oversight("matcher analyze").exit_code, 2);  // IMAGE is required
}

TEST_F(CliTest, GalleryInitCreatesAPrivateKeyAndRefusesToOverwrite) {
  const std::string g = Path("g");
  ASSERT_EQ(Oversight("gallery init --dir '" + g + "'").exit_code, 0);
  struct stat st {};
  ASSERT_EQ(::stat((g + "/gallery.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(g + "/gallery.db"));
  EXPECT_EQ(Oversight("gallery init --dir '" + g + "'").exit_code, 2);
}

TEST_F(CliTest, EnrollIndexesTheManifestKeepsAttributesAndReportsRejectedRows) {
  const std::string g = Path("g");
  ASSERT_EQ(Oversight("gallery init --dir '" + g + "'").exit_code, 0);
  Write("m.csv",
        "external_id,image,name\n"
        "p1," +
            SmallDemo(1) +
            ",\"Doe, Jane\"\n"
            "p2," +
            SmallDemo(2) +
            ",Roe\n"
            "p3,missing.jpg,Nobody\n"
            "bad/id," +
            SmallDemo(3) + ",X\n");
  const std::string base =
      "gallery enroll --dir '" + g + "' --collection c --manifest '" + Path("m.csv") + "'";
  EXPECT_EQ(Oversight(base).exit_code, 2);  // no collection c yet
  CmdResult r = Oversight(base + " --create --json");
  ASSERT_EQ(r.exit_code, 1) << r.out;  // two rows rejected
  const json j = json::parse(r.out);
  EXPECT_EQ(j["faces_indexed"], 2);  // --max-faces 1 per photo
  EXPECT_EQ(j["images_enrolled"], 2);
  ASSERT_EQ(j["rejected"].size(), 2u);
  EXPECT_EQ(j["rejected"][0]["row"], 4);
  EXPECT_NE(j["rejected"][1]["reason"].get<std::string>().find("InvalidParameterException"),
            std::string::npos);

  std::ifstream attrs(g + "/c.attributes.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(attrs, line));
  const json first = json::parse(line);
  EXPECT_EQ(first["ExternalImageId"], "p1");
  EXPECT_EQ(first["attributes"], json({{"name", "Doe, Jane"}}));

  CmdResult list = Oversight("gallery list --json --dir '" + g + "' --collection c");
  ASSERT_EQ(list.exit_code, 0);
  const json faces = json::parse(list.out);
  ASSERT_EQ(faces.size(), 2u);
  std::set<std::string> ids, external;
  for (const json& f : faces) {
    ids.insert(f["FaceId"].get<std::string>());
    external.insert(f["ExternalImageId"].get<std::string>());
  }
  EXPECT_EQ(ids.count(first["FaceIds"][0].get<std::string>()), 1u);
  EXPECT_EQ(external, (std::set<std::string>{"p1", "p2"}));
}

TEST_F(CliTest, EnrollRefusesAManifestWithoutTheRequiredColumns) {
  const std::string g = Path("g");
  ASSERT_EQ(Oversight("gallery init --dir '" + g + "'").exit_code, 0);
  Write("m.csv", "path,id\nx.jpg,p1\n");
  EXPECT_EQ(Oversight("gallery enroll --create --dir '" + g + "' --collection c --manifest '" +
                      Path("m.csv") + "'")
                .exit_code,
            2);
}

}  // namespace
}  // namespace oversight::matcher
