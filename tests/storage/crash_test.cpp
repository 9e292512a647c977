// kill -9 during a burst of writes: every write whose callback fired (i.e. that was
// acknowledged) must be in the database after reopening.
//
// A forked child opens the service and writes as fast as it can, printing the key of
// each acknowledged write to a pipe. The parent reads acknowledgements, sends
// SIGKILL while the burst is still running, reads what was printed before the kill,
// reopens the file and looks every acknowledged key up.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <string>

#include "storage_test_support.h"

namespace lantern::storage {
namespace {

constexpr int kBurst = 100000;  // far more than can commit before the kill
constexpr int kUsers = 200;     // spread so no user reaches the 512-pair limit

Snowflake user_of(int i) {
  return testing::kAlice + static_cast<Snowflake>(i % kUsers);
}

[[noreturn]] void child(const std::string& path, int out) {
  auto s = testing::open(path);
  if (!s) _exit(3);
  for (int u = 0; u < kUsers; ++u) testing::create_token(*s, user_of(u));
  if (write(out, "ready\n", 6) != 6) _exit(4);
  for (int i = 0; i < kBurst;) {
    const std::string key = "k" + std::to_string(i);
    const bool accepted = s->put(user_of(i), key, std::to_string(i), [out, i](WriteResult r) {
      if (r.status != Status::kOk) _exit(5);
      const std::string line = std::to_string(i) + "\n";
      if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
    });
    if (accepted) {
      ++i;
    } else {
      usleep(100);  // queue full: back off, as a server would answer 503
    }
  }
  _exit(0);
}

TEST(CrashTest, AcknowledgedWritesSurviveSigkill) {
  testing::TempDir dir;
  const auto path = dir.file("crash.db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    child(path, fds[1]);
  }
  close(fds[1]);
  FILE* in = fdopen(fds[0], "r");
  ASSERT_TRUE(in);

  std::set<int> acknowledged;
  char line[64];
  bool ready = false;
  // Kill after a few hundred acknowledgements: well inside the burst.
  while (fgets(line, sizeof line, in)) {
    std::string key(line);
    if (!key.empty() && key.back() == '\n') key.pop_back();
    if (key == "ready") {
      ready = true;
      continue;
    }
    ASSERT_FALSE(key.empty() || key.find_first_not_of("0123456789") != std::string::npos)
        << "unexpected line from the child: " << key;
    acknowledged.insert(std::stoi(key));
    if (acknowledged.size() == 300) {
      ASSERT_EQ(kill(pid, SIGKILL), 0);
      break;
    }
  }
  // Whatever the child acknowledged before dying is still in the pipe.
  while (fgets(line, sizeof line, in)) {
    std::string key(line);
    if (!key.empty() && key.back() == '\n') {
      key.pop_back();
      acknowledged.insert(std::stoi(key));
    }
  }
  fclose(in);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(ready);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child finished the burst before the kill";
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  ASSERT_GE(acknowledged.size(), 300u);

  auto db = testing::open_db(path);
  ASSERT_TRUE(db);
  std::size_t missing = 0;
  std::size_t stored = 0;
  for (int u = 0; u < kUsers; ++u) {
    const auto pairs = db->pairs(user_of(u));
    ASSERT_TRUE(pairs);
    stored += pairs->size();
  }
  for (int i : acknowledged) {
    if (db->value(user_of(i), "k" + std::to_string(i)) != std::to_string(i)) ++missing;
  }
  EXPECT_EQ(missing, 0u) << "of " << acknowledged.size() << " acknowledged writes";
  EXPECT_GE(stored, acknowledged.size());
}

}  // namespace
}  // namespace lantern::storage
