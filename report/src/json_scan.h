// Finding members in JSON text without building a tree, for the replay's hot path: a request
// entry's payload is ~1.8 KB, of which replay needs the ~0.4 KB policy document (parsed
// properly by the policy library) and a handful of scalars. Bounds-checked throughout, so
// malformed bytes from an unverified source yield "not found", never a read past the end.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace oversight::report::internal {

// Calls fn(name, value_text) for each top-level member of `object` in order, stopping when fn
// returns false; false if the object is malformed. `name` is the raw (unescaped) key text.
template <typename Fn>
bool ForEachMember(std::string_view object, const Fn& fn);

// The text of the value of top-level member `key` of the object `object` ('{' ... '}'), or
// nullopt if absent or malformed. `key` must need no escaping (plain ASCII names).
std::optional<std::string_view> MemberValue(std::string_view object, std::string_view key);

// Calls fn(item_text) for each item of the array `array`; false if malformed.
template <typename Fn>
bool ForEachItem(std::string_view array, const Fn& fn);

// A JSON string value's contents, decoded; nullopt if `value` is not a string.
std::optional<std::string> StringValue(std::string_view value);

// The length of the JSON value at the start of `text` (after no whitespace), or 0 if malformed.
std::size_t ValueLength(std::string_view text);

template <typename Fn>
bool ForEachMember(std::string_view object, const Fn& fn) {
  if (object.size() < 2 || object.front() != '{') return false;
  std::size_t i = 1;
  if (object[i] == '}') return true;
  while (i < object.size() && object[i] == '"') {
    const std::size_t key_len = ValueLength(object.substr(i));
    if (key_len == 0 || i + key_len >= object.size() || object[i + key_len] != ':') return false;
    const std::string_view name = object.substr(i + 1, key_len - 2);
    i += key_len + 1;
    const std::size_t n = ValueLength(object.substr(i));
    if (n == 0 || i + n >= object.size()) return false;
    if (!fn(name, object.substr(i, n))) return true;
    i += n;
    if (object[i] == '}') return true;
    if (object[i] != ',') return false;
    ++i;
  }
  return false;
}

template <typename Fn>
bool ForEachItem(std::string_view array, const Fn& fn) {
  if (array.size() < 2 || array.front() != '[') return false;
  std::size_t i = 1;
  if (array[i] == ']') return true;
  while (i < array.size()) {
    const std::size_t n = ValueLength(array.substr(i));
    if (n == 0) return false;
    fn(array.substr(i, n));
    i += n;
    if (i >= array.size()) return false;
    if (array[i] == ']') return true;
    if (array[i] != ',') return false;
    ++i;
  }
  return false;
}

}  // namespace oversight::report::internal
