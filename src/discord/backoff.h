// Backoff: capped exponential delays with full jitter, for reconnect and retry
// loops. Not thread-safe (each owner keeps its own).
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace lantern::discord {

// The delay before retry number `attempt` (0-based): uniform in
// [ceiling / 2, ceiling] with ceiling = min(base * 2^attempt, cap).
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng);

class Backoff {
 public:
  // The n-th consecutive failure waits a random duration in
  // [base * 2^n / 2, base * 2^n], capped at `cap`. `seed` makes tests repeatable.
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, std::uint64_t seed);

  std::chrono::milliseconds next();
  // After a success: the next failure starts from `base` again.
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds base_;
  std::chrono::milliseconds cap_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace lantern::discord
