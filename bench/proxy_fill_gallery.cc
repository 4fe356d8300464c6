// proxy_fill_gallery: adds synthetic faces to a matcher gallery so that the proxy's load bench
// searches a gallery of realistic size (10k faces by default) without 10k photos. Descriptors
// are drawn like real ones (normal, sd 0.12 per dimension: see bench/matcher_search.cc) from a
// fixed seed; they are far from any real face, so they never match a real probe, but every
// search still scores them all. Run it while the matcher is stopped (it owns the gallery).
//
//   proxy_fill_gallery GALLERY_DB KEY_FILE COLLECTION COUNT
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "oversight/common/key_file.h"
#include "oversight/matcher/gallery.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: proxy_fill_gallery GALLERY_DB KEY_FILE COLLECTION COUNT\n";
    return 2;
  }
  auto key = oversight::ReadRawKey256(argv[2]);
  if (!key.ok()) {
    std::cerr << key.status().ToString() << "\n";
    return 2;
  }
  auto gallery = oversight::matcher::Gallery::Open(argv[1], *key);
  if (!gallery.ok()) {
    std::cerr << gallery.status().ToString() << "\n";
    return 2;
  }
  const std::string collection = argv[3];
  auto created = (*gallery)->CreateCollection(collection);
  if (!created.ok() && created.code() != oversight::StatusCode::kAlreadyExists) {
    std::cerr << created.ToString() << "\n";
    return 1;
  }
  std::mt19937 rng(7);
  std::normal_distribution<float> component(0.f, 0.12f);
  const long count = std::stol(argv[4]);
  constexpr long kPerCall = 500;  // one transaction per "image"
  for (long done = 0; done < count; done += kPerCall) {
    std::vector<oversight::matcher::NewFace> faces(
        static_cast<std::size_t>(std::min(kPerCall, count - done)));
    for (auto& f : faces) {
      f.box = {0.25, 0.25, 0.5, 0.5};
      f.confidence = 99.9;
      for (float& x : f.descriptor) x = component(rng);
    }
    auto added = (*gallery)->AddFaces(collection, "synthetic-" + std::to_string(done),
                                      std::string(64, '0'), faces);
    if (!added.ok()) {
      std::cerr << added.status().ToString() << "\n";
      return 1;
    }
  }
  std::cout << "added " << count << " synthetic faces to " << collection << "\n";
  return 0;
}
