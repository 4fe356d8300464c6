// The policy analyst's console calls (docs/console.md): the pack directory's files, the request
// schema, and dry runs of a draft pack (lint, try, scenarios, replay over the ledger).
//
// Nothing here changes the pack in force: a draft is compiled into a pack of its own and
// dropped after the call. Drafts come from the network, so every input is bounded; files of
// the pack directory are read only through pack_directory.h.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "gateway_impl.h"
#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/policy/case.h"
#include "oversight/policy/decision_json.h"
#include "oversight/policy/explain.h"
#include "oversight/policy/lint.h"
#include "oversight/policy/scenario.h"
#include "oversight/policy/schema.h"
#include "oversight/report/replay.h"
#include "pack_directory.h"

namespace oversight::proxy {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPackBytes = kMaxPackFileBytes;  // a draft, as a file of the directory
constexpr std::size_t kMaxDirectoryFiles = 200;
constexpr std::size_t kMaxNowBytes = 64;
constexpr std::size_t kMaxErrorsShown = 5;
constexpr char kDraftName[] = "draft.json";

Outcome Ok(Json body) {
  Outcome o;
  o.body = std::move(body);
  return o;
}

Outcome Invalid(std::string message) {
  return Fail(ErrorType::kInvalidParameter, std::move(message));
}

// The member `name` as text of at most max_bytes. Absent: nullopt in *out, or an error when
// required. Present but not text, or too long: an error.
std::optional<Outcome> GetText(const Json& body, const char* name, std::size_t max_bytes,
                               bool required, std::optional<std::string>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) return Invalid(std::string(name) + " is required");
    return std::nullopt;
  }
  if (!it->is_string()) return Invalid(std::string(name) + " must be text");
  if (it->get_ref<const std::string&>().size() > max_bytes) {
    return Invalid(std::string(name) + " is longer than " + std::to_string(max_bytes) + " bytes");
  }
  *out = it->get<std::string>();
  return std::nullopt;
}

// Compiles pasted pack text; InvalidParameter listing the first errors if it does not compile.
std::optional<Outcome> CompileDraft(const std::string& text,
                                    std::shared_ptr<const policy::CompiledPack>* pack) {
  policy::CompileResult compiled = policy::CompilePack(text, kDraftName);
  if (compiled.pack) {
    *pack = std::move(compiled.pack);
    return std::nullopt;
  }
  std::string message = "the draft pack does not compile: ";
  std::size_t shown = 0;
  for (const policy::Diagnostic& d : compiled.diagnostics) {
    if (d.severity != policy::Diagnostic::Severity::kError) continue;
    if (shown++ == kMaxErrorsShown) {
      message += "; …";
      break;
    }
    message += (shown > 1 ? "; " : "") + d.ToString();
  }
  return Invalid(message);
}

std::string PackSha256(const std::string& text, std::string_view name) {
  policy::CompileResult compiled = policy::CompilePack(text, name);
  return compiled.pack ? compiled.pack->sha256_hex() : "";
}

Outcome ListPacks(const Gateway::Impl& g) {
  auto dir = PackDirectoryOf(g.options.rule_pack_path);
  if (!dir.ok()) return FromStatus(dir.status());
  auto files = ReadPackDirectory(*dir, kMaxDirectoryFiles);
  if (!files.ok()) return FromStatus(files.status());
  const std::string enforced = fs::path(g.options.rule_pack_path).filename().string();
  Json packs = Json::array(), scenarios = Json::array();
  for (const PackDirectoryFile& f : *files) {
    if (f.scenarios) {
      scenarios.push_back(f.name);
      continue;
    }
    std::string title;
    if (auto parsed = policy::ParseJsonc(f.text, f.name); parsed.ok()) {
      const policy::JsonValue* n = parsed->Find("name");
      if (n != nullptr && n->is_string()) title = n->text;
    }
    packs.push_back({{"File", f.name},
                     {"Name", title},
                     {"Sha256", PackSha256(f.text, f.name)},
                     {"Enforced", f.name == enforced}});
  }
  return Ok({{"Packs", std::move(packs)}, {"Scenarios", std::move(scenarios)}});
}

Outcome ReadPackFile(const Gateway::Impl& g, const std::string& name, Json& log) {
  log["rules_file"] = name.substr(0, kMaxPackFileName);
  auto dir = PackDirectoryOf(g.options.rule_pack_path);
  if (!dir.ok()) return FromStatus(dir.status());
  auto f = ReadPackDirectoryFile(*dir, name);
  if (!f.ok()) return FromStatus(f.status());
  const std::string sha = f->scenarios ? "" : PackSha256(f->text, name);
  return Ok({{"File", name}, {"Text", std::move(f->text)}, {"Sha256", sha}});
}

std::string_view SourceName(policy::FieldSource s) {
  switch (s) {
    case policy::FieldSource::kRequest:
      return "request";
    case policy::FieldSource::kWarrant:
      return "warrant";
    case policy::FieldSource::kHistory:
      return "history";
    case policy::FieldSource::kComputed:
      return "computed";
  }
  return "unknown";
}

