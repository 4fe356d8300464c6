// The console through the request path (docs/console.md): its files, sign-in by link and by
// client certificate, the cookie standing in for a signature, sign-out, and the ledger entries.
#include <gtest/gtest.h>

#include "gateway_fixture.h"
#include "oversight/proxy/console_auth.h"

namespace oversight::proxy::testing {
namespace {

class ConsoleGatewayTest : public GatewayTest {
 protected:
  std::string Link(const std::string& principal, const SecretBytes* key = nullptr) {
    auto t = MakeSignInToken(key ? *key : console_key_, principal, clock_.Now(),
                             clock_.Now() + std::chrono::minutes(10));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : std::string();
  }

  Request ConsoleRequest(const std::string& method, const std::string& path, const Json& body = {},
                         bool marker = true) {
    Request r = Api(method, path, body);
    if (marker) r.headers.push_back({"X-Oversight-Console", "1"});
    return r;
  }

  Response SignIn(const Json& body, const std::string& cert_cn = "") {
    Request r = ConsoleRequest("POST", "/console/session", body);
    r.client_cert_cn = cert_cn;
    return gateway_->Handle(r);
  }

  // The cookie's value from a sign-in's Set-Cookie.
  std::string CookieOf(const Response& r) {
    const std::string set = Header(r, "Set-Cookie");
    const std::string prefix = std::string(kConsoleCookieName) + "=";
    EXPECT_EQ(set.rfind(prefix, 0), 0u) << set;
    return set.substr(prefix.size(), set.find(';') - prefix.size());
  }

