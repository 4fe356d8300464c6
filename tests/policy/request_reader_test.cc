// The direct reader (ReadCanonicalRequest) against the general path (ParseJsonc then
// RequestFromJson): on every input, either the reader reads it and the general path accepts it
// with the same RequestDoc, or the reader leaves it to the general path. And on canonical
// documents the general path accepts, the reader must read them itself (or it is no faster).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "oversight/common/canonical_json.h"
#include "oversight/policy/jsonc.h"
#include "oversight/policy/request.h"

namespace oversight::policy {
namespace {

std::string Describe(const RequestDoc& d) {
  std::string out;
  const auto table = FieldTable();
  for (std::size_t i = 0; i < table.size(); ++i) {
    const SlotValue& s = d.slot(static_cast<FieldId>(i));
    if (!s.present && s.str.empty() && s.set.empty() && s.number == 0 && s.scalar == 0) continue;
    out += std::string(table[i].path) + (s.present ? "" : " (absent)") +
           ": n=" + std::to_string(s.number) + " i=" + std::to_string(s.scalar) + " s=\"" + s.str +
           "\" [";
    for (const std::string& item : s.set) out += "\"" + item + "\",";
    out += "]\n";
  }
  return out;
}

StatusOr<RequestDoc> General(std::string_view text) {
  OVERSIGHT_ASSIGN_OR_RETURN(JsonValue tree, ParseJsonc(text, "doc"));
  return RequestFromJson(tree, "doc");
}

// Checks agreement on `text`; returns whether the direct reader read it.
bool Agrees(std::string_view text) {
  const StatusOr<RequestDoc> general = General(text);
  RequestDoc direct;
  EXPECT_TRUE(direct.SetString("principal.id", "left over from an earlier document").ok());
  const bool read = ReadCanonicalRequest(text, direct);
  if (read) {
    EXPECT_TRUE(general.ok()) << "the direct reader accepted what the general path refuses ("
                              << general.status().ToString() << "): " << text;
    if (general.ok()) {
      EXPECT_TRUE(direct == *general) << text << "\ndirect:\n"
                                      << Describe(direct) << "general:\n"
                                      << Describe(*general);
    }
  }
  // The wrapper answers exactly as the general path, message included.
  const StatusOr<RequestDoc> wrapped = RequestFromCanonicalJson(text, "doc");
  EXPECT_EQ(wrapped.ok(), general.ok()) << text;
  if (wrapped.ok() && general.ok()) {
    EXPECT_TRUE(*wrapped == *general) << text;
  }
  EXPECT_EQ(wrapped.status().ToString(), general.status().ToString()) << text;
  return read;
}

// Asserts that `text` is canonical, accepted, and read directly.
void ExpectReadDirectly(const std::string& text) {
  auto canonical = CanonicalizeJson(text);
  ASSERT_TRUE(canonical.ok() && *canonical == text) << "test input is not canonical: " << text;
  ASSERT_TRUE(General(text).ok()) << General(text).status().ToString();
  EXPECT_TRUE(Agrees(text)) << "canonical and valid, yet left to the general path: " << text;
}

void ExpectRefused(const std::string& text) {
  EXPECT_FALSE(General(text).ok()) << text;
  EXPECT_FALSE(Agrees(text)) << text;
}

TEST(RequestReader, ReadsEveryRequestFieldTypeLikeTheGeneralPath) {
  ExpectReadDirectly(
      R"({"action":"search_by_image","context":{"camera_id":"cam-1","capture_time":)"
      R"("2026-03-01T12:00:00.250+02:00","case_id":"K-1","court_order_id":"CO-1",)"
      R"("crime_class":"violent_felony","max_sentence_years":2.5,"mode":"real_time",)"
      R"("public_space":true,"purpose":"missing_person","reviewer_ids":["b","a","b"],)"
      R"("source":"cctv_still"},"principal":{"agency":"Agency 1","agency_type":)"
      R"("law_enforcement","id":"det-1","roles":[]},"request":{"collection":"booking",)"
      R"("max_results":10,"threshold":-0.5}})");
}

TEST(RequestReader, NullMeansAbsentAndEmptyGroupsAreFine) {
  ExpectReadDirectly(
      R"({"action":null,"context":{"mode":null,"reviewer_ids":null},"principal":{}})");
  ExpectReadDirectly("{}");
}

TEST(RequestReader, DecodesEscapesAndUtf8AsTheGeneralPathDoes) {
  ExpectReadDirectly(
      "{\"context\":{\"narrative\":\"a \\\"quoted\\\" \\\\ line\\nnext\\t\\u0001 caf\xC3\xA9 "
      "\xF0\x9F\x98\x80\"}}");
  EXPECT_TRUE(Agrees(R"({"context":{"narrative":"\u00e9\/\b\f\r"}})"));
  // Surrogate pairs are never canonical; the general path decodes them.
  EXPECT_FALSE(Agrees(R"({"context":{"narrative":"\ud83d\ude00"}})"));
  ExpectRefused(R"({"context":{"narrative":"\ud83d"}})");
  ExpectRefused("{\"context\":{\"narrative\":\"\xC3\"}}");
  ExpectRefused("{\"context\":{\"narrative\":\"\xFF\"}}");
  ExpectRefused("{\"context\":{\"narrative\":\"tab\there\"}}");
  ExpectRefused(R"({"context":{"narrative":"bad \x escape"}})");
  ExpectRefused(R"({"context":{"narrative":"\u12"}})");
}

TEST(RequestReader, RefusesWhatTheGeneralPathRefuses) {
  for (const char* text : {
           R"({"action":"fly"})",                     // not an enum value
           R"({"action":1})",                         // wrong type
           R"({"context":{"capture_age":"1h"}})",     // computed, not a request field
           R"({"context":{"unknown":1}})",            // unknown member
           R"({"warrant":{"status":"active"}})",      // engine field group
           R"({"now":"2026-01-01T00:00:00Z"})",       // engine field
           R"({"principal":null})",                   // group not an object
           R"({"principal":{"id":"a","id":"b"}})",    // duplicate member
           R"({"action":null,"action":"export"})",    // duplicate, first null
           R"({"principal":{},"principal":{}})",      // duplicate group
           R"({"principal":{"roles":["a",1]}})",      // set of non-strings
           R"({"principal":{"roles":"a"}})",          // set as a string
           R"({"principal":{"id":{"x":1}}})",         // nested object
           R"({"principal":{"id":["a"]}})",           // array for a string
           R"({"context":{"public_space":"true"}})",  // bool as a string
           R"({"context":{"public_space":1}})",       // bool as a number
           R"({"request":{"threshold":"80"}})",       // number as a string
           R"({"request":{"threshold":1e400}})",      // out of range
           R"({"request":{"threshold":01}})",         // leading zero
           R"({"request":{"threshold":1.}})",         // no fraction digits
           R"({"request":{"threshold":-}})",          // no digits
           R"({"request":{"threshold":1e}})",         // no exponent digits
           R"({"context":{"capture_time":"1969-12-31T23:59:59Z"}})",  // before 1970
           R"({"context":{"capture_time":"2201-01-01T00:00:00Z"}})",  // after 2200
           R"({"context":{"capture_time":"2026-13-01T00:00:00Z"}})",  // no such month
           R"({"context":{"capture_time":1767225600}})",              // a number
           R"(["principal"])",
           R"("x")",
           "null",
           "",
           "{",
           R"({"action":"export"} x)",
           R"({"action":"export"}})",
           R"({"action":"export",})",
           R"({,})",
       }) {
    ExpectRefused(text);
  }
}

TEST(RequestReader, LeavesNonCanonicalButValidTextToTheGeneralPath) {
  for (const char* text : {
           R"({ "action": "export" })", "{\"action\":\"export\"}\n",
           R"({"action":"export" /* c */})",
           R"({"principal":{"\u0069d":"x"}})",  // an escaped spelling of "id"
       }) {
    EXPECT_FALSE(Agrees(text)) << text;
    EXPECT_TRUE(General(text).ok()) << text;
  }
  // Members out of canonical order are still read, identically.
  EXPECT_TRUE(Agrees(R"({"request":{"threshold":1E2},"action":"export","principal":{"id":"x"}})"));
}

// Random documents over the whole schema: mostly valid, some with one fault, in canonical,
// shuffled and spaced-out forms.
class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  std::string Document(bool& faulty, bool spaced) {
    faulty = Chance(0.3);
    const int fault_at = faulty ? Pick(100) : -1;
    int position = 0;
    std::vector<std::string> top;
    std::vector<std::vector<std::string>> groups(3);
    const char* names[] = {"principal", "context", "request"};
    for (const FieldInfo& f : FieldTable()) {
      if (f.source != FieldSource::kRequest) continue;
      const bool fault = position++ == fault_at % 27;
      if (!fault && Chance(0.35)) continue;  // absent
      const std::size_t dot = f.path.find('.');
      const std::string name(dot == std::string_view::npos ? f.path : f.path.substr(dot + 1));
      std::string value = fault ? Faulty(f) : Chance(0.1) ? "null" : Valid(f);
      std::string member = Quote(name) + (spaced ? ": " : ":") + value;
      if (dot == std::string_view::npos) {
        top.push_back(member);
      } else {
        for (int g = 0; g < 3; ++g) {
          if (f.path.substr(0, dot) == names[g]) groups[g].push_back(member);
        }
      }
      if (fault && Chance(0.3)) (dot == std::string_view::npos ? top : groups[1]).push_back(member);
    }
    if (faulty && fault_at >= 90) groups[Pick(3)].push_back(R"("unknown_member":1)");
    if (faulty && fault_at >= 95) top.push_back(R"("warrant":{})");
    for (int g = 0; g < 3; ++g) {
      if (groups[g].empty() && Chance(0.3)) continue;
      top.push_back(Quote(names[g]) + (spaced ? ": " : ":") + Object(groups[g], spaced));
    }
    return Object(top, spaced);
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  template <typename T>
  const T& Any(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(Pick(static_cast<int>(v.size())))];
  }
  static std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

