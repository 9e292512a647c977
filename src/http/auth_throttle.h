// AuthThrottle: slows down clients that keep presenting wrong storage tokens
// (API.md section 2: "Repeated failures from one address are slowed down (429 with
// Retry-After)").
//
// Model: one token bucket per client address, kept as a "theoretical arrival
// time" (GCRA, exact integer clock arithmetic). A bucket holds `max_failures`
// tokens and refills at `max_failures` per `window` (10 per minute by default).
// Every failed authentication takes a token; an address whose bucket is empty is
// throttled until one token has refilled. Successful authentications neither
// take nor give back tokens, so owning one valid token does not buy extra
// guesses at other users' tokens.
//
// Addresses: IPv4 addresses are tracked one by one; IPv6 addresses by their /64
// prefix (one subscriber usually owns a whole /64, so per-address buckets would
// be trivial to evade). IPv4-mapped IPv6 addresses count as their IPv4 address.
// Anything that does not parse as an IP address is tracked verbatim.
//
// Memory is bounded: at most `max_addresses` buckets exist. Buckets that have
// refilled completely are dropped, and when the table is full the address whose
// last failure is the oldest is forgotten (an attacker can push an address out
// only by spending failures of their own on at least `max_addresses` other
// addresses).
//
// Threading: every method may be called from any thread (one internal mutex,
// held for O(1) work plus the amortised pruning of expired buckets).
//
// Known limit: check() and record_failure() are separate calls around an
// asynchronous token check, so requests already in flight when the limit is
// reached still complete; the overshoot is bounded by the client's concurrent
// requests.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace lantern::http {

struct AuthThrottleOptions {
  // Failed authentications an address may make in a burst, and per `window` once
  // the burst is spent. 0 (or a zero window) disables throttling.
  std::size_t max_failures = 10;
  std::chrono::seconds window{60};
  // Upper bound on the number of tracked addresses (memory: ~150 bytes each).
  std::size_t max_addresses = 10000;
};

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit AuthThrottle(AuthThrottleOptions options = {});

  AuthThrottle(const AuthThrottle&) = delete;
  AuthThrottle& operator=(const AuthThrottle&) = delete;

  // nullopt when `address` may attempt an authentication now; otherwise the
  // whole seconds (at least 1) after which it may try again (the Retry-After
  // value). Call it before checking a token.
  std::optional<std::chrono::seconds> check(std::string_view address) {
    return check(address, Clock::now());
  }
  std::optional<std::chrono::seconds> check(std::string_view address, Clock::time_point now);

  // Counts one failed authentication of `address`.
  void record_failure(std::string_view address) { record_failure(address, Clock::now()); }
  void record_failure(std::string_view address, Clock::time_point now);

  // Number of tracked addresses (tests, metrics).
  std::size_t tracked() const;

  // The bucket key of a client address (see "Addresses" above). Public for tests.
  static std::string bucket_key(std::string_view address);

 private:
  using Order = std::list<std::string>;  // keys, least recently failed first

  struct Bucket {
    // When the bucket is full again; it is empty while `full_at - now` exceeds
    // `window - interval_`.
    Clock::time_point full_at;
    Order::iterator position;
  };

  bool enabled() const { return interval_.count() > 0; }
  void prune(Clock::time_point now);

  AuthThrottleOptions options_;
  Clock::duration interval_;  // refill time of one token; zero when disabled
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  Order order_;
};

}  // namespace lantern::http
