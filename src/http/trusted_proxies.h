// Which peers may tell the server who the client is (server.trust_proxy and
// server.trusted_proxies; docs/operations.md, "Behind a reverse proxy").
//
// With trust_proxy on, the client address of a request is taken from its
// CF-Connecting-IP / X-Forwarded-For headers, but only when the direct peer is
// one of the trusted proxies; from anyone else the headers are ignored (they
// are whatever the client chose to write). Addresses are parsed by Asio, in
// the .cpp only (this header is included by server.h).
//
// Values; pure functions, callable from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace lantern::http {

class TrustedProxies {
 public:
  // Trusts nobody.
  TrustedProxies() = default;

  // The default list: loopback and the private networks, i.e. a proxy on the
  // same machine, in a Docker/Compose network or in the same private network:
  // 127.0.0.0/8, ::1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7.
  static TrustedProxies local_networks();

  // Adds an address ("10.1.2.3", "::1") or a CIDR range ("10.0.0.0/8",
  // "2001:db8::/32"; bits past the prefix are ignored). Returns false and
  // changes nothing when `entry` is neither.
  bool add(std::string_view entry);

  // Whether `address`, the text of an IP address ("203.0.113.7", "2001:db8::1",
  // "fe80::1%eth0"), is in one of the ranges. An IPv4-mapped IPv6 address
  // ("::ffff:10.0.0.1", the peer of a dual-stack socket) counts as its IPv4
  // address. False for anything that is not an IP address.
  bool contains(std::string_view address) const;

  bool empty() const { return ranges_.empty(); }
  // The ranges in canonical form, comma-separated ("127.0.0.0/8, ::1/128"),
  // for the start-up log.
  std::string describe() const;

 private:
  struct Range {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};  // the network address (IPv4: first 4)
    unsigned prefix = 0;
  };
  std::vector<Range> ranges_;
};

// The client address of a request from `peer` (the text of the peer's address):
//
//  * `peer` itself unless `trust_proxy` is on and `proxies` contains it;
//  * else CF-Connecting-IP when present and not blank;
//  * else the right-most X-Forwarded-For entry that is not itself a trusted
//    proxy (every proxy in a chain appends the address it received the request
//    from; entries left of the first untrusted one could have been written by
//    the client), or the left-most entry when all of them are trusted;
//  * else (no header) `peer`.
//
// A CF-Connecting-IP that is not an IP address, or an X-Forwarded-For entry
// that is not one among those read (from the right up to the chosen one), makes
// it fall back to `peer`: a trusted proxy wrote something else than an address.
// Entries left of the chosen one are not read (they are the client's own, and
// garbage there must not turn a client into its proxy). Addresses from headers
// are returned in canonical form, an IPv4-mapped IPv6 address as its IPv4
// address.
std::string client_address(const Request& request, const std::string& peer, bool trust_proxy,
                           const TrustedProxies& proxies);

}  // namespace lantern::http
