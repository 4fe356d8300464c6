// Console sign-in links and browser sessions (proxy/include/oversight/proxy/console_auth.h).
#include "oversight/proxy/console_auth.h"

#include <gtest/gtest.h>

#include "oversight/common/encoding.h"
#include "oversight/common/time_format.h"

namespace oversight::proxy {
namespace {

SecretBytes KeyOf(std::uint8_t fill) { return SecretBytes(std::vector<std::uint8_t>(32, fill)); }

class ConsoleAuthTest : public ::testing::Test {
 protected:
  TimePoint Now() const { return clock_.Now(); }
  std::string Token(std::string_view principal, std::chrono::minutes ttl = std::chrono::minutes(10),
                    std::uint8_t key = 1) {
    auto t = MakeSignInToken(KeyOf(key), principal, Now(), Now() + ttl);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : std::string();
  }

  FakeClock clock_{*ParseRfc3339("2026-03-01T12:00:00Z")};
  ConsoleSessions sessions_{clock_, KeyOf(1)};
};

TEST_F(ConsoleAuthTest, ALinkNamesItsPrincipalAndWorksOnce) {
  const std::string token = Token("aud.smith");
  auto first = sessions_.RedeemToken(token);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, "aud.smith");
  auto second = sessions_.RedeemToken(token);
  EXPECT_EQ(second.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(second.status().message().find("used already"), std::string::npos);
}

TEST_F(ConsoleAuthTest, ALinkFromAnotherKeyIsNotGenuine) {
  auto r = sessions_.RedeemToken(Token("aud.smith", std::chrono::minutes(10), /*key=*/2));
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("not genuine"), std::string::npos);
}

TEST_F(ConsoleAuthTest, AnEditedPrincipalBreaksTheMac) {
  std::string token = Token("aud.smith");
  // Re-encode the payload with another principal, keeping the MAC.
  const std::string forged_payload = R"({"exp":1772367000,"nonce":"00","principal":"ops.root"})";
  std::string b64 = Base64Encode(AsBytes(forged_payload));
  while (b64.back() == '=') b64.pop_back();
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  token = b64 + token.substr(token.find('.'));
  EXPECT_EQ(sessions_.RedeemToken(token).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(ConsoleAuthTest, AnExpiredLinkIsRefused) {
  const std::string token = Token("aud.smith", std::chrono::minutes(5));
  clock_.Advance(std::chrono::minutes(5));
  auto r = sessions_.RedeemToken(token);
  EXPECT_NE(r.status().message().find("expired"), std::string::npos) << r.status().ToString();
}

TEST_F(ConsoleAuthTest, LinksLiveAtMostAnHour) {
  EXPECT_FALSE(
      MakeSignInToken(KeyOf(1), "aud.smith", Now(), Now() + std::chrono::minutes(61)).ok());
  EXPECT_FALSE(MakeSignInToken(KeyOf(1), "aud.smith", Now(), Now()).ok());
  EXPECT_FALSE(
      MakeSignInToken(KeyOf(1), "not a principal", Now(), Now() + std::chrono::minutes(1)).ok());
}

TEST_F(ConsoleAuthTest, MalformedTokensAreRefusedWithoutEchoingThem) {
  for (std::string_view bad : {"", ".", "abc", "a.b", "!!!.???", "YWJj.YWJj.YWJj"}) {
    auto r = sessions_.RedeemToken(bad);
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << bad;
    if (!bad.empty() && bad != ".") {
      EXPECT_EQ(r.status().message().find(bad), std::string::npos);
    }
  }
}

TEST_F(ConsoleAuthTest, WithoutAKeyNoLinkIsAccepted) {
  ConsoleSessions keyless(clock_, std::nullopt);
  EXPECT_EQ(keyless.RedeemToken(Token("aud.smith")).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(ConsoleAuthTest, ASessionCookieFindsItsPrincipalUntilItEnds) {
  auto started = sessions_.Start("aud.smith", "link");
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(started->cookie.size(), 64u);
  auto found = sessions_.Find(started->cookie);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->principal, "aud.smith");
  EXPECT_EQ(found->via, "link");
  std::string other = started->cookie;
  other[0] = other[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(sessions_.Find(other).has_value());
  sessions_.End(started->cookie);
  EXPECT_FALSE(sessions_.Find(started->cookie).has_value());
}

TEST_F(ConsoleAuthTest, ASessionExpires) {
  ConsoleSessions short_lived(clock_, KeyOf(1), std::chrono::hours(1));
  auto started = short_lived.Start("aud.smith", "certificate");
  ASSERT_TRUE(started.ok());
  clock_.Advance(std::chrono::minutes(59));
  EXPECT_TRUE(short_lived.Find(started->cookie).has_value());
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_FALSE(short_lived.Find(started->cookie).has_value());
}

TEST_F(ConsoleAuthTest, LiveSessionsAreBounded) {
  ConsoleSessions small(clock_, KeyOf(1), std::chrono::hours(1), /*max_sessions=*/2);
  ASSERT_TRUE(small.Start("a", "link").ok());
  ASSERT_TRUE(small.Start("b", "link").ok());
  EXPECT_EQ(small.Start("c", "link").status().code(), StatusCode::kResourceExhausted);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_TRUE(small.Start("c", "link").ok());  // expired ones made room
}

TEST(CookieValueTest, FindsTheNamedCookieAmongOthers) {
  EXPECT_EQ(CookieValue("a=1; oversight_console=abc; b=2", "oversight_console"), "abc");
  EXPECT_EQ(CookieValue("oversight_console=x", "oversight_console"), "x");
  EXPECT_FALSE(CookieValue("xoversight_console=1; b=2", "oversight_console").has_value());
  EXPECT_FALSE(CookieValue("", "oversight_console").has_value());
}

}  // namespace
}  // namespace oversight::proxy
