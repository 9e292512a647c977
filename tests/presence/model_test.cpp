#include "presence/model.h"

#include <gtest/gtest.h>

namespace lantern::presence {
namespace {

TEST(StatusTest, ParsesDiscordStatusesAndReadsInvisibleAsOffline) {
  EXPECT_EQ(parse_status("online"), Status::kOnline);
  EXPECT_EQ(parse_status("idle"), Status::kIdle);
  EXPECT_EQ(parse_status("dnd"), Status::kDnd);
  EXPECT_EQ(parse_status("offline"), Status::kOffline);
  EXPECT_EQ(parse_status("invisible"), Status::kOffline);
  EXPECT_EQ(parse_status("ONLINE"), Status::kOffline);
  EXPECT_EQ(parse_status(""), Status::kOffline);
}

TEST(StatusTest, SpellsStatusesAsTheApiDoes) {
  EXPECT_EQ(to_string(Status::kOnline), "online");
  EXPECT_EQ(to_string(Status::kIdle), "idle");
  EXPECT_EQ(to_string(Status::kDnd), "dnd");
  EXPECT_EQ(to_string(Status::kOffline), "offline");
}

User sample_user() {
  User user;
  user.id = 366321739787010059;
  user.username = "koifishxd";
  user.global_name = "koi";
  user.avatar = "3f7db8acc85cb1486372354c131abf69";
  user.public_flags = 256;
  return user;
}

TEST(UserPatchTest, AbsentFieldsLeaveTheUserAlone) {
  User user = sample_user();
  const User before = user;
  UserPatch patch;
  patch.id = user.id;
  EXPECT_FALSE(patch.apply_to(user));
  EXPECT_EQ(user, before);
}

TEST(UserPatchTest, PresentFieldsReplaceAndExplicitNullClears) {
  User user = sample_user();
  UserPatch patch;
  patch.id = user.id;
  patch.username = "renamed";
  patch.avatar = std::optional<std::string>();  // Discord's null: avatar removed
  EXPECT_TRUE(patch.apply_to(user));
  EXPECT_EQ(user.username, "renamed");
  EXPECT_FALSE(user.avatar.has_value());
  EXPECT_EQ(user.global_name, "koi");
  EXPECT_EQ(user.public_flags, 256u);
}

TEST(UserPatchTest, SameValuesReportNoChange) {
  User user = sample_user();
  UserPatch patch;
  patch.id = user.id;
  patch.username = user.username;
  patch.global_name = user.global_name;
  patch.server_tag = std::optional<ServerTag>();
  EXPECT_FALSE(patch.apply_to(user));
}

TEST(UserPatchTest, ServerTagCanBeSetAndHidden) {
  User user = sample_user();
  UserPatch patch;
  patch.id = user.id;
  patch.server_tag = ServerTag{1407192325943197706, "RESN", "681eca471aa735fe864068f9cc978760"};
  EXPECT_TRUE(patch.apply_to(user));
  ASSERT_TRUE(user.server_tag.has_value());
  EXPECT_EQ(user.server_tag->tag, "RESN");
  patch.server_tag = std::optional<ServerTag>();
  EXPECT_TRUE(patch.apply_to(user));
  EXPECT_FALSE(user.server_tag.has_value());
}

}  // namespace
}  // namespace lantern::presence
