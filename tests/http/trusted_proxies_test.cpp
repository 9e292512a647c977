// server.trusted_proxies: which peers' CF-Connecting-IP / X-Forwarded-For are
// believed, and which address of a forwarded chain is the client's.
#include "http/trusted_proxies.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>

#include "http/server.h"
#include "testing/http_client.h"

namespace lantern::http {
namespace {

TrustedProxies proxies(std::initializer_list<std::string_view> entries) {
  TrustedProxies out;
  for (const auto entry : entries) EXPECT_TRUE(out.add(entry)) << entry;
  return out;
}

Request with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  Request request;
  request.headers = std::move(headers);
  return request;
}

TEST(TrustedProxies, AddressesAndRanges) {
  const auto list = proxies({"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1", "172.16.5.9/12"});
  EXPECT_TRUE(list.contains("10.0.0.0"));
  EXPECT_TRUE(list.contains("10.255.255.255"));
  EXPECT_FALSE(list.contains("11.0.0.0"));
  EXPECT_TRUE(list.contains("192.168.1.7"));
  EXPECT_FALSE(list.contains("192.168.1.8"));
  EXPECT_TRUE(list.contains("2001:db8:ffff::1"));
  EXPECT_TRUE(list.contains("2001:DB8::1"));
  EXPECT_FALSE(list.contains("2001:db9::1"));
  EXPECT_TRUE(list.contains("::1"));
  EXPECT_FALSE(list.contains("::2"));
  // Bits past the prefix are ignored: 172.16.5.9/12 is 172.16.0.0/12.
  EXPECT_TRUE(list.contains("172.31.255.1"));
  EXPECT_FALSE(list.contains("172.32.0.1"));
  // A dual-stack socket's peer: an IPv4-mapped IPv6 address is its IPv4 address.
  EXPECT_TRUE(list.contains("::ffff:10.1.2.3"));
  EXPECT_FALSE(list.contains("::ffff:11.1.2.3"));
  // Families never mix: ::/0 does not contain IPv4 addresses.
  EXPECT_FALSE(proxies({"::/0"}).contains("10.0.0.1"));
  EXPECT_TRUE(proxies({"0.0.0.0/0"}).contains("203.0.113.1"));
  EXPECT_TRUE(proxies({"::/0"}).contains("2001:db8::1"));
  // Not addresses.
  for (const std::string_view text :
       {"", "unknown", "10.0.0.1 ", "10.0.0", "10.0.0.0/8", "::1/128"}) {
    EXPECT_FALSE(list.contains(text)) << text;
  }
  EXPECT_FALSE(TrustedProxies().contains("127.0.0.1"));
  EXPECT_EQ(list.describe(), "10.0.0.0/8, 192.168.1.7/32, 2001:db8::/32, ::1/128, 172.16.0.0/12");
}

TEST(TrustedProxies, RejectsWhatIsNotAnAddressOrRange) {
  TrustedProxies list;
  for (const std::string_view entry :
       {"", "localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "/8", "10.0.0.0/-1", "10.0.0.0/8/8",
        "10.0.0.0/8 ", " 10.0.0.1", "10.0.0.256", "1.2.3", "10.0.0.0/99999999999", "2001:db8::g",
        "10.0.0.0/8,192.168.0.0/16"}) {
    EXPECT_FALSE(list.add(entry)) << entry;
  }
  EXPECT_TRUE(list.empty());
}

TEST(TrustedProxies, DefaultIsLoopbackAndPrivateNetworks) {
  const auto list = TrustedProxies::local_networks();
  for (const std::string_view inside :
       {"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.17.0.2", "192.168.0.10", "fd12::1"}) {
    EXPECT_TRUE(list.contains(inside)) << inside;
  }
  for (const std::string_view outside :
       {"203.0.113.7", "172.32.0.1", "8.8.8.8", "2001:db8::1", "fe80::1", "169.254.1.1"}) {
    EXPECT_FALSE(list.contains(outside)) << outside;
  }
}

TEST(ClientAddress, PeerUnlessTheProxyIsTrusted) {
  const auto request = with_headers({{"x-forwarded-for", "203.0.113.7"}});
  const auto list = proxies({"10.0.0.0/8"});
  EXPECT_EQ(client_address(request, "10.0.0.5", false, list), "10.0.0.5");
  EXPECT_EQ(client_address(request, "10.0.0.5", true, list), "203.0.113.7");
  // Anyone else's headers are whatever they chose to write.
  EXPECT_EQ(client_address(request, "198.51.100.9", true, list), "198.51.100.9");
  EXPECT_EQ(client_address(request, "10.0.0.5", true, TrustedProxies()), "10.0.0.5");
  EXPECT_EQ(client_address(request, "unknown", true, list), "unknown");
  // A dual-stack peer.
  EXPECT_EQ(client_address(request, "::ffff:10.0.0.5", true, list), "203.0.113.7");
}

TEST(ClientAddress, RightMostUntrustedHopOfXForwardedFor) {
  const auto list = proxies({"10.0.0.0/8", "2001:db8:1::/48"});
  // The client wrote "1.1.1.1"; the first proxy appended the real client, the second
  // proxy (10.0.0.2) its own address.
  const auto chain = with_headers({{"x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.0.0.2"}});
  EXPECT_EQ(client_address(chain, "10.0.0.1", true, list), "203.0.113.7");
  // Every hop trusted: the left-most one is as far as anyone can tell.
  const auto internal = with_headers({{"x-forwarded-for", "10.0.0.9,10.0.0.2"}});
  EXPECT_EQ(client_address(internal, "10.0.0.1", true, list), "10.0.0.9");
  // Several fields are one list, in order.
  const auto fields = with_headers(
      {{"x-forwarded-for", "198.51.100.1"}, {"x-forwarded-for", "203.0.113.8, 10.0.0.3"}});
  EXPECT_EQ(client_address(fields, "10.0.0.1", true, list), "203.0.113.8");
  // IPv6, returned in canonical form.
  const auto v6 = with_headers({{"x-forwarded-for", "2001:DB8:2:0::5 , 2001:db8:1::7"}});
  EXPECT_EQ(client_address(v6, "10.0.0.1", true, list), "2001:db8:2::5");
  const auto mapped = with_headers({{"x-forwarded-for", "::ffff:203.0.113.9"}});
  EXPECT_EQ(client_address(mapped, "10.0.0.1", true, list), "203.0.113.9");
}

TEST(ClientAddress, GarbageFallsBackToThePeer) {
  const auto list = proxies({"127.0.0.1"});
  for (const std::string xff : {"not-an-ip", "203.0.113.7:4711", "203.0.113.7, garbage",
                                "203.0.113.7,", "[2001:db8::1]", "unknown", ", 127.0.0.1, x"}) {
    EXPECT_EQ(client_address(with_headers({{"x-forwarded-for", xff}}), "127.0.0.1", true, list),
              "127.0.0.1")
        << xff;
  }
  // Blank: as if absent.
  EXPECT_EQ(client_address(with_headers({{"x-forwarded-for", "  "}}), "127.0.0.1", true, list),
            "127.0.0.1");
  // Left of the chosen hop nothing is read: the client's garbage does not make it the proxy.
  EXPECT_EQ(client_address(with_headers({{"x-forwarded-for", "garbage, 203.0.113.7"}}), "127.0.0.1",
                           true, list),
            "203.0.113.7");
  EXPECT_EQ(client_address(
                with_headers({{"cf-connecting-ip", "garbage"}, {"x-forwarded-for", "203.0.113.7"}}),
                "127.0.0.1", true, list),
            "127.0.0.1");
}

TEST(ClientAddress, CfConnectingIpComesFirst) {
  const auto list = proxies({"127.0.0.1"});
  auto request =
      with_headers({{"x-forwarded-for", "203.0.113.7"}, {"cf-connecting-ip", " 198.51.100.2 "}});
  EXPECT_EQ(client_address(request, "127.0.0.1", true, list), "198.51.100.2");
  EXPECT_EQ(client_address(request, "203.0.113.99", true, list), "203.0.113.99");
  request.headers.back().second = "";
  EXPECT_EQ(client_address(request, "127.0.0.1", true, list), "203.0.113.7");
}

// Through a real server: the handler sees the address the options decide.
std::string address_seen_by_server(bool trust_proxy, std::optional<TrustedProxies> list) {
  Router router;
  router.add(Method::kGet, "/who", [](const Request& request, Respond respond) {
    respond(json_body("\"" + request.client_address + "\""));
  });
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.access_log = false;
  options.trust_proxy = trust_proxy;
  if (list) options.trusted_proxies = *list;
  boost::asio::io_context io;
  std::optional<Server> server(std::in_place, io, options, router, nullptr);
  server->start();
  std::thread thread([&io] { io.run(); });
  const auto result = testing::http_request(server->port(), "GET", "/who", "",
                                            {{"X-Forwarded-For", "203.0.113.7"}});
  server.reset();
  io.stop();
  thread.join();
  return result.body;
}

TEST(ClientAddress, TheServerAppliesTheList) {
  // Loopback is in the default list.
  EXPECT_EQ(address_seen_by_server(true, std::nullopt), "\"203.0.113.7\"");
  EXPECT_EQ(address_seen_by_server(true, proxies({"10.0.0.0/8"})), "\"127.0.0.1\"");
  EXPECT_EQ(address_seen_by_server(true, proxies({"127.0.0.1"})), "\"203.0.113.7\"");
  EXPECT_EQ(address_seen_by_server(false, proxies({"127.0.0.1"})), "\"127.0.0.1\"");
}

}  // namespace
}  // namespace lantern::http
