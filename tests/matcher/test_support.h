// Shared helpers for the matcher tests: locating the weights and the golden fixtures.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oversight::matcher::testing {

// The folder holding the face-api model files, or nullopt (with the reason in *why) if the
// weights have not been fetched. Looks at $OVERSIGHT_MODELS_DIR, then <repo>/models.
std::optional<std::string> FindModelDir(std::string* why);

// The package's demo/ folder (sample1.jpg ... sample6.jpg), or nullopt.
std::optional<std::string> FindDemoDir();

std::string FixturePath(const std::string& name);
std::vector<std::uint8_t> ReadFileBytes(const std::string& path);
std::vector<float> ReadFloats(const std::string& path);

}  // namespace oversight::matcher::testing

// Skips the current test, loudly, when the weights are missing. CI always fetches them, so a
// skip outside a set-up checkout is expected and inside CI is a failure of the setup.
#define OVERSIGHT_REQUIRE_MODELS(dir_var)                                                  \
  std::string dir_var;                                                                     \
  do {                                                                                     \
    std::string why_;                                                                      \
    auto found_ = ::oversight::matcher::testing::FindModelDir(&why_);                      \
    if (!found_) {                                                                         \
      GTEST_SKIP() << "\n*** SKIPPED: face model weights not found (" << why_              \
                   << ").\n*** Run scripts/fetch-models or set OVERSIGHT_MODELS_DIR. ***"; \
    }                                                                                      \
    dir_var = *found_;                                                                     \
  } while (0)
