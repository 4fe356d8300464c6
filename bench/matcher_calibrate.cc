// Calibration of the distance -> Similarity mapping on a labelled directory of faces.
//
//   matcher_calibrate <models dir> <faces dir> [--markdown]
//
// <faces dir> holds one folder per person (the folder name is the label) and optionally
// `_multi/` with group photos. Each labelled image contributes its largest face; if the
// detector finds none (tight crops), the whole image is taken as the face box. Pairs:
//   same person      two images in one person folder
//   different people two faces from different person folders, or two faces of one _multi photo
// Faces of _multi photos are not paired with the labelled folders (they may be the same people).
// Prints, per Similarity threshold, the false-match rate over different pairs and the
// false-non-match rate over same pairs, with counts. Writes nothing.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "oversight/matcher/face_model.h"
#include "oversight/matcher/similarity.h"

namespace fs = std::filesystem;
using oversight::matcher::AnalyzeOptions;
using oversight::matcher::Descriptor;
using oversight::matcher::DetectedFace;
using oversight::matcher::FaceModel;

namespace {

struct Sample {
  std::string label;  // person, or "_multi/<file>" for a group photo
  bool multi = false;
  std::string file;
  Descriptor descriptor{};
};

std::vector<std::uint8_t> ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> SortedEntries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool IsImage(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp" || ext == ".bmp";
}

void AddImage(const FaceModel& model, const fs::path& file, const std::string& label, bool multi,
              std::vector<Sample>& out) {
  AnalyzeOptions opt;
  opt.describe_unindexed = true;
  opt.whole_image_if_no_face = !multi;
  auto analysis = model.Analyze(ReadBytes(file), opt);
  if (!analysis.ok()) {
    std::fprintf(stderr, "skip %s: %s\n", file.c_str(), analysis.status().ToString().c_str());
    return;
  }
  std::vector<const DetectedFace*> faces;
  for (const auto& f : analysis->faces) {
    // Group photos: only faces the default options would index.
    if (f.has_descriptor && (!multi || f.indexed())) faces.push_back(&f);
  }
  if (faces.empty()) {
    std::fprintf(stderr, "no face in %s\n", file.c_str());
    return;
  }
  if (!multi) {
    faces = {*std::max_element(faces.begin(), faces.end(),
                               [](auto* a, auto* b) { return a->Area() < b->Area(); })};
  }
  for (const auto* f : faces)
    out.push_back({label, multi, file.filename().string(), f->descriptor});
}

struct Pairs {
  std::vector<double> same, different;
};

Pairs MakePairs(const std::vector<Sample>& s) {
  Pairs p;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      const double d = oversight::matcher::DescriptorDistance(s[i].descriptor, s[j].descriptor);
      if (s[i].multi != s[j].multi) continue;
      if (s[i].multi) {
        if (s[i].label == s[j].label) p.different.push_back(d);  // two faces of one photo
      } else {
        (s[i].label == s[j].label ? p.same : p.different).push_back(d);
      }
    }
  }
  return p;
}

double Percent(long part, std::size_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

void PrintTable(const Pairs& p) {
  using oversight::matcher::SimilarityToDistance;
  std::printf(
      "| Similarity threshold | distance | false matches (different pairs) | "
      "false non-matches (same pairs) |\n|---|---|---|---|\n");
  for (double t : {50.0, 70.0, 80.0, 85.0, 90.0, 95.0, 97.0, 99.0}) {
    const double d = SimilarityToDistance(t);
    const auto fm =
        std::count_if(p.different.begin(), p.different.end(), [&](double x) { return x <= d; });
    const auto fnm = std::count_if(p.same.begin(), p.same.end(), [&](double x) { return x > d; });
    std::printf("| %.0f | %.3f | %ld / %zu (%.2f%%) | %ld / %zu (%.2f%%) |\n", t, d, fm,
                p.different.size(), Percent(fm, p.different.size()), fnm, p.same.size(),
                Percent(fnm, p.same.size()));
  }
  const auto [smin, smax] = std::minmax_element(p.same.begin(), p.same.end());
  const auto [dmin, dmax] = std::minmax_element(p.different.begin(), p.different.end());
  if (smin != p.same.end() && dmin != p.different.end()) {
    std::printf("\nsame-person distances %.3f..%.3f; different-person distances %.3f..%.3f\n",
                *smin, *smax, *dmin, *dmax);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <models dir> <labelled faces dir>\n", argv[0]);
    return 2;
  }
  auto model = FaceModel::Load(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", model.status().ToString().c_str());
    return 2;
  }
  std::vector<Sample> samples;
  for (const fs::path& dir : SortedEntries(argv[2])) {
    if (!fs::is_directory(dir)) continue;
    const bool multi = dir.filename() == "_multi";
    for (const fs::path& file : SortedEntries(dir)) {
      if (!IsImage(file)) continue;
      const std::string label =
          multi ? "_multi/" + file.filename().string() : dir.filename().string();
      AddImage(**model, file, label, multi, samples);
    }
  }
  std::printf("%zu faces from %s\n\n", samples.size(), argv[2]);
  PrintTable(MakePairs(samples));
  return 0;
}
