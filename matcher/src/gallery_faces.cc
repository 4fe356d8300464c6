// Gallery face operations: enrol, list, get, delete, search.
#include <openssl/rand.h>

#include <cmath>
#include <cstdlib>

#include "gallery_impl.h"
#include "gallery_schema.h"
#include "oversight/common/encoding.h"

namespace oversight::matcher {
namespace internal {

std::string NewUuid() {
  std::uint8_t b[16];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();          // no randomness: nothing safe to do
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  const std::string h = HexEncode(b);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Status NoCollection(std::string_view id) {
  return Status::NotFound("collection " + std::string(id) + " does not exist");
}

}  // namespace internal

using internal::CollectionPtr;
using internal::NoCollection;

namespace {

std::vector<FaceRecord> MakeRecords(const std::vector<NewFace>& faces, std::string_view external,
                                    std::string_view sha256, std::int64_t now) {
  const std::string image_id = internal::NewUuid();
  std::vector<FaceRecord> out;
  for (const NewFace& f : faces) {
    out.push_back({internal::NewUuid(), image_id, std::string(external), f.box, f.confidence,
                   f.descriptor, std::string(sha256), now});
  }
  return out;
}

Status WriteRecords(sqlite::Database& db, std::string_view collection,
                    const std::vector<FaceRecord>& records) {
  OVERSIGHT_ASSIGN_OR_RETURN(auto insert, db.Prepare(internal::kInsertFace));
  OVERSIGHT_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status s;
  for (const FaceRecord& r : records) {
    insert.Reset();
    internal::BindFaceRow(insert, collection, r);
    if (s = insert.Run(); !s.ok()) break;
  }
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

}  // namespace

StatusOr<std::vector<FaceRecord>> Gallery::AddFaces(std::string_view collection,
                                                    std::string_view external_image_id,
                                                    std::string_view image_sha256_hex,
                                                    const std::vector<NewFace>& faces) {
  for (const NewFace& f : faces) {
    for (float v : f.descriptor) {
      if (!std::isfinite(v)) return Status::InvalidArgument("descriptor has a non-finite value");
    }
  }
  std::lock_guard write(impl_->write_mu);
  CollectionPtr c = impl_->Find(collection);
  if (!c) return NoCollection(collection);
  auto records = MakeRecords(faces, external_image_id, image_sha256_hex,
                             internal::ToMillis(impl_->clock->Now()));
  OVERSIGHT_RETURN_IF_ERROR(WriteRecords(*impl_->db, collection, records));
  for (const FaceRecord& r : records) {
    {
      std::unique_lock lock(c->meta_mu);
      FaceRecord meta = r;
      meta.descriptor = {};
      c->faces.emplace(r.face_id, std::move(meta));
    }
    if (!c->index.Add(r.face_id, r.descriptor).ok()) std::abort();  // fresh UUID, checked values
  }
  return records;
}

StatusOr<std::vector<FaceRecord>> Gallery::ListFaces(std::string_view collection,
                                                     std::string_view after_face_id,
                                                     std::size_t max_results) const {
  CollectionPtr c = impl_->Find(collection);
  if (!c) return NoCollection(collection);
  std::vector<FaceRecord> out;
  std::shared_lock lock(c->meta_mu);
  for (auto it = c->faces.upper_bound(after_face_id);
       it != c->faces.end() && out.size() < max_results; ++it) {
    out.push_back(it->second);
  }
  lock.unlock();
  for (FaceRecord& r : out) r.descriptor = c->index.Get(r.face_id).value_or(Descriptor{});
  return out;
}

StatusOr<FaceRecord> Gallery::GetFace(std::string_view collection, std::string_view face_id) const {
  CollectionPtr c = impl_->Find(collection);
  if (!c) return NoCollection(collection);
  auto descriptor = c->index.Get(face_id);
  std::shared_lock lock(c->meta_mu);
  auto it = c->faces.find(face_id);
  if (it == c->faces.end() || !descriptor) {
    return Status::NotFound("face " + std::string(face_id) + " is not in " +
                            std::string(collection));
  }
  FaceRecord r = it->second;
  r.descriptor = *descriptor;
  return r;
}

StatusOr<std::vector<std::string>> Gallery::DeleteFaces(std::string_view collection,
                                                        const std::vector<std::string>& ids) {
  std::lock_guard write(impl_->write_mu);
  CollectionPtr c = impl_->Find(collection);
  if (!c) return NoCollection(collection);
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto del, impl_->db->Prepare("DELETE FROM faces WHERE collection = ? AND face_id = ?"));
  OVERSIGHT_RETURN_IF_ERROR(impl_->db->Exec("BEGIN IMMEDIATE"));
  std::vector<std::string> deleted;
  Status s;
  for (const std::string& id : ids) {
    if (!c->index.Contains(id)) continue;
    del.Reset();
    if (s = del.Bind(1, collection).Bind(2, id).Run(); !s.ok()) break;
    deleted.push_back(id);
  }
  if (s.ok()) s = impl_->db->Exec("COMMIT");
  if (!s.ok()) {
    (void)impl_->db->Exec("ROLLBACK");
    return s;
  }
  for (const std::string& id : deleted) {
    c->index.Remove(id);
    std::unique_lock lock(c->meta_mu);
    c->faces.erase(id);
  }
  return deleted;
}

StatusOr<std::vector<FaceMatch>> Gallery::Search(std::string_view collection,
                                                 const Descriptor& query, std::size_t max_results,
                                                 float max_distance) const {
  CollectionPtr c = impl_->Find(collection);
  if (!c) return NoCollection(collection);
  const auto hits = c->index.Search(query, max_results, max_distance);
  std::vector<FaceMatch> out;
  std::shared_lock lock(c->meta_mu);
  for (const SearchHit& h : hits) {
    auto it = c->faces.find(h.face_id);
    if (it == c->faces.end()) continue;  // deleted since the index was read
    out.push_back({it->second, h.distance});
  }
  return out;
}

}  // namespace oversight::matcher
