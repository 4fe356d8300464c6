// `oversight gallery init|enroll|list`: creating the encrypted gallery and enrolling photos
// in bulk. Enrolment goes through RekognitionApi's IndexFaces, so a manifest row is checked
// exactly as a client's IndexFaces call would be.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "command.h"
#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"
#include "oversight/common/time_format.h"
#include "oversight/matcher/gallery.h"
#include "oversight/matcher/rekognition_api.h"

namespace oversight::cli {
namespace {

using nlohmann::json;
namespace m = oversight::matcher;
namespace fs = std::filesystem;

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

struct Common {
  std::string dir, collection;
  bool json = false;
};

std::string Rfc3339(std::int64_t ms) {
  return FormatRfc3339Millis(TimePoint(std::chrono::milliseconds(ms)));
}

std::string DbPath(const std::string& dir) { return dir + "/gallery.db"; }
std::string KeyPath(const std::string& dir) { return dir + "/gallery.key"; }

StatusOr<std::unique_ptr<m::Gallery>> OpenGallery(const std::string& dir) {
  auto key = ReadRawKey256(KeyPath(dir));
  if (!key.ok()) return key.status().WithContext("gallery key");
  return m::Gallery::Open(DbPath(dir), *key);
}

int RunInit(const Common& a) {
  if (::mkdir(a.dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return ReportError(Status::IOError("cannot create directory " + a.dir));
  }
  if (fs::exists(DbPath(a.dir)) || fs::exists(KeyPath(a.dir))) {
    return ReportError(Status::AlreadyExists("a gallery already exists in " + a.dir));
  }
  Status st = CreateRawKey256File(KeyPath(a.dir));
  if (!st.ok()) return ReportError(st);
  auto gallery = OpenGallery(a.dir);
  if (!gallery.ok()) return ReportError(gallery.status());
  if (a.json) {
    PrintJson({{"dir", a.dir}, {"database", DbPath(a.dir)}, {"key_file", KeyPath(a.dir)}});
  } else {
    std::cout << "Created gallery " << DbPath(a.dir) << "\n"
              << "  key: " << KeyPath(a.dir) << " (0600; keep it secret, back it up: without it\n"
              << "       the enrolled faces cannot be read)\n";
  }
  return kExitOk;
}

// One CSV record (RFC 4180 without line breaks inside fields).
StatusOr<std::vector<std::string>> SplitCsv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back() += '"';
      ++i;
    } else if (c == '"' && (quoted || out.back().empty())) {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else if (c != '\r' || quoted) {
      out.back() += c;
    }
  }
  if (quoted) return Status::InvalidArgument("unterminated quote");
  return out;
}

struct Manifest {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each with header.size() fields
  std::size_t image_col = 0, id_col = 0;
};

StatusOr<Manifest> ReadManifest(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("cannot read manifest " + path);
  Manifest mf;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto fields = SplitCsv(line);
    if (!fields.ok()) return fields.status().WithContext(path + ":" + std::to_string(n));
    if (mf.header.empty()) {
      mf.header = std::move(fields).value();
      continue;
    }
    if (fields->size() != mf.header.size()) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": " +
                                     std::to_string(fields->size()) + " fields, header has " +
                                     std::to_string(mf.header.size()));
    }
    mf.rows.push_back(std::move(fields).value());
  }
  auto col = [&](const char* name) { return std::find(mf.header.begin(), mf.header.end(), name); };
  if (col("image") == mf.header.end() || col("external_id") == mf.header.end()) {
    return Status::InvalidArgument(path + ": the header must name columns image and external_id");
  }
  mf.image_col = col("image") - mf.header.begin();
  mf.id_col = col("external_id") - mf.header.begin();
  return mf;
}

struct EnrollArgs {
  Common c;
  std::string manifest, models, attributes_out;
  int max_faces = 1;
  bool create = false;
};

struct RowResult {
  std::size_t faces = 0;
  std::string error;  // empty if enrolled
  json face_ids = json::array();
};

// IndexFaces for one manifest row; image paths are relative to the manifest's folder.
RowResult EnrollRow(const m::RekognitionApi& api, const EnrollArgs& a, const Manifest& mf,
                    const std::vector<std::string>& row) {
  fs::path image = row[mf.image_col];
  if (image.is_relative()) image = fs::path(a.manifest).parent_path() / image;
  auto bytes = ReadSmallFile(image.string(), 64 << 20);
  if (!bytes.ok()) return {0, bytes.status().ToString()};
  json request = {{"CollectionId", a.c.collection},
                  {"Image", {{"Bytes", Base64Encode(AsBytes(*bytes))}}},
                  {"ExternalImageId", row[mf.id_col]},
                  {"MaxFaces", a.max_faces}};
  const m::ApiResult r = api.Handle("IndexFaces", request.dump());
  const json body = json::parse(r.content, nullptr, false);
  if (r.http_status != 200) return {0, r.error_type + ": " + body.value("message", "")};
  RowResult out;
  for (const json& rec : body["FaceRecords"]) out.face_ids.push_back(rec["Face"]["FaceId"]);
  out.faces = out.face_ids.size();
  if (out.faces == 0) {
    out.error = "no indexable face";
    for (const json& u : body["UnindexedFaces"]) out.error += " " + u["Reasons"].dump();
  }
  return out;
}

