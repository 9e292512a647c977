// Interaction responses (discord-protocol.md 7.5, 7.6, 6.4) as the bot sends them:
// every message reply carries allowed_mentions {parse: []} (the bot echoes user
// text), ephemeral (flags 64) inside guilds. Pure functions, callable from any thread.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "discord/multipart.h"
#include "discord/rest_client.h"
#include "presence/model.h"
#include "util/snowflake.h"

namespace lantern::bot {

struct Interaction;

// Callback types used by the bot.
inline constexpr int kReplyMessage = 4;       // CHANNEL_MESSAGE_WITH_SOURCE
inline constexpr int kReplyUpdate = 7;        // UPDATE_MESSAGE (components)
inline constexpr int kReplyAutocomplete = 8;  // APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
inline constexpr int kFlagEphemeral = 64;

inline constexpr std::size_t kMaxChoices = 25;
inline constexpr std::size_t kMaxChoiceLength = 100;

// One interaction response: the callback body and, for an upload, its files.
struct Reply {
  boost::json::object body;
  std::vector<discord::RestFile> files;
};

// Type 4 with `content`; `components` are action rows (may be empty).
Reply message(std::string_view content, bool ephemeral, boost::json::array components = {});

// Type 4 with one attached file, listed in data.attachments as id 0 (files[0]).
Reply message_with_file(std::string_view content, bool ephemeral, discord::RestFile file);

// Type 7: replaces the component's message with `content` and removes its buttons.
Reply update_message(std::string_view content);

// Type 8 with the given keys as choices (name = value = key).
Reply autocomplete(const std::vector<std::string>& keys);

// Keys starting with `typed` (ASCII case-insensitive; keys are ASCII), in key
// order, at most kMaxChoices. Keys longer than kMaxChoiceLength are skipped:
// Discord refuses choice values beyond 100 characters.
std::vector<std::string> complete_keys(const presence::StoragePairs& pairs, std::string_view typed);

// The pairs as an indented JSON object (keys sorted), ending without a newline.
std::string render_pairs(const presence::StoragePairs& pairs);

// `intro` followed by `text` in a code block in the language `language` when the
// text is at most `inline_limit` characters (code points) and cannot break out of
// the block; otherwise `attached` as content and the text as the file `filename`.
Reply text_or_file(std::string_view intro, std::string_view text, std::string_view language,
                   std::string_view attached, std::string_view filename, bool ephemeral,
                   std::size_t inline_limit);

// POST /interactions/{id}/{token}/callback carrying `reply` (multipart when it has
// files). The route key stays the default (the path), so every interaction has its
// own bucket and replies to different interactions never wait for each other.
discord::RestRequest callback_request(Snowflake interaction_id, std::string_view token,
                                      const Reply& reply);

}  // namespace lantern::bot
