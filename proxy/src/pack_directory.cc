#include "pack_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "oversight/policy/jsonc.h"

namespace oversight::proxy {
namespace {

namespace fs = std::filesystem;

Status NotServed(const std::string& name) {
  return Status::InvalidArgument(name + " is not a rule pack or scenario file that may be served");
}

// Checked on the open descriptor, so the file cannot be swapped for a link between the check
// and the read.
StatusOr<std::string> ReadPublicFile(const std::string& path, const std::string& name) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::NotFound("the rule pack directory has no file " + name);
  struct stat st {};
  std::string text;
  Status s = Status::Ok();
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    s = Status::NotFound("the rule pack directory has no file " + name);
  } else if ((st.st_mode & S_IROTH) == 0) {
    s = NotServed(name);
  } else if (static_cast<std::uint64_t>(st.st_size) > kMaxPackFileBytes) {
    s = Status::InvalidArgument(name + " is larger than 1 MiB");
  } else {
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    text.resize(done);  // a file that shrank meanwhile is read as it now is
  }
  ::close(fd);
  if (!s.ok()) return s;
  return text;
}

}  // namespace

bool IsPackFileName(std::string_view name) {
  if (name.empty() || name.size() > kMaxPackFileName || name.front() == '.') return false;
  if (!name.ends_with(".json") || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

StatusOr<std::string> PackDirectoryOf(const std::string& rule_pack_path) {
  if (rule_pack_path.empty()) return Status::Unavailable("the proxy was not given its rule pack");
  std::error_code ec;
  const fs::path pack = fs::absolute(fs::path(rule_pack_path), ec);
  if (ec) return Status::Unavailable("cannot resolve the rule pack's directory");
  return pack.parent_path().string();
}

StatusOr<PackDirectoryFile> ReadPackDirectoryFile(const std::string& dir, std::string_view name) {
  if (!IsPackFileName(name)) {
    return Status::InvalidArgument(
        "a file name is letters, digits, '.', '_' and '-', ending .json, with no '/' or '..'");
  }
  PackDirectoryFile f{std::string(name), dir + "/" + std::string(name), "",
                      name.ends_with(kScenariosSuffix)};
  OVERSIGHT_ASSIGN_OR_RETURN(f.text, ReadPublicFile(f.path, f.name));
  auto parsed = policy::ParseJsonc(f.text, name);
  const policy::JsonValue* list =
      parsed.ok() ? parsed->Find(f.scenarios ? "scenarios" : "rules") : nullptr;
  if (list == nullptr || !list->is_array()) return NotServed(f.name);
  return f;
}

StatusOr<std::vector<PackDirectoryFile>> ReadPackDirectory(const std::string& dir,
                                                           std::size_t max_files) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (IsPackFileName(name)) names.push_back(std::move(name));
    if (names.size() == max_files) break;
  }
  if (ec) return Status::IOError("cannot list the rule pack directory");
  std::sort(names.begin(), names.end());
  std::vector<PackDirectoryFile> files;
  for (const std::string& name : names) {
    auto f = ReadPackDirectoryFile(dir, name);
    if (f.ok()) files.push_back(std::move(f).value());  // anything else is not shown
  }
  return files;
}

}  // namespace oversight::proxy