void Progress(std::size_t done, std::size_t total) {
  constexpr int kWidth = 30;
  const int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
  std::fprintf(stderr, "\r[%s%s] %zu/%zu images", std::string(filled, '#').c_str(),
               std::string(kWidth - filled, ' ').c_str(), done, total);
  if (done == total) std::fprintf(stderr, "\n");
}

// Appends to `path`, creating it 0600: attributes name people, so they are as private as
// the key. Appending keeps the attributes of earlier enrolments into the same collection.
Status AppendPrivate(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + path);
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0 && errno != EINTR) break;
    if (n > 0) done += static_cast<std::size_t>(n);
  }
  const bool ok = done == text.size() && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Status::IOError("writing " + path);
}

json Attributes(const Manifest& mf, const std::vector<std::string>& row) {
  json attrs = json::object();
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i != mf.image_col && i != mf.id_col) attrs[mf.header[i]] = row[i];
  }
  return attrs;
}

void PrintEnrollSummary(const EnrollArgs& a, std::size_t rows, std::size_t images,
                        std::size_t faces, const json& rejected) {
  if (a.c.json) {
    PrintJson({{"collection", a.c.collection},
               {"images_enrolled", images},
               {"faces_indexed", faces},
               {"rejected", rejected},
               {"attributes", a.attributes_out}});
  } else {
    std::cout << "indexed " << faces << " face(s) from " << images << " of " << rows
              << " image(s) into " << a.c.collection << "; attributes in " << a.attributes_out
              << "\n";
    for (const json& r : rejected) {
      std::cout << "  rejected row " << r["row"] << " (" << r["image"].get<std::string>()
                << "): " << r["reason"].get<std::string>() << "\n";
    }
  }
}

int EnrollAll(const m::RekognitionApi& api, const EnrollArgs& a, const Manifest& mf) {
  const bool tty = !a.c.json && ::isatty(STDERR_FILENO);
  std::string attr_lines;
  json rejected = json::array();
  std::size_t faces = 0, images = 0;
  for (std::size_t i = 0; i < mf.rows.size(); ++i) {
    const auto& row = mf.rows[i];
    RowResult r = EnrollRow(api, a, mf, row);
    faces += r.faces;
    if (r.faces > 0) {
      ++images;
      attr_lines += json{{"ExternalImageId", row[mf.id_col]},
                         {"FaceIds", r.face_ids},
                         {"attributes", Attributes(mf, row)}}
                        .dump(-1, ' ', false, json::error_handler_t::replace) +
                    "\n";
    }
    if (!r.error.empty()) {
      rejected.push_back({{"row", i + 2}, {"image", row[mf.image_col]}, {"reason", r.error}});
    }
    if (tty) Progress(i + 1, mf.rows.size());
  }
  Status st = AppendPrivate(a.attributes_out, attr_lines);
  if (!st.ok()) return ReportError(st);
  PrintEnrollSummary(a, mf.rows.size(), images, faces, rejected);
  return rejected.empty() ? kExitOk : kExitInvalid;
}

int RunEnroll(EnrollArgs a) {
  auto mf = ReadManifest(a.manifest);
  if (!mf.ok()) return ReportError(mf.status());
  auto gallery = OpenGallery(a.c.dir);
  if (!gallery.ok()) return ReportError(gallery.status());
  if (a.create && !(*gallery)->DescribeCollection(a.c.collection).ok()) {
    Status st = (*gallery)->CreateCollection(a.c.collection);
    if (!st.ok()) return ReportError(st);
  }
  auto info = (*gallery)->DescribeCollection(a.c.collection);
  if (!info.ok()) return ReportError(info.status().WithContext("(use --create to create it)"));
  auto model = m::FaceModel::Load(a.models);
  if (!model.ok()) return ReportError(model.status().WithContext("loading the face model"));
  if (a.attributes_out.empty()) {
    a.attributes_out = a.c.dir + "/" + a.c.collection + ".attributes.jsonl";
  }
  const m::RekognitionApi api(**gallery, **model);
  return EnrollAll(api, a, *mf);
}