  std::string Object(std::vector<std::string> members, bool spaced) {
    std::shuffle(members.begin(), members.end(), rng_);
    std::string out = "{";
    for (std::size_t i = 0; i < members.size(); ++i)
      out += (i ? (spaced ? ", " : ",") : "") + members[i];
    return out + "}";
  }

  std::string Str() {
    static const std::vector<std::string> kStrings = {R"("")",
                                                      R"("abc")",
                                                      R"("det-7")",
                                                      R"("Agency 3")",
                                                      "\"caf\xC3\xA9\"",
                                                      R"("line\nbreak")",
                                                      R"("say \"hi\"")",
                                                      R"("back\\slash")",
                                                      R"("\u0001\u001f")",
                                                      "\"\xF0\x9F\x98\x80\"",
                                                      R"("\u00e9")",
                                                      R"("a/b")",
                                                      "\"\xE2\x80\xA8\"",
                                                      R"("K-12")",
                                                      R"("W-K-12")"};
    return Any(kStrings);
  }

  std::string Valid(const FieldInfo& f) {
    static const std::vector<std::string> kNumbers = {"0",   "80",    "-3",      "99.2", "1e+21",
                                                      "1E5", "-0",    "0.5",     "10",   "1e-7",
                                                      "2.5", "12345", "-1.25E-3"};
    static const std::vector<std::string> kTimes = {
        R"("2026-01-01T00:00:00Z")",      R"("2026-01-01T00:00:00.123Z")",
        R"("2026-06-01T12:00:00+02:00")", R"("1970-01-01T00:00:00Z")",
        R"("2200-12-31T23:59:59Z")",      R"("2026-02-28t10:00:00.123456789z")"};
    switch (f.type) {
      case FieldType::kString:
        return Str();
      case FieldType::kEnum:
        return Quote(
            Any(std::vector<std::string_view>(f.enum_values.begin(), f.enum_values.end())));
      case FieldType::kNumber:
        return Any(kNumbers);
      case FieldType::kBool:
        return Chance(0.5) ? "true" : "false";
      case FieldType::kTime:
        return Any(kTimes);
      case FieldType::kStringSet: {
        std::string out = "[";
        for (int n = Pick(4), i = 0; i < n; ++i) out += (i ? "," : "") + Str();
        return out + "]";
      }
      case FieldType::kDuration:
        break;
    }
    return "null";
  }

