#include "hub/address_limiter.h"

namespace lantern::hub {

AddressLimiter::Ticket::~Ticket() {
  owner_.release(address_);
}

std::unique_ptr<AddressLimiter::Ticket> AddressLimiter::try_acquire(const std::string& address) {
  {
    std::lock_guard lock(mutex_);
    auto& open = open_[address];
    if (open >= max_) {
      if (open == 0) open_.erase(address);
      return nullptr;
    }
    ++open;
  }
  return std::unique_ptr<Ticket>(new Ticket(*this, address));
}

std::size_t AddressLimiter::count(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

void AddressLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace lantern::hub