  Response WithCookie(Request r, const std::string& cookie) {
    r.headers.push_back(
        {"Cookie", "theme=dark; " + std::string(kConsoleCookieName) + "=" + cookie});
    return gateway_->Handle(r);
  }
};

TEST_F(ConsoleGatewayTest, ASignInLinkStartsASessionWithAStrictCookieAndIsLogged) {
  const std::string token = Link("aud.smith");
  Response r = SignIn({{"token", token}});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string set = Header(r, "Set-Cookie");
  for (const char* attribute :
       {"; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict", "; Max-Age=28800"}) {
    EXPECT_NE(set.find(attribute), std::string::npos) << attribute << " missing in " << set;
  }
  EXPECT_EQ(Body(r)["Principal"], "aud.smith");
  EXPECT_EQ(Body(r)["Roles"], Json::array({"auditor"}));
  EXPECT_FALSE(Header(r, "Content-Security-Policy").empty());

  const Json entry = LastEntry();
  EXPECT_EQ(entry["operation"], "console.sign_in");
  EXPECT_EQ(entry["decision"]["allow"], true);
  EXPECT_EQ(entry["principal"]["id"], "aud.smith");
  EXPECT_EQ(entry["principal"]["via"], "link");
  // Neither the token nor the cookie reaches the ledger.
  EXPECT_EQ(entry.dump().find(token.substr(0, 20)), std::string::npos);
  EXPECT_EQ(entry.dump().find(CookieOf(r)), std::string::npos);
}

TEST_F(ConsoleGatewayTest, ALinkSignsInOnceAndTheSecondTryIsARefusalInTheLedger) {
  const std::string token = Link("aud.smith");
  ASSERT_EQ(SignIn({{"token", token}}).status, 200);
  Response again = SignIn({{"token", token}});
  EXPECT_EQ(Body(again)["__type"], "UnrecognizedClientException");
  EXPECT_NE(Body(again)["message"].get<std::string>().find("used already"), std::string::npos);
  EXPECT_TRUE(Header(again, "Set-Cookie").empty());
  EXPECT_EQ(LastEntry()["decision"]["allow"], false);
}

TEST_F(ConsoleGatewayTest, ALinkFromAnotherKeyOrForAnUnknownPrincipalIsRefused) {
  const SecretBytes other(std::vector<std::uint8_t>(32, 0x11));
  EXPECT_EQ(Body(SignIn({{"token", Link("aud.smith", &other)}}))["__type"],
            "UnrecognizedClientException");
  Response unknown = SignIn({{"token", Link("nobody")}});
  EXPECT_NE(Body(unknown)["message"].get<std::string>().find("no principal nobody"),
            std::string::npos);
  EXPECT_EQ(LastEntry()["principal"]["id"], "nobody");
}

TEST_F(ConsoleGatewayTest, SignInNeedsTheConsoleHeader) {
  Request r = ConsoleRequest("POST", "/console/session", {{"token", Link("aud.smith")}},
                             /*marker=*/false);
  Response response = gateway_->Handle(r);
  EXPECT_EQ(Body(response)["__type"], "AccessDeniedException");
  EXPECT_EQ(LastEntry()["operation"], "console.sign_in");
}

TEST_F(ConsoleGatewayTest, AClientCertificateSignsInItsCommonName) {
  Response r = SignIn({{"certificate", true}}, "aud.smith");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(LastEntry()["principal"]["via"], "certificate");
  EXPECT_EQ(Body(SignIn({{"certificate", true}}, ""))["__type"], "UnrecognizedClientException");
  EXPECT_EQ(Body(SignIn({{"certificate", true}}, "mallory"))["__type"],
            "UnrecognizedClientException");
}

TEST_F(ConsoleGatewayTest, TheCookieStandsInForASignatureOnlyWithTheConsoleHeader) {
  const std::string cookie = CookieOf(SignIn({{"token", Link("aud.smith")}}));
  Response who = WithCookie(ConsoleRequest("GET", "/oversight/v1/whoami"), cookie);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(Body(who)["Principal"], "aud.smith");
  EXPECT_EQ(Body(who)["Via"], "console");
  EXPECT_TRUE(Body(who).contains("Expires"));
  EXPECT_EQ(Header(who, "Cache-Control"), "no-store");

  const std::uint64_t before = EntryCount();
  Response forged = WithCookie(
      ConsoleRequest("GET", "/oversight/v1/ledger/entries", {}, /*marker=*/false), cookie);
  EXPECT_EQ(Body(forged)["__type"], "AccessDeniedException");
  EXPECT_EQ(EntryCount(), before + 1);  // refused, and logged
  EXPECT_EQ(LastEntry()["decision"]["stage"], "authentication");

  Response read = WithCookie(ConsoleRequest("GET", "/oversight/v1/ledger/entries"), cookie);
  EXPECT_EQ(read.status, 200) << read.body;
}

TEST_F(ConsoleGatewayTest, ConsoleCallersKeepTheirRoles) {
  const std::string cookie = CookieOf(SignIn({{"token", Link("pol.analyst")}}));
  Response r = WithCookie(ConsoleRequest("GET", "/oversight/v1/ledger/entries"), cookie);
  EXPECT_EQ(Body(r)["__type"], "AccessDeniedException");
  EXPECT_NE(r.body.find("may not call ledger.read"), std::string::npos);
  EXPECT_EQ(LastEntry()["decision"]["stage"], "role");
  EXPECT_EQ(LastEntry()["principal"]["via"], "console");
}

TEST_F(ConsoleGatewayTest, TheCookieDoesNotSignRekognitionCalls) {
  const std::string cookie = CookieOf(SignIn({{"token", Link("det.jones")}}));
  Request search =
      Rekognition("SearchFacesByImage", {{"CollectionId", "booking"}}, WarrantedContext());
  search.headers.push_back({"X-Oversight-Console", "1"});
  Response r = WithCookie(search, cookie);
  EXPECT_EQ(Body(r)["__type"], "MissingAuthenticationTokenException") << r.body;
  EXPECT_EQ(upstream_.Calls().size(), 0u);
}

TEST_F(ConsoleGatewayTest, SigningOutEndsTheSession) {
  const std::string cookie = CookieOf(SignIn({{"token", Link("aud.smith")}}));
  Response out = WithCookie(ConsoleRequest("DELETE", "/console/session"), cookie);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_NE(Header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(LastEntry()["operation"], "console.sign_out");
  EXPECT_EQ(LastEntry()["principal"]["id"], "aud.smith");
  Response who = WithCookie(ConsoleRequest("GET", "/oversight/v1/whoami"), cookie);
  EXPECT_EQ(Body(who)["__type"], "UnrecognizedClientException");
}

TEST_F(ConsoleGatewayTest, ASessionEndsAfterItsHours) {
  const std::string cookie = CookieOf(SignIn({{"token", Link("aud.smith")}}));
  clock_.Advance(std::chrono::hours(8));
  Response who = WithCookie(ConsoleRequest("GET", "/oversight/v1/whoami"), cookie);
  EXPECT_EQ(Body(who)["__type"], "UnrecognizedClientException");
}

TEST_F(ConsoleGatewayTest, AnUnrecordedSignInGivesNoCookie) {
  audit_->failing = true;
  Response r = SignIn({{"token", Link("aud.smith")}});
  EXPECT_EQ(r.status, 503);
  EXPECT_TRUE(Header(r, "Set-Cookie").empty());
}

TEST_F(ConsoleGatewayTest, TheConsoleFilesAreServedUnloggedWithAStrictPolicy) {
  const std::uint64_t before = EntryCount();
  Response page = gateway_->Handle(Api("GET", "/console/"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Header(page, "Content-Type"), "text/html; charset=utf-8");
  const std::string csp = Header(page, "Content-Security-Policy");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(Header(page, "X-Content-Type-Options"), "nosniff");
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  EXPECT_EQ(gateway_->Handle(Api("GET", "/console/no-such-page.html")).status, 404);
  EXPECT_EQ(gateway_->Handle(Api("GET", "/console/../principals.json")).status, 404);
  EXPECT_EQ(gateway_->Handle(Api("POST", "/console/index.html")).status, 405);
  Response bare = gateway_->Handle(Api("GET", "/console"));
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(Header(bare, "Location"), "/console/");
  EXPECT_EQ(EntryCount(), before);
}

TEST_F(ConsoleGatewayTest, WhoAmIAnswersSignedCallersToo) {
  Response r = Send(Api("GET", "/oversight/v1/whoami"), kOperator);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["Principal"], "ops.root");
  EXPECT_EQ(Body(r)["Via"], "sigv4");
  EXPECT_FALSE(Body(r).contains("Expires"));
}

}  // namespace
}  // namespace oversight::proxy::testing