int ListCollections(const m::Gallery& g, bool as_json) {
  json out = json::array();
  for (const std::string& id : g.ListCollections()) {
    auto info = g.DescribeCollection(id);
    if (!info.ok()) continue;  // deleted meanwhile
    out.push_back({{"collection", id},
                   {"faces", info->face_count},
                   {"created", Rfc3339(info->created_at_ms)}});
  }
  if (as_json) {
    PrintJson(out);
  } else {
    for (const json& c : out) {
      std::cout << c["collection"].get<std::string>() << "  " << c["faces"] << " face(s), created "
                << c["created"].get<std::string>() << "\n";
    }
  }
  return kExitOk;
}

int RunList(const Common& a) {
  auto gallery = OpenGallery(a.dir);
  if (!gallery.ok()) return ReportError(gallery.status());
  if (a.collection.empty()) return ListCollections(**gallery, a.json);
  json out = json::array();
  std::string after;
  for (;;) {
    auto page = (*gallery)->ListFaces(a.collection, after, 1000);
    if (!page.ok()) return ReportError(page.status());
    if (page->empty()) break;
    for (const m::FaceRecord& f : *page) {
      out.push_back({{"FaceId", f.face_id},
                     {"ImageId", f.image_id},
                     {"ExternalImageId", f.external_image_id},
                     {"IndexedAt", Rfc3339(f.indexed_at_ms)}});
    }
    after = page->back().face_id;
  }
  if (a.json) {
    PrintJson(out);
  } else {
    for (const json& f : out) {
      std::cout << f["FaceId"].get<std::string>() << "  " << f["ExternalImageId"].get<std::string>()
                << "  " << f["IndexedAt"].get<std::string>() << "\n";
    }
  }
  return kExitOk;
}

void AddCommon(CLI::App* cmd, Common* c, bool collection_required) {
  const char* env = std::getenv("OVERSIGHT_GALLERY_DIR");
  c->dir = env && *env ? env : "oversight-data/gallery";
  cmd->add_option("--dir", c->dir,
                  "Gallery directory (gallery.db, gallery.key); default $OVERSIGHT_GALLERY_DIR "
                  "or ./oversight-data/gallery")
      ->capture_default_str();
  cmd->add_flag("--json", c->json, "Machine-readable output");
  if (collection_required) {
    cmd->add_option("--collection", c->collection, "Collection id ([a-zA-Z0-9_.-]{1,255})")
        ->required();
  }
}

void AddEnrollCommand(CLI::App* gallery, Context& ctx) {
  static EnrollArgs enroll;
  auto* c = gallery->add_subcommand(
      "enroll",
      "Enrol the photos listed in a CSV manifest. The header row names the columns:\n"
      "'image' (a path, relative to the manifest) and 'external_id' (the ExternalImageId,\n"
      "[a-zA-Z0-9_.-:]{1,255}) are required; every other column is kept as a string\n"
      "attribute, appended to --attributes-out (JSON Lines, 0600) for the proxy. Each photo\n"
      "goes through IndexFaces; rows that fail or yield no indexable face are listed with\n"
      "the reason and the rest are still enrolled (exit 1 if any row was rejected).\n"
      "Enrolling a photo twice adds its faces twice, as IndexFaces does.");
  AddCommon(c, &enroll.c, true);
  c->add_option("--manifest", enroll.manifest, "CSV manifest")->required();
  enroll.models =
      std::getenv("OVERSIGHT_MODELS_DIR") ? std::getenv("OVERSIGHT_MODELS_DIR") : "models";
  c->add_option("--models", enroll.models, "Face model directory ($OVERSIGHT_MODELS_DIR)")
      ->capture_default_str();
  c->add_option("--max-faces", enroll.max_faces,
                "Faces to index per photo, largest first (1 suits one-person photos)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  c->add_flag("--create", enroll.create, "Create the collection if it does not exist");
  c->add_option("--attributes-out", enroll.attributes_out,
                "Where to write the attributes (default <dir>/<collection>.attributes.jsonl)");
  c->callback([&ctx] { ctx.exit_code = RunEnroll(enroll); });
}

}  // namespace

void AddGalleryCommands(CLI::App& app, Context& ctx) {
  auto* gallery = app.add_subcommand(
      "gallery",
      "The encrypted face gallery the local matcher searches: create it, enrol photos in bulk,\n"
      "list what is enrolled. Exit codes: 0 ok, 1 some manifest rows were rejected,\n"
      "2 usage, I/O or key error.");
  gallery->require_subcommand(1);

  static Common init;
  auto* c = gallery->add_subcommand(
      "init", "Create an empty gallery: the SQLCipher database and its 0600 raw key file.");
  AddCommon(c, &init, false);
  c->callback([&ctx] { ctx.exit_code = RunInit(init); });

  AddEnrollCommand(gallery, ctx);

  static Common list;
  c = gallery->add_subcommand(
      "list", "List the collections (no --collection) or the faces of one collection.");
  AddCommon(c, &list, false);
  c->add_option("--collection", list.collection, "Collection whose faces to list");
  c->callback([&ctx] { ctx.exit_code = RunList(list); });
}

}  // namespace oversight::cli
