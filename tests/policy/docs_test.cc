// docs/rules.md must document every request field and enum value the schema has.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "oversight/policy/schema.h"

namespace oversight::policy {
namespace {

TEST(Docs, RulesMdListsEveryFieldAndEnumValue) {
  std::ifstream in(OVERSIGHT_DOCS_DIR "/rules.md");
  ASSERT_TRUE(in) << "docs/rules.md missing";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  for (const FieldInfo& f : FieldTable()) {
    EXPECT_NE(doc.find("`" + std::string(f.path) + "`"), std::string::npos) << f.path;
    for (std::string_view v : f.enum_values) {
      EXPECT_NE(doc.find("`" + std::string(v) + "`"), std::string::npos) << f.path << " " << v;
    }
  }
  for (std::string_view s : ChargeStatusValues()) {
    EXPECT_NE(doc.find("`" + std::string(s) + "`"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace oversight::policy
