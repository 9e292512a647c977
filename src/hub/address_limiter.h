// AddressLimiter: counts open sessions per client address and refuses the one
// past the limit (API.md section 3, rule 8: sessions per client address).
//
// Thread-safe; one instance shared by every session of a server. A Ticket
// holds one slot and gives it back when destroyed. Tickets share the counts
// with the limiter, so a ticket may outlive it (sessions destroyed with their
// io_context after the server's services are gone).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lantern::hub {

class AddressLimiter {
  struct Counts;

 public:
  explicit AddressLimiter(std::size_t max_per_address);

  class Ticket {
   public:
    Ticket(std::shared_ptr<Counts> counts, std::string address)
        : counts_(std::move(counts)), address_(std::move(address)) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    std::shared_ptr<Counts> counts_;
    std::string address_;
  };

  // A slot for `address`, or null when it already holds the maximum.
  std::unique_ptr<Ticket> try_acquire(const std::string& address);

  std::size_t count(const std::string& address) const;

 private:
  struct Counts {
    std::mutex mutex;
    std::unordered_map<std::string, std::size_t> open;
  };

  const std::size_t max_;
  std::shared_ptr<Counts> counts_;
};

}  // namespace lantern::hub
