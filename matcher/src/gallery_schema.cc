#include "gallery_schema.h"

#include <bit>
#include <cstring>

namespace oversight::matcher::internal {
namespace {

constexpr const char* kFormatName = "oversight-gallery";

constexpr const char* kSchema =
    "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE collections(id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE faces(face_id TEXT PRIMARY KEY, collection TEXT NOT NULL,"
    " image_id TEXT NOT NULL, external_image_id TEXT NOT NULL,"
    " box_left REAL NOT NULL, box_top REAL NOT NULL, box_width REAL NOT NULL,"
    " box_height REAL NOT NULL, confidence REAL NOT NULL, descriptor BLOB NOT NULL,"
    " image_sha256 TEXT NOT NULL, indexed_ms INTEGER NOT NULL);"
    "CREATE INDEX faces_by_collection ON faces(collection, face_id);";

StatusOr<std::string> MetaValue(Database& db, const char* name) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto q, db.Prepare("SELECT value FROM meta WHERE name = ?"));
  OVERSIGHT_ASSIGN_OR_RETURN(bool row, q.Bind(1, std::string_view(name)).Step());
  if (!row)
    return Status::InvalidArgument("not an Oversight gallery (no " + std::string(name) + ")");
  return q.Text(0);
}

Status CreateSchema(Database& db) {
  OVERSIGHT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s = db.Exec(kSchema);
  if (s.ok()) {
    const std::string meta = std::string("INSERT INTO meta VALUES('format', '") + kFormatName +
                             "'), ('version', '" + std::to_string(kGalleryFormatVersion) + "');";
    s = db.Exec(meta.c_str());
  }
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

}  // namespace

Status PrepareSchema(Database& db) {
  // secure_delete: freed pages are zeroed, so a deleted descriptor does not survive in the file.
  OVERSIGHT_RETURN_IF_ERROR(db.Exec("PRAGMA secure_delete = ON; PRAGMA synchronous = FULL;"));
  OVERSIGHT_ASSIGN_OR_RETURN(auto tables, db.Prepare("SELECT count(*) FROM sqlite_master"));
  OVERSIGHT_ASSIGN_OR_RETURN(bool row, tables.Step());
  if (row && tables.Int(0) == 0) return CreateSchema(db);
  OVERSIGHT_ASSIGN_OR_RETURN(std::string format, MetaValue(db, "format"));
  if (format != kFormatName) return Status::InvalidArgument("not an Oversight gallery");
  OVERSIGHT_ASSIGN_OR_RETURN(std::string version, MetaValue(db, "version"));
  if (version != std::to_string(kGalleryFormatVersion)) {
    return Status::FailedPrecondition("gallery format version " + version + "; this build reads " +
                                      std::to_string(kGalleryFormatVersion));
  }
  return Status::Ok();
}

StatusOr<FaceRecord> ReadFaceRow(const Statement& row) {
  FaceRecord r;
  r.face_id = row.Text(1);
  r.image_id = row.Text(2);
  r.external_image_id = row.Text(3);
  r.box = {row.Real(4), row.Real(5), row.Real(6), row.Real(7)};
  r.confidence = row.Real(8);
  const auto blob = row.Blob(9);
  if (blob.size() != sizeof(Descriptor)) {
    return Status::Corruption("face " + r.face_id + " has a malformed descriptor");
  }
  static_assert(std::endian::native == std::endian::little, "descriptors are stored LE");
  std::memcpy(r.descriptor.data(), blob.data(), blob.size());
  r.image_sha256 = row.Text(10);
  r.indexed_at_ms = row.Int(11);
  return r;
}

void BindFaceRow(Statement& insert, std::string_view collection, const FaceRecord& f) {
  const auto* d = reinterpret_cast<const std::uint8_t*>(f.descriptor.data());
  insert.Bind(1, collection)
      .Bind(2, f.face_id)
      .Bind(3, f.image_id)
      .Bind(4, f.external_image_id)
      .Bind(5, f.box.left)
      .Bind(6, f.box.top)
      .Bind(7, f.box.width)
      .Bind(8, f.box.height)
      .Bind(9, f.confidence)
      .Bind(10, std::span<const std::uint8_t>(d, sizeof(Descriptor)))
      .Bind(11, f.image_sha256)
      .Bind(12, f.indexed_at_ms);
}

}  // namespace oversight::matcher::internal
