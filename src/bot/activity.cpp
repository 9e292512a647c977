#include "bot/activity.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <utility>

namespace lantern::bot {
namespace asio = boost::asio;

std::string monitoring_text(std::size_t users) {
  return "Monitoring " + std::to_string(users) + (users == 1 ? " user" : " users");
}

class ActivityTimer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::any_io_executor executor, std::function<std::size_t()> count,
       std::function<void(std::string)> publish, std::chrono::steady_clock::duration interval)
      : strand_(asio::make_strand(executor)),
        timer_(strand_),
        count_(std::move(count)),
        publish_(std::move(publish)),
        interval_(interval) {}

  // On the strand.
  void start() {
    running_ = true;
    ++generation_;
    publish();
    schedule();
  }
  void stop() {
    running_ = false;
    ++generation_;
    timer_.cancel();
  }
  void publish() {
    if (!destroyed_) publish_(monitoring_text(count_()));
  }
  // Any thread: the owner is gone, so nothing posted earlier may publish.
  void destroy() { destroyed_ = true; }

  asio::strand<asio::any_io_executor>& strand() { return strand_; }

 private:
  void schedule() {
    timer_.expires_after(interval_);
    timer_.async_wait([weak = weak_from_this(), generation = generation_](std::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->running_ || generation != self->generation_) return;
      self->publish();
      self->schedule();
    });
  }

  asio::strand<asio::any_io_executor> strand_;
  asio::steady_timer timer_;
  std::function<std::size_t()> count_;
  std::function<void(std::string)> publish_;
  std::chrono::steady_clock::duration interval_;
  std::atomic<bool> destroyed_{false};
  bool running_ = false;
  // Bumped by start()/stop() so a wait that was already completing when the
  // schedule changed does nothing.
  std::uint64_t generation_ = 0;
};

ActivityTimer::ActivityTimer(asio::any_io_executor executor, std::function<std::size_t()> count,
                             std::function<void(std::string)> publish,
                             std::chrono::steady_clock::duration interval)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(count), std::move(publish),
                                   interval)) {}

ActivityTimer::~ActivityTimer() {
  impl_->destroy();
  stop();
}

void ActivityTimer::start() {
  asio::post(impl_->strand(), [impl = impl_] { impl->start(); });
}

void ActivityTimer::refresh() {
  asio::post(impl_->strand(), [impl = impl_] { impl->publish(); });
}

void ActivityTimer::stop() {
  asio::post(impl_->strand(), [impl = impl_] { impl->stop(); });
}

}  // namespace lantern::bot
