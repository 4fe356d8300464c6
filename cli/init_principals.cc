// `oversight init`, step principals: one fresh access key per demo principal, written to the
// proxy's principals file and, for the AWS CLI, to a shared-credentials file with one profile
// per principal. Both are 0600: each holds every secret access key. Secrets are built in
// buffers that are wiped after writing and are never printed.
#include <openssl/crypto.h>
#include <sys/random.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "init_steps.h"
#include "oversight/common/encoding.h"
#include "oversight/common/key_file.h"

namespace oversight::cli::init {
namespace {

// Wipes its string on destruction (the secret-bearing texts below).
class WipedString {
 public:
  WipedString() = default;
  ~WipedString() { OPENSSL_cleanse(s_.data(), s_.size()); }
  WipedString(const WipedString&) = delete;
  WipedString& operator=(const WipedString&) = delete;
  std::string& get() { return s_; }

 private:
  std::string s_;
};

// `n` characters drawn uniformly from `alphabet` (whose size divides 256, so masking a random
// byte has no bias) with getrandom(2), the OS CSPRNG.
Status RandomChars(std::string_view alphabet, std::size_t n, std::string* out) {
  unsigned char bytes[64];
  if (n > sizeof bytes || 256 % alphabet.size() != 0) return Status::Internal("RandomChars");
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(bytes + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::IOError("getrandom failed");
    got += static_cast<std::size_t>(r);
  }
  for (std::size_t i = 0; i < n; ++i) out->push_back(alphabet[bytes[i] % alphabet.size()]);
  OPENSSL_cleanse(bytes, sizeof bytes);
  return Status::Ok();
}

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Appends one principal to the principals JSON and the credentials INI text.
Status AddPrincipal(const DemoPrincipal& p, bool first, std::string* principals,
                    std::string* credentials) {
  std::string key_id = "AKIA";  // AWS's prefix for long-term keys; the CLI shows it as such
  OVERSIGHT_RETURN_IF_ERROR(RandomChars(kBase32, 16, &key_id));
  WipedString secret;
  OVERSIGHT_RETURN_IF_ERROR(RandomChars(kBase64, 40, &secret.get()));
  // Both alphabets need no JSON or INI escaping. Appended piece by piece into buffers reserved
  // up front, so no temporary or reallocated copy of the secret is left unwiped.
  const std::string json_tail = "\", \"principal_id\": " + nlohmann::json(p.id).dump() +
                                ", \"agency\": " + nlohmann::json(p.agency).dump() +
                                ", \"roles\": [" + nlohmann::json(p.role).dump() + "]}";
  principals->append(first ? "" : ",\n").append("    \"").append(key_id);
  principals->append("\": {\"secret_access_key\": \"").append(secret.get()).append(json_tail);
  credentials->append("[").append(p.id).append("]\naws_access_key_id = ").append(key_id);
  credentials->append("\naws_secret_access_key = ").append(secret.get()).append("\n\n");
  return Status::Ok();
}

std::string AwsConfigText() {
  // [default] serves case-session credentials, which come from the environment, not a profile.
  std::string text =
      "# AWS CLI profiles for the Oversight demo principals (written by oversight init).\n"
      "[default]\nregion = " +
      std::string(kDemoRegion) + "\noutput = json\n\n";
  for (const DemoPrincipal& p : kDemoPrincipals) {
    text += "[profile " + std::string(p.id) + "]\nregion = " + std::string(kDemoRegion) +
            "\noutput = json\n\n";
  }
  return text;
}

// Fresh keys for every principal, written to both files (neither may exist yet).
Status WriteFreshKeys(const std::string& principals_path, const std::string& credentials_path) {
  WipedString principals, credentials;
  principals.get().reserve(8192);
  credentials.get().reserve(8192);
  principals.get() = "{\n  \"version\": 1,\n  \"access_keys\": {\n";
  credentials.get() =
      "# Secret access keys of the Oversight demo principals (written by oversight init).\n";
  bool first = true;
  for (const DemoPrincipal& p : kDemoPrincipals) {
    OVERSIGHT_RETURN_IF_ERROR(AddPrincipal(p, first, &principals.get(), &credentials.get()));
    first = false;
  }
  principals.get() += "\n  }\n}\n";
  OVERSIGHT_RETURN_IF_ERROR(WriteNewKeyFile(principals_path, AsBytes(principals.get())));
  return WriteNewKeyFile(credentials_path, AsBytes(credentials.get()));
}

}  // namespace

Status MakePrincipals(Report* report) {
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path("aws"), 0700));
  const std::string principals = report->Path("principals.json");
  const std::string credentials = report->Path("aws/credentials");
  const bool have_principals = Exists(principals), have_credentials = Exists(credentials);
  if (have_principals != have_credentials) {
    return Status::FailedPrecondition(
        (have_principals ? principals : credentials) +
        " exists without its partner (principals.json and aws/credentials hold the same keys); "
        "remove it to make fresh keys");
  }
  const bool kept = have_principals;
  if (!kept) OVERSIGHT_RETURN_IF_ERROR(WriteFreshKeys(principals, credentials));
  // The profile file holds no secret; 0600 anyway, like the AWS CLI's own ~/.aws files.
  OVERSIGHT_RETURN_IF_ERROR(WriteFileAtomically(report->Path("aws/config"), AwsConfigText(), 0600));
  report->Add("principals.json",
              "access keys of det.jones, rec.admin, aud.smith, pol.analyst, "
              "ops.root (one per role)",
              true, kept);
  report->Add("aws/credentials", "AWS CLI profiles with the same keys", true, kept);
  report->Add("aws/config", "AWS CLI profiles' region (" + std::string(kDemoRegion) + ")", true);
  return Status::Ok();
}

}  // namespace oversight::cli::init
