// The gallery: SQLCipher is the durable copy; every query is answered from memory (the
// per-collection FaceIndex plus face metadata), which is loaded at Open and updated after each
// committed write.
#include "oversight/matcher/gallery.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "gallery_impl.h"
#include "gallery_schema.h"

namespace oversight::matcher {

using internal::Collection;
using internal::CollectionPtr;
using internal::NoCollection;
using internal::ToMillis;

bool IsValidCollectionId(std::string_view id) {
  return !id.empty() && id.size() <= 255 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

Status Gallery::Impl::Load() {
  OVERSIGHT_ASSIGN_OR_RETURN(auto cols, db->Prepare("SELECT id, created_ms FROM collections"));
  for (;;) {
    OVERSIGHT_ASSIGN_OR_RETURN(bool row, cols.Step());
    if (!row) break;
    auto c = std::make_shared<Collection>();
    c->created_ms = cols.Int(1);
    collections.emplace(cols.Text(0), std::move(c));
  }
  OVERSIGHT_ASSIGN_OR_RETURN(auto faces, db->Prepare(internal::kSelectFaces));
  for (;;) {
    OVERSIGHT_ASSIGN_OR_RETURN(bool row, faces.Step());
    if (!row) break;
    OVERSIGHT_ASSIGN_OR_RETURN(FaceRecord r, internal::ReadFaceRow(faces));
    auto it = collections.find(faces.Text(0));
    if (it == collections.end()) return Status::Corruption("face of an unknown collection");
    OVERSIGHT_RETURN_IF_ERROR(it->second->index.Add(r.face_id, r.descriptor));
    r.descriptor = {};  // the index holds it
    it->second->faces.emplace(r.face_id, std::move(r));
  }
  return Status::Ok();
}

Gallery::Gallery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Gallery::~Gallery() = default;

StatusOr<std::unique_ptr<Gallery>> Gallery::Open(const std::string& path, const SecretBytes& key,
                                                 const Clock& clock) {
  auto impl = std::make_unique<Impl>();
  impl->clock = &clock;
  OVERSIGHT_ASSIGN_OR_RETURN(impl->db, sqlite::Database::Open(path, key, "gallery"));
  OVERSIGHT_RETURN_IF_ERROR(internal::PrepareSchema(*impl->db));
  OVERSIGHT_RETURN_IF_ERROR(impl->Load());
  return std::unique_ptr<Gallery>(new Gallery(std::move(impl)));
}

Status Gallery::CreateCollection(std::string_view id) {
  if (!IsValidCollectionId(id)) return Status::InvalidArgument("invalid collection id");
  std::lock_guard write(impl_->write_mu);
  if (impl_->Find(id)) return Status::AlreadyExists("collection " + std::string(id) + " exists");
  auto c = std::make_shared<Collection>();
  c->created_ms = ToMillis(impl_->clock->Now());
  OVERSIGHT_ASSIGN_OR_RETURN(
      auto ins, impl_->db->Prepare("INSERT INTO collections(id, created_ms) VALUES(?, ?)"));
  OVERSIGHT_RETURN_IF_ERROR(ins.Bind(1, id).Bind(2, c->created_ms).Run());
  std::unique_lock lock(impl_->map_mu);
  impl_->collections.emplace(std::string(id), std::move(c));
  return Status::Ok();
}

Status Gallery::DeleteCollection(std::string_view id) {
  std::lock_guard write(impl_->write_mu);
  if (!impl_->Find(id)) return NoCollection(id);
  OVERSIGHT_RETURN_IF_ERROR(impl_->db->Exec("BEGIN IMMEDIATE"));
  OVERSIGHT_ASSIGN_OR_RETURN(auto faces,
                             impl_->db->Prepare("DELETE FROM faces WHERE collection = ?"));
  OVERSIGHT_ASSIGN_OR_RETURN(auto col, impl_->db->Prepare("DELETE FROM collections WHERE id = ?"));
  Status s = faces.Bind(1, id).Run();
  if (s.ok()) s = col.Bind(1, id).Run();
  if (s.ok()) s = impl_->db->Exec("COMMIT");
  if (!s.ok()) {
    (void)impl_->db->Exec("ROLLBACK");
    return s;
  }
  std::unique_lock lock(impl_->map_mu);
  impl_->collections.erase(impl_->collections.find(id));
  return Status::Ok();
}

std::vector<std::string> Gallery::ListCollections() const {
  std::shared_lock lock(impl_->map_mu);
  std::vector<std::string> ids;
  for (const auto& [id, c] : impl_->collections) ids.push_back(id);
  return ids;
}

StatusOr<CollectionInfo> Gallery::DescribeCollection(std::string_view id) const {
  CollectionPtr c = impl_->Find(id);
  if (!c) return NoCollection(id);
  return CollectionInfo{std::string(id), c->created_ms, c->index.size()};
}

}  // namespace oversight::matcher