Outcome Schema() {
  Json fields = Json::array();
  for (const policy::FieldInfo& f : policy::FieldTable()) {
    Json values = Json::array();
    for (std::string_view v : f.enum_values) values.push_back(std::string(v));
    fields.push_back({{"Path", std::string(f.path)},
                      {"Type", std::string(policy::FieldTypeName(f.type))},
                      {"Source", std::string(SourceName(f.source))},
                      {"Values", std::move(values)},
                      {"Meaning", std::string(f.meaning)}});
  }
  return Ok({{"Fields", std::move(fields)}});
}

Outcome Lint(const Json& body, Json& log) {
  std::optional<std::string> text;
  if (auto bad = GetText(body, "Text", kMaxPackBytes, true, &text)) return std::move(*bad);
  log["dry_run"] = {{"call", "lint"}, {"draft_sha256", HexEncode(Sha256(*text))}};
  Json diagnostics = Json::array();
  int errors = 0, warnings = 0;
  for (const policy::Diagnostic& d : policy::LintPack(*text, kDraftName)) {
    const bool error = d.severity == policy::Diagnostic::Severity::kError;
    ++(error ? errors : warnings);
    diagnostics.push_back({{"Severity", error ? "error" : "warning"},
                           {"Code", d.code},
                           {"Message", d.message},
                           {"Line", d.pos.line},
                           {"Column", d.pos.column}});
  }
  return Ok({{"Diagnostics", std::move(diagnostics)}, {"Errors", errors}, {"Warnings", warnings}});
}

// The draft in Text if given (required or not), else the pack in force.
std::optional<Outcome> DraftOrEnforced(const Gateway::Impl& g, const Json& body, bool required,
                                       std::shared_ptr<const policy::CompiledPack>* pack,
                                       Json& dry_run) {
  std::optional<std::string> text;
  if (auto bad = GetText(body, "Text", kMaxPackBytes, required, &text)) return bad;
  dry_run["draft"] = text.has_value();
  if (!text) {
    *pack = g.deps.policy->Current();
  } else if (auto bad = CompileDraft(*text, pack)) {
    return bad;
  }
  dry_run["pack_sha256"] = (*pack)->sha256_hex();
  return std::nullopt;
}

Outcome Try(Gateway::Impl& g, const Json& body, Json& log) {
  Json dry_run = {{"call", "try"}};
  std::shared_ptr<const policy::CompiledPack> pack;
  if (auto bad = DraftOrEnforced(g, body, false, &pack, dry_run)) return std::move(*bad);
  auto request = body.find("Request");
  if (request == body.end() || !request->is_object()) {
    return Invalid("Request must be a request document (an object)");
  }
  Json wrapped = {{"request", *request}};
  auto facts = body.find("Facts");
  const bool fixtures = facts != body.end() && !facts->is_null();
  if (fixtures) wrapped["facts"] = *facts;
  std::optional<std::string> now;
  if (auto bad = GetText(body, "Now", kMaxNowBytes, false, &now)) return std::move(*bad);
  if (now) wrapped["now"] = *now;
  auto parsed = policy::ParseJsonc(Dump(wrapped), "request");
  StatusOr<policy::Case> c = parsed.ok()
                                 ? policy::ParseCase(*parsed, "request", g.deps.clock->Now())
                                 : StatusOr<policy::Case>(parsed.status());
  if (!c.ok()) return Invalid(c.status().message());
  // Without fixtures, the facts are the live ones, as POST rules/evaluate uses.
  const policy::Facts live{g.deps.warrants, &g.history, c->now};
  const policy::Explanation ex = policy::Explain(*pack, c->request, fixtures ? c->facts() : live);
  dry_run["request"] = *request;
  dry_run["allow"] = ex.decision.allow;
  log["dry_run"] = std::move(dry_run);
  return Ok({{"Decision", Json::parse(policy::DecisionToJson(ex.decision))},
             {"Explanation", policy::FormatExplanation(*pack, ex)}});
}

// Pasted pack text as a file only this process can read: 0600 in a fresh 0700 directory,
// both removed when it goes out of scope.
class PrivateDraftFile {
 public:
  PrivateDraftFile() = default;
  PrivateDraftFile(const PrivateDraftFile&) = delete;
  PrivateDraftFile& operator=(const PrivateDraftFile&) = delete;
  ~PrivateDraftFile() {
    if (!file_.empty()) ::unlink(file_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }

  Status Write(const std::string& text) {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "oversight-draft-XXXXXX").string();
    if (ec) pattern = "/tmp/oversight-draft-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return Status::IOError("cannot make a temp dir");
    dir_ = pattern;
    file_ = dir_ + "/" + kDraftName;
    const int fd =
        ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IOError("cannot create the draft file");
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    const bool closed = ::close(fd) == 0;
    if (done != text.size() || !closed) return Status::IOError("cannot write the draft file");
    return Status::Ok();
  }
  const std::string& path() const { return file_; }

 private:
  std::string dir_, file_;
};

