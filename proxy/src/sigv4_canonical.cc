// SigV4 parsing and canonicalisation: the deterministic text the signature is computed over.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "oversight/common/encoding.h"
#include "oversight/common/hash.h"
#include "oversight/proxy/sigv4.h"

namespace oversight::proxy {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Percent-encodes every byte outside RFC 3986 "unreserved" (upper-case hex), '/' included.
void AppendUriEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Lenient: a '%' not followed by two hex digits stays a literal '%' (then encoded as %25), so
// even a sloppy query has exactly one canonical form rather than an error of its own.
std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Trims and collapses runs of spaces to one, as SigV4 requires for header values.
void AppendCanonicalHeaderValue(std::string& out, std::string_view value) {
  bool in_space = false;
  for (char c : TrimWs(value)) {
    bool space = c == ' ' || c == '\t';
    if (space && in_space) continue;
    out.push_back(space ? ' ' : c);
    in_space = space;
  }
}

bool IsHeaderNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool ParseSignedHeaders(std::string_view text, std::vector<std::string>* out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(';', start), text.size());
    std::string_view name = text.substr(start, end - start);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsHeaderNameChar)) return false;
    if (!out->empty() && out->back() >= name) return false;  // must be sorted and unique
    out->emplace_back(name);
    start = end + 1;
  }
  return !out->empty();
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool ParseCredential(std::string_view value, ParsedAuthorization* out) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = value.find('/', start);
    parts.push_back(value.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5) return false;
  for (std::string_view p : parts) {
    if (p.empty()) return false;
  }
  out->access_key_id = parts[0];
  out->date = parts[1];
  out->region = parts[2];
  out->service = parts[3];
  out->terminator = parts[4];
  return true;
}

AwsError Incomplete(std::string message) {
  return {ErrorType::kIncompleteSignature, std::move(message)};
}

}  // namespace

std::string ParsedAuthorization::Scope() const {
  return date + "/" + region + "/" + service + "/" + terminator;
}

std::optional<ParsedAuthorization> ParseAuthorization(std::string_view header, AwsError* error) {
  header = TrimWs(header);
  std::size_t space = header.find(' ');
  if (header.substr(0, space) != kSigV4Algorithm) {
    *error = Incomplete("unsupported authorization algorithm; only AWS4-HMAC-SHA256 is accepted");
    return std::nullopt;
  }
  ParsedAuthorization parsed;
  bool have_credential = false, have_signed = false, have_signature = false;
  std::string_view rest = space == std::string_view::npos ? "" : header.substr(space + 1);
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view item = TrimWs(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    std::size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : item.substr(eq + 1);
    bool ok = eq != std::string_view::npos;
    if (key == "Credential" && !have_credential) {
      ok = ok && ParseCredential(value, &parsed);
      have_credential = true;
    } else if (key == "SignedHeaders" && !have_signed) {
      ok = ok && ParseSignedHeaders(value, &parsed.signed_headers);
      have_signed = true;
    } else if (key == "Signature" && !have_signature) {
      ok = ok && IsLowerHex64(value);
      parsed.signature = value;
      have_signature = true;
    } else {
      ok = false;
    }
    if (!ok) {
      *error = Incomplete("malformed or repeated Authorization component '" +
                          std::string(key.substr(0, 32)) + "'");
      return std::nullopt;
    }
  }
  if (!have_credential || !have_signed || !have_signature) {
    *error = Incomplete("Authorization header requires Credential, SignedHeaders and Signature");
    return std::nullopt;
  }
  return parsed;
}

std::string CanonicalUri(std::string_view path) {
  // Remove dot segments and empty segments (RFC 3986 §5.2.4 semantics on whole segments).
  std::vector<std::string_view> segments;
  std::size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (start <= path.size()) {
    std::size_t end = std::min(path.find('/', start), path.size());
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  bool trailing_slash = !segments.empty() && path.size() > 1 &&
                        (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    AppendUriEncoded(out, segments[i]);
  }
  if (trailing_slash) out.push_back('/');
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t end = std::min(query.find('&', start), query.size());
    std::string_view item = query.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string key, value;
    AppendUriEncoded(key, PercentDecode(item.substr(0, eq)));
    if (eq != std::string_view::npos) AppendUriEncoded(value, PercentDecode(item.substr(eq + 1)));
    params.emplace_back(std::move(key), std::move(value));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::optional<std::string> CanonicalRequest(const Request& request,
                                            const std::vector<std::string>& signed_headers,
                                            AwsError* error) {
  std::string out = request.method + "\n" + CanonicalUri(request.path) + "\n" +
                    CanonicalQuery(request.query) + "\n";
  std::string joined_names;
  for (const std::string& name : signed_headers) {
    std::vector<std::string_view> values = HeaderValues(request.headers, name);
    if (values.empty()) {
      *error = Incomplete("signed header '" + name + "' is missing from the request");
      return std::nullopt;
    }
    out += name + ":";
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendCanonicalHeaderValue(out, values[i]);
    }
    out.push_back('\n');
    if (!joined_names.empty()) joined_names.push_back(';');
    joined_names += name;
  }
  out += "\n" + joined_names + "\n" + HexEncode(Sha256(request.body));
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out += "\n";
  out += amz_date;
  out += "\n";
  out += scope;
  out += "\n";
  out += HexEncode(Sha256(canonical_request));
  return out;
}

}  // namespace oversight::proxy
