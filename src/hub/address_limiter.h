// AddressLimiter: counts open sessions per client address and refuses the one
// past the limit (API.md section 3, rule 8: sessions per client address).
//
// Thread-safe; one instance shared by every session of a server. A Ticket
// holds one slot and gives it back when destroyed.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lantern::hub {

class AddressLimiter {
 public:
  explicit AddressLimiter(std::size_t max_per_address) : max_(max_per_address) {}

  class Ticket {
   public:
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    friend class AddressLimiter;
    Ticket(AddressLimiter& owner, std::string address)
        : owner_(owner), address_(std::move(address)) {}
    AddressLimiter& owner_;
    std::string address_;
  };

  // A slot for `address`, or null when it already holds the maximum. The
  // limiter must outlive every ticket.
  std::unique_ptr<Ticket> try_acquire(const std::string& address);

  std::size_t count(const std::string& address) const;

 private:
  void release(const std::string& address);

  const std::size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

}  // namespace lantern::hub