// "…/rules/x.scenarios.json:12:5" -> "x.scenarios.json:12:5": the caller knows the directory.
std::string WithoutDirectory(std::string text, const std::string& dir) {
  for (std::size_t at = text.find(dir); at != std::string::npos; at = text.find(dir, at)) {
    text.erase(at, dir.size());
  }
  return text;
}

Outcome Scenarios(Gateway::Impl& g, const Json& body, Json& log) {
  Json dry_run = {{"call", "scenarios"}};
  std::optional<std::string> file, text;
  if (auto bad = GetText(body, "File", kMaxPackFileName, true, &file)) return std::move(*bad);
  if (!file->ends_with(kScenariosSuffix)) return Invalid("File must name a .scenarios.json file");
  auto dir = PackDirectoryOf(g.options.rule_pack_path);
  if (!dir.ok()) return FromStatus(dir.status());
  auto scenario_file = ReadPackDirectoryFile(*dir, *file);
  if (!scenario_file.ok()) return FromStatus(scenario_file.status());
  if (auto bad = GetText(body, "Text", kMaxPackBytes, false, &text)) return std::move(*bad);
  dry_run["file"] = *file;
  PrivateDraftFile draft;
  if (text) {
    std::shared_ptr<const policy::CompiledPack> pack;  // clear errors before any file is written
    if (auto bad = CompileDraft(*text, &pack)) return std::move(*bad);
    dry_run["pack_sha256"] = pack->sha256_hex();
    Status written = draft.Write(*text);
    if (!written.ok()) return FromStatus(written);
  }
  // Without Text, the scenario file's own "pack" (a file of the same directory).
  auto report = policy::RunScenarioFile(scenario_file->path, text ? draft.path() : "");
  const std::string prefix = *dir + "/";
  if (!report.ok()) return Invalid(WithoutDirectory(report.status().message(), prefix));
  Json results = Json::array();
  for (const policy::ScenarioResult& r : report->results) {
    results.push_back({{"Name", r.name},
                       {"Location", WithoutDirectory(r.location, prefix)},
                       {"Passed", r.passed},
                       {"Failures", r.failures},
                       {"Decision", r.decision}});
  }
  dry_run["passed"] = report->passed();
  dry_run["failed"] = report->failed();
  log["dry_run"] = std::move(dry_run);
  return Ok({{"Passed", report->passed()},
             {"Failed", report->failed()},
             {"Results", std::move(results)},
             {"Uncovered", report->UncoveredRules()}});
}

Outcome Replay(Gateway::Impl& g, const Json& body, Json& log) {
  Json dry_run = {{"call", "replay"}};
  std::shared_ptr<const policy::CompiledPack> pack;
  if (auto bad = DraftOrEnforced(g, body, true, &pack, dry_run)) return std::move(*bad);
  std::optional<std::string> from, to;
  if (auto bad = GetText(body, "From", kMaxNowBytes, false, &from)) return std::move(*bad);
  if (auto bad = GetText(body, "To", kMaxNowBytes, false, &to)) return std::move(*bad);
  auto period = report::ParsePeriod(from.value_or(""), to.value_or(""));
  if (!period.ok()) return FromStatus(period.status());
  dry_run["from"] = period->from;
  dry_run["to"] = period->to;
  // A replay reads the whole ledger: one at a time, and the others are told to come back.
  std::unique_lock busy(g.replay_mu, std::try_to_lock);
  if (!busy.owns_lock()) {
    return Fail(ErrorType::kThrottling, "another replay is running; try again when it is done");
  }
  auto provenance = VerifiedLedger(g);
  if (!provenance.ok()) return FromStatus(provenance.status());
  report::ReplayOptions options;
  options.period = *period;
  options.warrants = g.deps.warrants;
  options.threads = 2;  // the proxy's workers keep the rest of the machine
  auto result =
      report::ReplaySource({g.options.ledger_dir, "", "", ""}, &*provenance, pack, options);
  if (!result.ok()) return FromStatus(result.status());
  dry_run["allow_deny"] = result->allow_deny;
  dry_run["deny_allow"] = result->deny_allow;
  log["dry_run"] = std::move(dry_run);
  Json out = Json::parse(report::ReplayResultJson(*result, *provenance), nullptr, false);
  if (!out.is_object()) return Fail(ErrorType::kInternalServerError, "the replay is not JSON");
  return Ok(std::move(out));
}

}  // namespace

Outcome RulesWorkbench(Gateway::Impl& g, const std::vector<std::string>& parts, const Json& body,
                       Json& log) {
  const std::string& what = parts.at(1);
  log["rules_call"] = what;
  if (what == "packs" && parts.size() == 2) return ListPacks(g);
  if (what == "packs") return ReadPackFile(g, parts.at(2), log);
  if (what == "schema") return Schema();
  if (what == "lint") return Lint(body, log);
  if (what == "try") return Try(g, body, log);
  if (what == "scenarios") return Scenarios(g, body, log);
  if (what == "replay") return Replay(g, body, log);
  return Fail(ErrorType::kResourceNotFound, "no such rules call: " + what);
}

}  // namespace oversight::proxy
