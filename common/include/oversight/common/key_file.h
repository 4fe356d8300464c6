// Key files: secrets live in files only their owner can read.
//
// Every reader refuses a key file that is not a regular file owned by the current user with
// no group or other permission bits (0600 or 0400), with a message that says how to fix it.
// Writers create files with O_EXCL and mode 0600 and sync them before returning.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "oversight/common/secret.h"
#include "oversight/common/status.h"

namespace oversight {

// Checks ownership and mode without reading. PermissionDenied if loose, NotFound if missing.
Status CheckKeyFilePermissions(const std::string& path);

// Reads a whole key file after CheckKeyFilePermissions. Files over 64 KiB are refused.
StatusOr<SecretBytes> ReadKeyFile(const std::string& path);

// Reads a raw 256-bit key stored as 64 hex characters (an optional trailing newline).
StatusOr<SecretBytes> ReadRawKey256(const std::string& path);

// Creates `path` (must not exist) with mode 0600 and writes `contents`, then fsyncs it.
Status WriteNewKeyFile(const std::string& path, std::span<const std::uint8_t> contents);

// Creates a fresh random 256-bit key (OS CSPRNG) and writes it as hex to a new 0600 file.
Status CreateRawKey256File(const std::string& path);

// Writes a non-secret file atomically (temp file, fsync, rename) with the given mode.
Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode = 0644);

// Reads a whole (non-secret) file, refusing more than max_bytes.
StatusOr<std::string> ReadSmallFile(const std::string& path, std::size_t max_bytes = 16 << 20);

}  // namespace oversight
