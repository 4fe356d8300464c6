// Helpers for the policy tests: small packs and requests written inline.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "oversight/common/time_format.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/pack.h"

namespace oversight::policy::testing {

// A pack with the given rules array (JSON text) and optional retention array.
inline std::string PackText(const std::string& rules, const std::string& retention = "[]") {
  return R"({"format": 1, "name": "t", "jurisdiction": "test", "version": "1",
             "description": "test pack", "sources": [], "rules": )" +
         rules + R"(, "retention": )" + retention + "}";
}

inline std::shared_ptr<const CompiledPack> MustCompile(const std::string& text) {
  CompileResult r = CompilePack(text, "test.json");
  std::string all;
  for (const Diagnostic& d : r.diagnostics) all += d.ToString() + "\n";
  EXPECT_NE(r.pack, nullptr) << all;
  return r.pack;
}

inline RequestDoc MustRequest(const std::string& json) {
  auto v = ParseJsonc(json, "request.json");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  auto doc = RequestFromJson(*v, "request.json");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? std::move(*doc) : RequestDoc();
}

inline TimePoint T(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

}  // namespace oversight::policy::testing
