// A tiny HTTP/1.1 image server on 127.0.0.1 (ephemeral port) for the fetcher tests:
// it plays a CDN with well-behaved and hostile answers. Each connection is served by its
// own thread with synchronous Beast calls, so a "slow" answer can block without stopping
// the others.
//
// Routes (the query string is ignored):
//   /ok.png            200 image/png, a small real PNG
//   /big.png           200 image/png, 2 MiB
//   /text              200 text/html
//   /liar.png          200 image/png whose body is SVG
//   /redirect/<n>      302 to /redirect/<n-1>; /redirect/0 redirects to /ok.png
//   /slow.png          never answers (until the server stops)
//   /gated.png         answers like /ok.png once open_gate() was called
//   /missing.png       404
//   /cdn/<anything>    200 image/png (any CDN path for CardService tests)
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lantern::card::testing {

class TestImageServer {
 public:
  TestImageServer();
  ~TestImageServer();

  // "http://127.0.0.1:<port><path>"
  std::string url(const std::string& path) const;
  std::string base() const;

  // Requests received for `path` (without query) so far.
  int hits(const std::string& path) const;
  // Waits (up to 10 s) until `path` was requested `count` times; false on the deadline.
  bool wait_for_hits(const std::string& path, int count) const;
  void open_gate();

  static std::string ok_png();

 private:
  void accept();
  void serve(boost::asio::ip::tcp::socket socket);
  bool wait_until_open_or_stopped(bool gate);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread io_thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::map<std::string, int> hits_;
  bool gate_open_ = false;
  bool stopping_ = false;
  std::vector<std::thread> connections_;
};

}  // namespace lantern::card::testing
