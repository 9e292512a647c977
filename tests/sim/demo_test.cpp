// The demo guild generator and the demo/load driver.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "sim/demo_driver.h"
#include "sim/demo_guild.h"
#include "sim/simulator.h"

namespace lantern::sim {
namespace {

namespace json = boost::json;

TEST(DemoGuild, IsDeterministicAndVaried) {
  DemoGuildOptions o;
  o.members = 500;
  auto a = make_demo_guild(o);
  auto b = make_demo_guild(o);
  ASSERT_EQ(a.size(), 500u);
  std::size_t animated = 0, no_avatar = 0, legacy = 0, bots = 0, tags = 0, offline = 0;
  std::size_t spotify = 0, games = 0, mp_assets = 0, custom = 0, custom_emoji = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].member.at("user"), b[i].member.at("user"));
    if (i) {
      EXPECT_LT(a[i - 1].id, a[i].id);
    }
    const auto& user = a[i].member.at("user").as_object();
    EXPECT_EQ(user.at("id").as_string(), std::to_string(a[i].id));
    if (user.at("avatar").is_null()) {
      ++no_avatar;
    } else if (user.at("avatar").as_string().starts_with("a_")) {
      ++animated;
    }
    legacy += user.at("discriminator") != "0";
    bots += user.contains("bot");
    tags += user.contains("primary_guild");
    if (!a[i].presence) {
      ++offline;
      continue;
    }
    for (const auto& act : a[i].presence->at("activities").as_array()) {
      const auto& o2 = act.as_object();
      if (o2.at("name") == "Spotify") {
        ++spotify;
        EXPECT_EQ(o2.at("type").as_int64(), 2);
        EXPECT_TRUE(o2.at("assets").at("large_image").as_string().starts_with("spotify:"));
        EXPECT_TRUE(o2.contains("sync_id"));
      } else if (o2.at("type") == 0) {
        ++games;
        EXPECT_TRUE(o2.contains("application_id"));
        mp_assets += o2.at("assets").at("large_image").as_string().starts_with("mp:");
      } else if (o2.at("type") == 4) {
        ++custom;
        custom_emoji += o2.at("emoji").as_object().contains("id");
      }
    }
  }
  for (std::size_t n : {animated, no_avatar, legacy, bots, tags, offline, spotify, games, mp_assets,
                        custom, custom_emoji}) {
    EXPECT_GT(n, 0u);
  }
  EXPECT_GT(offline, 50u);
  EXPECT_LT(offline, 250u);
}

TEST(DemoGuild, PopulatesASimulator) {
  Simulator sim({});
  DemoGuildOptions o;
  o.members = 50;
  auto ids = populate_demo_guild(sim, o);
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(sim.member_count(), 51u);  // + the bot
}

TEST(DemoDriver, StepsChangePresencesJoinsAndLeaves) {
  Simulator sim({});
  DemoGuildOptions o;
  o.members = 30;
  auto ids = populate_demo_guild(sim, o);
  DemoDriver::Options d;
  d.join_leave_probability = 1.0;
  DemoDriver driver(sim, ids, d);
  for (int i = 0; i < 40; ++i) driver.step();
  EXPECT_EQ(driver.presence_updates(), 200u);
  EXPECT_EQ(driver.joins() + driver.leaves(), 40u);
  EXPECT_GT(driver.joins(), 0u);
  EXPECT_GT(driver.leaves(), 0u);
  EXPECT_EQ(sim.member_count(), 31u + driver.joins() - driver.leaves());
}

TEST(DemoDriver, LoadModeProducesUpdates) {
  Simulator sim({});
  sim.start();
  DemoGuildOptions o;
  o.members = 100;
  auto ids = populate_demo_guild(sim, o);
  DemoDriver::Options d;
  d.updates_per_second = 5000;
  DemoDriver driver(sim, ids, d);
  driver.start();
  EXPECT_TRUE(sim.wait_for([&] { return driver.presence_updates() >= 500; }));
  driver.stop();
  EXPECT_EQ(driver.joins(), 0u);
}

}  // namespace
}  // namespace lantern::sim
