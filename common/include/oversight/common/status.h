// Status and StatusOr: the one way fallible calls report failure across module boundaries.
//
// Modelled on leveldb::Status and absl::Status: a small value with a canonical code and a
// human-readable message. No exception crosses a module boundary; untrusted input yields a
// Status, a violated internal invariant aborts.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace oversight {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller's input is malformed (bad JSON, bad flag, bad image)
  kNotFound,            // a named thing does not exist (file, entry, collection)
  kAlreadyExists,       // creating something that is already there
  kPermissionDenied,    // refused by policy or by file permissions (e.g. a key file not 0600)
  kUnauthenticated,     // bad or missing credentials or key (e.g. the wrong ledger key)
  kFailedPrecondition,  // the system is not in a state that allows this (e.g. ledger poisoned)
  kCorruption,          // stored bytes fail an integrity check
  kIOError,             // the operating system or storage failed
  kResourceExhausted,   // a limit was reached (disk full, rate limit, size cap)
  kUnavailable,         // a dependency is down; retrying later may help
  kInternal,            // a bug or an unexpected library failure
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status ResourceExhausted(std::string m) {
    return {StatusCode::kResourceExhausted, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "Corruption: entry 17: leaf hash mismatch"
  std::string ToString() const;

  // Returns a copy whose message is prefixed with context: "opening ledger: <message>".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none. Accessing the value of a failed
// StatusOr aborts: check ok() first.
template <typename T>
class [[nodiscard]] StatusOr {
  static_assert(!std::is_same_v<T, Status>, "StatusOr<Status> is meaningless");

 public:
  StatusOr(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(v_).ok()) std::abort();     // an OK status carries no value
  }
  StatusOr(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { return Checked(); }
  const T& value() const& { return const_cast<StatusOr*>(this)->Checked(); }
  T&& value() && { return std::move(Checked()); }
  T& operator*() & { return Checked(); }
  const T& operator*() const& { return const_cast<StatusOr*>(this)->Checked(); }
  T* operator->() { return &Checked(); }
  const T* operator->() const { return &const_cast<StatusOr*>(this)->Checked(); }

 private:
  T& Checked() {
    if (!ok()) std::abort();
    return std::get<T>(v_);
  }
  std::variant<Status, T> v_;
};

}  // namespace oversight

// Propagates a failed Status to the caller.
#define OVERSIGHT_RETURN_IF_ERROR(expr) \
  do {                                  \
    ::oversight::Status _st = (expr);   \
    if (!_st.ok()) return _st;          \
  } while (0)

#define OVERSIGHT_CONCAT_INNER_(a, b) a##b
#define OVERSIGHT_CONCAT_(a, b) OVERSIGHT_CONCAT_INNER_(a, b)
// Declares `lhs` from a StatusOr, or returns its Status.
#define OVERSIGHT_ASSIGN_OR_RETURN(lhs, expr) \
  OVERSIGHT_ASSIGN_OR_RETURN_IMPL_(OVERSIGHT_CONCAT_(_so_, __LINE__), lhs, expr)
#define OVERSIGHT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp.ok()) return tmp.status();                    \
  lhs = std::move(tmp).value()
