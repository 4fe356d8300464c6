// Gallery internals shared by gallery.cc (collections) and gallery_faces.cc (faces).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "oversight/matcher/gallery.h"
#include "oversight/common/sqlite_db.h"

namespace oversight::matcher {
namespace internal {

// A collection in memory: descriptors in the index, everything else in `faces`.
// Writers add metadata before the index entry and remove the index entry first, so a search
// hit always finds its metadata (or is skipped if deleted in between).
struct Collection {
  std::int64_t created_ms = 0;
  FaceIndex index;
  mutable std::shared_mutex meta_mu;
  std::map<std::string, FaceRecord, std::less<>> faces;  // guarded by meta_mu; no descriptors
};
using CollectionPtr = std::shared_ptr<Collection>;

std::string NewUuid();  // random (v4)
std::int64_t ToMillis(TimePoint t);
Status NoCollection(std::string_view id);

}  // namespace internal

struct Gallery::Impl {
  std::unique_ptr<sqlite::Database> db;
  const Clock* clock = nullptr;
  std::mutex write_mu;  // serialises writers and owns the (NOMUTEX) connection for them
  mutable std::shared_mutex map_mu;
  std::map<std::string, internal::CollectionPtr, std::less<>> collections;  // guarded by map_mu

  internal::CollectionPtr Find(std::string_view id) const {
    std::shared_lock lock(map_mu);
    auto it = collections.find(id);
    return it == collections.end() ? nullptr : it->second;
  }
  Status Load();
};

}  // namespace oversight::matcher
