// `oversight init`, step tls/: the development PKI (proxy/dev_pki.h) for HTTPS and mTLS demos.
#include "init_steps.h"
#include "oversight/proxy/dev_pki.h"

namespace oversight::cli::init {
namespace {

using proxy::CertKeyPaths;

struct Pair {
  std::string name;  // file stem inside tls/
  std::string what;
};

CertKeyPaths PathsOf(const Report& r, const Pair& p) {
  return {r.Path("tls/" + p.name + ".pem"), r.Path("tls/" + p.name + ".key")};
}

// A pair whose key exists is kept as it is; its certificate must then exist too, since a new
// certificate for an old key is not something init should guess at.
StatusOr<bool> KeepExisting(const CertKeyPaths& p) {
  if (!Exists(p.key)) return false;
  if (!Exists(p.cert)) {
    return Status::FailedPrecondition(p.key + " exists but " + p.cert +
                                      " does not; remove the key to issue a new pair");
  }
  return true;
}

void Record(Report* r, const Pair& p, bool kept) {
  r->Add("tls/" + p.name + ".pem", p.what + " certificate", false, kept);
  r->Add("tls/" + p.name + ".key", p.what + " private key", true, kept);
}

}  // namespace

Status MakeTls(Report* report) {
  OVERSIGHT_RETURN_IF_ERROR(MakeDir(report->Path("tls"), 0700));
  const Pair ca_pair{"ca", "development CA"};
  const Pair server_pair{"server", "HTTPS server (localhost, 127.0.0.1, ::1)"};
  std::vector<Pair> client_pairs;
  for (std::string_view id : kClientCertPrincipals) {
    client_pairs.push_back({"client-" + std::string(id),
                            "mutual-TLS and console client (CN=" + std::string(id) + ")"});
  }
  const CertKeyPaths ca = PathsOf(*report, ca_pair);
  OVERSIGHT_ASSIGN_OR_RETURN(bool ca_kept, KeepExisting(ca));
  if (!ca_kept) {
    OVERSIGHT_RETURN_IF_ERROR(proxy::CreateDevCa(ca, "Oversight development CA"));
  }
  Record(report, ca_pair, ca_kept);
  std::vector<const Pair*> leaves = {&server_pair};
  for (const Pair& p : client_pairs) leaves.push_back(&p);
  for (const Pair* leaf : leaves) {
    const CertKeyPaths out = PathsOf(*report, *leaf);
    OVERSIGHT_ASSIGN_OR_RETURN(bool kept, KeepExisting(out));
    if (kept && !ca_kept) {
      return Status::FailedPrecondition(out.key + " was issued by an earlier CA; remove tls/" +
                                        leaf->name + ".* to issue it from the new one");
    }
    if (!kept && leaf == &server_pair) {
      OVERSIGHT_RETURN_IF_ERROR(proxy::IssueDevServerCert(ca, out));
    } else if (!kept) {
      // "client-<id>": the common name is the principal id (docs/console.md, "Sign-in").
      OVERSIGHT_RETURN_IF_ERROR(proxy::IssueDevClientCert(ca, leaf->name.substr(7), out));
    }
    Record(report, *leaf, kept);
  }
  return Status::Ok();
}

}  // namespace oversight::cli::init
