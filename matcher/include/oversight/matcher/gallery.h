// Gallery: the encrypted store of enrolled faces, with in-memory search.
//
// One SQLCipher database (raw 256-bit key; the caller reads it from a 0600 key file with
// ReadRawKey256) holds collections and their faces: FaceId and ImageId (UUIDs),
// ExternalImageId, bounding box, confidence, the 128-D descriptor and the enrolment time. No
// photo is stored, only the SHA-256 of the enrolled image. Deleting a face or collection
// overwrites its rows on disk (`secure_delete`), so a deleted descriptor is gone for good.
// Format: docs/matcher.md, "Gallery".
//
// Search is 1:N over a collection's contiguous in-memory FaceIndex, loaded at Open and updated
// after every committed write. Thread safety: all methods may be called concurrently; writes
// are serialised on the database connection, searches run in parallel with them and see each
// write entirely or not at all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oversight/common/clock.h"
#include "oversight/common/secret.h"
#include "oversight/common/status.h"
#include "oversight/matcher/face_index.h"
#include "oversight/matcher/face_model.h"

namespace oversight::matcher {

// A face to enrol. `box` is in ratios of the image (Rekognition's BoundingBox convention).
struct NewFace {
  Box box;
  double confidence = 0;
  Descriptor descriptor{};
};

struct FaceRecord {
  std::string face_id;   // UUID v4, assigned by the gallery
  std::string image_id;  // UUID v4, one per AddFaces call
  std::string external_image_id;
  Box box;
  double confidence = 0;
  Descriptor descriptor{};
  std::string image_sha256;  // hex
  std::int64_t indexed_at_ms = 0;
};

struct CollectionInfo {
  std::string id;
  std::int64_t created_at_ms = 0;
  std::size_t face_count = 0;
};

struct FaceMatch {
  FaceRecord face;
  float distance = 0;
};

class Gallery {
 public:
  // Opens `path`, creating it (mode 0600) if absent. Unauthenticated for a wrong key or a
  // file that is not a gallery; the key must be 32 bytes. `clock` must outlive the gallery.
  static StatusOr<std::unique_ptr<Gallery>> Open(const std::string& path, const SecretBytes& key,
                                                 const Clock& clock = SystemClock::Instance());
  ~Gallery();
  Gallery(const Gallery&) = delete;
  Gallery& operator=(const Gallery&) = delete;

  // Collection ids: 1-255 characters of [a-zA-Z0-9_.-] (Rekognition's rule), else
  // InvalidArgument. Unknown ids are NotFound; CreateCollection of an existing id is
  // AlreadyExists.
  Status CreateCollection(std::string_view id);
  Status DeleteCollection(std::string_view id);
  std::vector<std::string> ListCollections() const;
  StatusOr<CollectionInfo> DescribeCollection(std::string_view id) const;

  // Enrols the faces of one image in one transaction; returns their records.
  StatusOr<std::vector<FaceRecord>> AddFaces(std::string_view collection,
                                             std::string_view external_image_id,
                                             std::string_view image_sha256_hex,
                                             const std::vector<NewFace>& faces);
  // Faces in FaceId order, starting after `after_face_id` (empty: from the start).
  StatusOr<std::vector<FaceRecord>> ListFaces(std::string_view collection,
                                              std::string_view after_face_id,
                                              std::size_t max_results) const;
  StatusOr<FaceRecord> GetFace(std::string_view collection, std::string_view face_id) const;
  // Returns the ids that existed and were deleted.
  StatusOr<std::vector<std::string>> DeleteFaces(std::string_view collection,
                                                 const std::vector<std::string>& face_ids);

  // Up to `max_results` faces within `max_distance`, nearest first.
  StatusOr<std::vector<FaceMatch>> Search(std::string_view collection, const Descriptor& query,
                                          std::size_t max_results, float max_distance) const;

 private:
  struct Impl;
  explicit Gallery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for Rekognition-valid collection ids.
bool IsValidCollectionId(std::string_view id);

}  // namespace oversight::matcher