  std::string Faulty(const FieldInfo& f) {
    static const std::vector<std::string> kAnyKind = {"1",
                                                      "true",
                                                      R"("s")",
                                                      "[]",
                                                      "{}",
                                                      R"(["a"])",
                                                      R"({"x":1})",
                                                      "[1]",
                                                      "1e400",
                                                      "01",
                                                      R"("2026-01-01")",
                                                      R"("\ud83d")",
                                                      "\"\xC3\"",
                                                      R"("not_an_enum_value")",
                                                      R"("1969-01-01T00:00:00Z")"};
    if (f.type == FieldType::kStringSet && Chance(0.5)) return R"(["a",null])";
    return Any(kAnyKind);
  }

  std::mt19937 rng_;
};

TEST(RequestReader, AgreesWithTheGeneralPathOnRandomDocuments) {
  Generator gen(20261126);
  int canonical_valid = 0, read_directly = 0, refused = 0;
  for (int i = 0; i < 6000; ++i) {
    bool faulty = false;
    const bool spaced = i % 5 == 0;
    const std::string text = gen.Document(faulty, spaced);
    Agrees(text);
    refused += !General(text).ok();
    auto canonical = CanonicalizeJson(text);
    if (!canonical.ok()) continue;  // duplicates, out-of-range numbers, bad UTF-8
    const bool read = Agrees(*canonical);
    if (General(*canonical).ok()) {
      ++canonical_valid;
      read_directly += read;
      EXPECT_TRUE(read) << "canonical and valid, yet left to the general path: " << *canonical;
    }
    if (HasFailure()) break;
  }
  EXPECT_GT(canonical_valid, 3000);  // the generator exercises both sides
  EXPECT_GT(refused, 1000);
  EXPECT_EQ(read_directly, canonical_valid);
}

TEST(RequestReader, ReusedDocumentKeepsNothingFromTheLastRead) {
  RequestDoc doc;
  ASSERT_TRUE(ReadCanonicalRequest(
      R"({"action":"export","context":{"public_space":true,"reviewer_ids":["a"]},"principal":{"id":"x"}})",
      doc));
  ASSERT_TRUE(ReadCanonicalRequest(R"({"request":{"threshold":1}})", doc));
  EXPECT_TRUE(doc == *General(R"({"request":{"threshold":1}})"));
}

}  // namespace
}  // namespace oversight::policy
