#include "oversight/proxy/http_types.h"

#include <algorithm>
#include <cctype>

namespace oversight::proxy {

bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::vector<std::string_view> HeaderValues(const HeaderList& headers, std::string_view name) {
  std::vector<std::string_view> values;
  for (const auto& [n, v] : headers) {
    if (HeaderNameEquals(n, name)) values.emplace_back(v);
  }
  return values;
}

bool SingleHeader(const HeaderList& headers, std::string_view name, std::string_view* value) {
  std::vector<std::string_view> values = HeaderValues(headers, name);
  if (values.size() != 1) return false;
  *value = values.front();
  return true;
}

void SetHeader(HeaderList& headers, std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return HeaderNameEquals(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

}  // namespace oversight::proxy
