// Out of file descriptors, the server refuses new connections with a clean 503
// and keeps serving the ones it has (issue 4). The server runs in a forked
// child whose descriptor limit is set low; the test process keeps its own.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <vector>

#include "http/router.h"
#include "http/server.h"

namespace lantern::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Runs a server with at most `max_files` descriptors; never returns.
[[noreturn]] void run_limited_server(int max_files, int port_pipe) {
  rlimit limit{static_cast<rlim_t>(max_files), static_cast<rlim_t>(max_files)};
  ::setrlimit(RLIMIT_NOFILE, &limit);
  asio::io_context io;
  Router router;
  router.add(Method::kGet, "/healthz",
             [](const Request&, Respond respond) { respond(json_body(R"({"status":"ok"})")); });
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.access_log = false;
  options.idle_timeout = std::chrono::seconds(60);
  Server server(io, options, router, nullptr);
  server.start();
  const std::uint16_t port = server.port();
  if (::write(port_pipe, &port, sizeof port) != sizeof port) ::_exit(3);
  io.run();
  ::_exit(0);
}

// One request, read with plain recv(): SO_RCVTIMEO bounds it (Asio's own
// blocking reads would poll without a deadline).
std::string exchange(tcp::socket& socket, const std::string& request) {
  const int fd = socket.native_handle();
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0) return {};
  std::string reply;
  char chunk[1024];
  while (reply.find("\r\n\r\n") == std::string::npos || reply.find('}') == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    reply.append(chunk, static_cast<std::size_t>(n));
  }
  return reply;
}

TEST(FdExhaustion, NewConnectionsGet503AndOpenOnesKeepBeingServed) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    run_limited_server(48, fds[1]);
  }
  ::close(fds[1]);
  std::uint16_t port = 0;
  ASSERT_EQ(::read(fds[0], &port, sizeof port), static_cast<ssize_t>(sizeof port));
  ::close(fds[0]);

  asio::io_context io;
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  std::vector<std::unique_ptr<tcp::socket>> open;
  int refused = 0;
  for (int i = 0; i < 80 && refused == 0; ++i) {
    auto socket = std::make_unique<tcp::socket>(io);
    socket->connect(endpoint);
    const std::string reply =
        exchange(*socket, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    if (reply.starts_with("HTTP/1.1 503")) {
      EXPECT_NE(reply.find("connection limit"), std::string::npos) << reply;
      ++refused;
    } else {
      ASSERT_TRUE(reply.starts_with("HTTP/1.1 200")) << "connection " << i << ": " << reply;
      open.push_back(std::move(socket));
    }
  }
  EXPECT_EQ(refused, 1) << "the server never ran out of descriptors";
  ASSERT_FALSE(open.empty());
  // Every connection accepted before the limit still works.
  for (auto& socket : open) {
    EXPECT_TRUE(
        exchange(*socket, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").starts_with("HTTP/1.1 200"));
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace lantern::http
