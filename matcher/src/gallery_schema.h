// The gallery's on-disk schema (format "oversight-gallery", version 1) and row codecs.
#pragma once

#include "oversight/common/sqlite_db.h"
#include "oversight/common/status.h"
#include "oversight/matcher/gallery.h"

namespace oversight::matcher::internal {

using sqlite::Database;
using sqlite::Statement;

inline constexpr int kGalleryFormatVersion = 1;

// Creates the schema in a new database, or checks the format and version of an existing one.
// Turns on secure_delete for the connection.
Status PrepareSchema(Database& db);

// Columns: collection, then the FaceRecord fields (see ReadFaceRow).
inline constexpr const char* kSelectFaces =
    "SELECT collection, face_id, image_id, external_image_id, box_left, box_top, box_width,"
    " box_height, confidence, descriptor, image_sha256, indexed_ms FROM faces";

inline constexpr const char* kInsertFace =
    "INSERT INTO faces(collection, face_id, image_id, external_image_id, box_left, box_top,"
    " box_width, box_height, confidence, descriptor, image_sha256, indexed_ms)"
    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

// Reads a kSelectFaces row. Corruption if the descriptor blob is not 128 float32 values.
StatusOr<FaceRecord> ReadFaceRow(const Statement& row);
// Binds a FaceRecord to kInsertFace.
void BindFaceRow(Statement& insert, std::string_view collection, const FaceRecord& face);

}  // namespace oversight::matcher::internal
