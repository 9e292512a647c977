#include "discord/backoff.h"

#include <algorithm>

namespace lantern::discord {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed)
    : base_(base), cap_(cap), rng_(seed) {}

std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng) {
  const int shift = std::clamp(attempt, 0, 20);
  const std::int64_t ceiling =
      std::max<std::int64_t>(std::min<std::int64_t>(base.count() << shift, cap.count()), 0);
  std::uniform_int_distribution<std::int64_t> jitter(ceiling / 2, ceiling);
  return std::chrono::milliseconds(jitter(rng));
}

std::chrono::milliseconds Backoff::next() {
  return backoff_delay(attempt_++, base_, cap_, rng_);
}

}  // namespace lantern::discord
