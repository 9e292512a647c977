#include "hub/address_limiter.h"

namespace lantern::hub {

AddressLimiter::AddressLimiter(std::size_t max_per_address)
    : max_(max_per_address), counts_(std::make_shared<Counts>()) {}

AddressLimiter::Ticket::~Ticket() {
  std::lock_guard lock(counts_->mutex);
  auto it = counts_->open.find(address_);
  if (it != counts_->open.end() && --it->second == 0) counts_->open.erase(it);
}

std::unique_ptr<AddressLimiter::Ticket> AddressLimiter::try_acquire(const std::string& address) {
  {
    std::lock_guard lock(counts_->mutex);
    auto it = counts_->open.try_emplace(address, 0).first;
    if (it->second >= max_) return nullptr;
    ++it->second;
  }
  return std::make_unique<Ticket>(counts_, address);
}

std::size_t AddressLimiter::count(const std::string& address) const {
  std::lock_guard lock(counts_->mutex);
  auto it = counts_->open.find(address);
  return it == counts_->open.end() ? 0 : it->second;
}

}  // namespace lantern::hub
