// ImageFetcher against a local HTTP server: size, type, redirect and time bounds,
// single flight, negative caching. Never the internet.
#include "card/image_fetcher.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "card/data_uri.h"
#include "test_image_server.h"

namespace lantern::card {
namespace {

namespace asio = boost::asio;
using testing::TestImageServer;

class ImageFetcherTest : public ::testing::Test {
 protected:
  ImageFetcherTest() : work_(io_.get_executor()), thread_([this] { io_.run(); }) {}

  ~ImageFetcherTest() override {
    fetcher_.reset();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  ImageFetcher& fetcher(FetcherConfig config = {}) {
    fetcher_ = std::make_unique<ImageFetcher>(io_.get_executor(), cache_, config);
    return *fetcher_;
  }

  // Fetches `url` and waits (with a generous deadline, not a timing assertion) for it.
  CachedImagePtr fetch(ImageFetcher& f, const std::string& url) {
    auto promise = std::make_shared<std::promise<CachedImagePtr>>();
    auto result = promise->get_future();
    f.fetch(url, [promise](CachedImagePtr image) { promise->set_value(std::move(image)); });
    if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      ADD_FAILURE() << "fetch of " << url << " never completed";
      return nullptr;
    }
    return result.get();
  }

  TestImageServer server_;
  ImageCache cache_{ImageCache::Config{}};
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::unique_ptr<ImageFetcher> fetcher_;
};

TEST_F(ImageFetcherTest, FetchesAnImageAsDataUri) {
  auto& f = fetcher();
  auto image = fetch(f, server_.url("/ok.png"));
  ASSERT_TRUE(image);
  ASSERT_TRUE(image->ok());
  EXPECT_EQ(image->data_uri, *make_data_uri(TestImageServer::ok_png()));
}

TEST_F(ImageFetcherTest, SecondRequestComesFromTheCache) {
  auto& f = fetcher();
  ASSERT_TRUE(fetch(f, server_.url("/ok.png"))->ok());
  ASSERT_TRUE(fetch(f, server_.url("/ok.png"))->ok());
  EXPECT_EQ(server_.hits("/ok.png"), 1);
  EXPECT_EQ(f.fetches_started(), 1u);
  EXPECT_TRUE(f.cached(server_.url("/ok.png")));
}

TEST_F(ImageFetcherTest, GivesUpAtTheTimeout) {
  auto& f = fetcher(FetcherConfig{.timeout = std::chrono::milliseconds(300)});
  auto image = fetch(f, server_.url("/slow.png"));
  ASSERT_TRUE(image);
  EXPECT_FALSE(image->ok());
}

TEST_F(ImageFetcherTest, RefusesBodiesOverTheSizeLimit) {
  auto& f = fetcher(FetcherConfig{.max_bytes = 64 * 1024});
  EXPECT_FALSE(fetch(f, server_.url("/big.png"))->ok());
}

TEST_F(ImageFetcherTest, RefusesNonImageContentTypes) {
  auto& f = fetcher();
  EXPECT_FALSE(fetch(f, server_.url("/text"))->ok());
}

TEST_F(ImageFetcherTest, RefusesBodiesThatAreNotImagesWhateverTheHeaderSays) {
  auto& f = fetcher();
  EXPECT_FALSE(fetch(f, server_.url("/liar.png"))->ok());
}

TEST_F(ImageFetcherTest, RefusesErrorStatuses) {
  auto& f = fetcher();
  EXPECT_FALSE(fetch(f, server_.url("/missing.png"))->ok());
}

TEST_F(ImageFetcherTest, FollowsAtMostTwoRedirects) {
  auto& f = fetcher();
  EXPECT_TRUE(fetch(f, server_.url("/redirect/1"))->ok());   // 2 hops: /redirect/0, /ok.png
  EXPECT_FALSE(fetch(f, server_.url("/redirect/2"))->ok());  // 3 hops
  EXPECT_EQ(server_.hits("/redirect/0"), 2);
}

TEST_F(ImageFetcherTest, HttpsFailsWhenThePeerDoesNotCompleteAVerifiedHandshake) {
  auto& f = fetcher();
  std::string https = server_.url("/ok.png");
  https.replace(0, 4, "https");  // the server speaks plain HTTP only
  EXPECT_FALSE(fetch(f, https)->ok());
}

TEST_F(ImageFetcherTest, RefusesUnsupportedSchemes) {
  auto& f = fetcher();
  EXPECT_FALSE(fetch(f, "ftp://127.0.0.1/ok.png")->ok());
  EXPECT_FALSE(fetch(f, "not a url")->ok());
}

TEST_F(ImageFetcherTest, FailuresAreCachedSoADeadUrlIsNotRetriedAtOnce) {
  auto& f = fetcher();
  EXPECT_FALSE(fetch(f, server_.url("/missing.png"))->ok());
  EXPECT_FALSE(fetch(f, server_.url("/missing.png"))->ok());
  EXPECT_EQ(server_.hits("/missing.png"), 1);
}

TEST_F(ImageFetcherTest, ConcurrentRequestsForOneUrlShareOneFetch) {
  auto& f = fetcher(FetcherConfig{.timeout = std::chrono::seconds(20)});
  constexpr int kRequests = 50;
  std::vector<std::future<CachedImagePtr>> results;
  std::vector<std::thread> callers;
  std::mutex mutex;
  for (int i = 0; i < kRequests; ++i) {
    auto promise = std::make_shared<std::promise<CachedImagePtr>>();
    results.push_back(promise->get_future());
    callers.emplace_back([&f, &mutex, promise, url = server_.url("/gated.png")] {
      std::lock_guard lock(mutex);  // serialises only the calls, not the fetch
      f.fetch(url, [promise](CachedImagePtr image) { promise->set_value(std::move(image)); });
    });
  }
  for (auto& t : callers) t.join();
  ASSERT_TRUE(server_.wait_for_hits("/gated.png", 1));
  server_.open_gate();
  for (auto& result : results) {
    ASSERT_EQ(result.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    EXPECT_TRUE(result.get()->ok());
  }
  EXPECT_EQ(server_.hits("/gated.png"), 1);
  EXPECT_EQ(f.fetches_started(), 1u);
}

TEST_F(ImageFetcherTest, WaitersBeyondTheBoundFailAtOnce) {
  auto& f = fetcher(FetcherConfig{.timeout = std::chrono::seconds(20), .max_waiters_per_url = 2});
  std::vector<std::future<CachedImagePtr>> results;
  for (int i = 0; i < 3; ++i) {
    auto promise = std::make_shared<std::promise<CachedImagePtr>>();
    results.push_back(promise->get_future());
    f.fetch(server_.url("/gated.png"),
            [promise](CachedImagePtr image) { promise->set_value(std::move(image)); });
  }
  ASSERT_EQ(results[2].wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_FALSE(results[2].get()->ok());
  server_.open_gate();
  EXPECT_TRUE(results[0].get()->ok());
  EXPECT_TRUE(results[1].get()->ok());
}

}  // namespace
}  // namespace lantern::card
