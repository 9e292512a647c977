#include "http/trusted_proxies.h"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <optional>

namespace lantern::http {
namespace {

namespace ip = boost::asio::ip;

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// `text` as an IP address, an IPv4-mapped IPv6 address as its IPv4 address;
// nullopt when it is not one.
std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  const ip::address address = ip::make_address(text, ec);
  if (ec) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::address(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
  }
  return address;
}

}  // namespace

TrustedProxies TrustedProxies::local_networks() {
  TrustedProxies proxies;
  for (const std::string_view range :
       {"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}) {
    proxies.add(range);
  }
  return proxies;
}

bool TrustedProxies::add(std::string_view entry) {
  Range range;
  boost::system::error_code ec;
  const auto slash = entry.find('/');
  // Asio reads the prefix with atoi; more than three digits is never a prefix.
  if (slash != std::string_view::npos && entry.size() - slash - 1 > 3) return false;
  if (entry.find(':') == std::string_view::npos) {
    const ip::network_v4 network = slash == std::string_view::npos
                                       ? ip::network_v4(ip::make_address_v4(entry, ec), 32)
                                       : ip::make_network_v4(entry, ec);
    if (ec) return false;
    const auto bytes = network.canonical().address().to_bytes();
    std::copy(bytes.begin(), bytes.end(), range.bytes.begin());
    range.prefix = network.prefix_length();
  } else {
    const ip::network_v6 network = slash == std::string_view::npos
                                       ? ip::network_v6(ip::make_address_v6(entry, ec), 128)
                                       : ip::make_network_v6(entry, ec);
    if (ec) return false;
    range.v6 = true;
    range.bytes = network.canonical().address().to_bytes();
    range.prefix = network.prefix_length();
  }
  ranges_.push_back(range);
  return true;
}

bool TrustedProxies::contains(std::string_view address) const {
  const auto parsed = parse_address(address);
  if (!parsed) return false;
  for (const Range& range : ranges_) {
    if (range.v6 != parsed->is_v6()) continue;
    const auto prefix = static_cast<unsigned short>(range.prefix);
    if (range.v6) {
      const ip::network_v6 network(ip::address_v6(range.bytes), prefix);
      if (ip::network_v6(parsed->to_v6(), prefix).canonical() == network) return true;
    } else {
      const ip::network_v4 network(
          ip::address_v4({range.bytes[0], range.bytes[1], range.bytes[2], range.bytes[3]}), prefix);
      if (ip::network_v4(parsed->to_v4(), prefix).canonical() == network) return true;
    }
  }
  return false;
}

std::string TrustedProxies::describe() const {
  std::string out;
  for (const Range& range : ranges_) {
    if (!out.empty()) out += ", ";
    const auto prefix = static_cast<unsigned short>(range.prefix);
    if (range.v6) {
      out += ip::network_v6(ip::address_v6(range.bytes), prefix).to_string();
    } else {
      out += ip::network_v4(
                 ip::address_v4({range.bytes[0], range.bytes[1], range.bytes[2], range.bytes[3]}),
                 prefix)
                 .to_string();
    }
  }
  return out;
}

std::string client_address(const Request& request, const std::string& peer, bool trust_proxy,
                           const TrustedProxies& proxies) {
  if (!trust_proxy || !proxies.contains(peer)) return peer;
  if (const auto cf = request.header("cf-connecting-ip"); cf && !trim(*cf).empty()) {
    const auto address = parse_address(trim(*cf));
    return address ? address->to_string() : peer;
  }
  // Several X-Forwarded-For fields are one list, in order (RFC 9110 5.3).
  std::vector<std::string_view> hops;
  for (const auto& [name, value] : request.headers) {
    if (name != "x-forwarded-for") continue;
    std::string_view rest = value;
    for (;;) {
      const auto comma = rest.find(',');
      hops.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (hops.empty() || (hops.size() == 1 && hops.front().empty())) return peer;
  std::optional<ip::address> client;
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    client = parse_address(*hop);
    if (!client) return peer;  // garbage: believe nothing of it
    if (!proxies.contains(*hop)) break;
  }
  return client->to_string();
}

}  // namespace lantern::http
