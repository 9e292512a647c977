#include "hub/hub.h"

#include <string>

#include "hub/encode.h"

namespace lantern::hub {
namespace {

using Form = Subscription::Form;

// "1…, 2…": ids separated by ", " (API.md section 3, rule 7).
std::string join_ids(const std::vector<Snowflake>& ids) {
  std::string out;
  for (Snowflake id : ids) {
    if (!out.empty()) out += ", ";
    out += to_string(id);
  }
  return out;
}

}  // namespace

Hub::Hub(const UserDirectory& directory, Options options, Post post_to_writer, Clock clock)
    : directory_(directory),
      options_(options),
      post_(std::move(post_to_writer)),
      clock_(std::move(clock)),
      hello_(encode_hello(options.heartbeat_interval_ms)),
      heartbeat_ack_(encode_heartbeat_ack()) {}

Hub::~Hub() = default;

// ---- transport side ---------------------------------------------------------

SessionPtr Hub::open(std::weak_ptr<SessionSink> sink) {
  auto session = std::make_shared<Session>(std::move(sink));
  {
    std::lock_guard lock(sessions_mutex_);
    sessions_.insert(session);
  }
  session->send(hello_);
  return session;
}

Hub::Inbound Hub::on_text(const SessionPtr& session, std::string_view text) {
  ParseResult result = parse_client_message(text, options_);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    session->close(rejection->code, rejection->reason);
    return Inbound::kRejected;
  }
  auto& message = std::get<ClientMessage>(result);
  if (message.op == Op::kHeartbeat) {
    session->send(heartbeat_ack_);
    return Inbound::kHeartbeat;
  }
  post_([this, session, message = std::move(message)] { handle(session, message); });
  return Inbound::kAccepted;
}

void Hub::init_deadline_passed(const SessionPtr& session) {
  post_([this, session] {
    if (!session->initialized_ && !session->ended_) {
      close(*session, CloseCode::kTimedOut, reason::kTimedOut);
    }
  });
}

void Hub::end(const SessionPtr& session) {
  {
    std::lock_guard lock(sessions_mutex_);
    if (sessions_.erase(session) == 0) return;
  }
  post_([this, session] {
    remove_from_index(*session);
    session->ended_ = true;
  });
}

void Hub::shutdown() {
  std::unordered_set<SessionPtr> open;
  {
    std::lock_guard lock(sessions_mutex_);
    open = sessions_;
  }
  for (const auto& session : open) session->close(CloseCode::kGoingAway, reason::kRestarting);
}

std::size_t Hub::session_count() const {
  std::lock_guard lock(sessions_mutex_);
  return sessions_.size();
}

// ---- writer side: client requests -------------------------------------------

void Hub::handle(const SessionPtr& session, const ClientMessage& message) {
  if (session->ended_) return;
  switch (message.op) {
    case Op::kInit:
      return handle_init(*session, message.subscription);
    case Op::kSubscribe:
      return handle_subscribe(*session, message.subscription);
    case Op::kUnsubscribe:
      return handle_unsubscribe(*session, message.subscription);
    default:
      return;  // the parser lets no other op through
  }
}

void Hub::handle_init(Session& session, const Subscription& request) {
  if (session.initialized_) {
    session.send(encode_error(reason::kAlreadyInitialized));
    return;
  }
  std::vector<presence::UserViewPtr> views;
  if (!resolve(session, request, views)) return;
  subscribe(session, request, views);
  session.initialized_ = true;
  session.send(encode_ack(Op::kInitAck, views, request.form == Form::kSingle, clock_()));
}

void Hub::handle_subscribe(Session& session, const Subscription& request) {
  if (!session.initialized_) {
    return close(session, CloseCode::kNotInitialized, reason::kNotInitialized);
  }
  if (session.all_) {
    session.send(encode_error(reason::kAlreadyAll));
    return;
  }
  std::vector<Snowflake> already;
  for (Snowflake id : request.ids) {
    if (session.users_.contains(id)) already.push_back(id);
  }
  if (!already.empty()) {
    session.send(encode_error("Already subscribed to user(s) " + join_ids(already) + "."));
    return;
  }
  if (!within_id_limit(session, request.ids.size())) return;
  std::vector<presence::UserViewPtr> views;
  if (!resolve(session, request, views)) return;
  subscribe(session, request, views);
  session.send(encode_ack(Op::kSubscribeAck, views, request.form == Form::kSingle, clock_()));
}

void Hub::handle_unsubscribe(Session& session, const Subscription& request) {
  if (!session.initialized_) {
    return close(session, CloseCode::kNotInitialized, reason::kNotInitialized);
  }
  if (request.form == Form::kAll || session.all_) {
    if (request.form != Form::kAll || !session.all_) {
      session.send(encode_error(session.all_ ? "You are subscribed to All; unsubscribe from All."
                                             : "Not subscribed to All."));
      return;
    }
    index_.remove_all(&session);
    session.all_ = false;
  } else {
    std::vector<Snowflake> missing;
    for (Snowflake id : request.ids) {
      if (!session.users_.contains(id)) missing.push_back(id);
    }
    if (!missing.empty()) {
      session.send(encode_error("Not subscribed to user(s) " + join_ids(missing) + "."));
      return;
    }
    for (Snowflake id : request.ids) {
      index_.remove(id, &session);
      session.users_.erase(id);
    }
  }
  session.send(encode_unsubscribe_ack());
  if (!session.all_ && session.users_.empty()) {
    close(session, CloseCode::kNormal, reason::kEmptySubscription);
  }
}

bool Hub::resolve(Session& session, const Subscription& request,
                  std::vector<presence::UserViewPtr>& views) {
  if (request.form == Form::kAll) {
    views = directory_.all();
    return true;
  }
  std::vector<Snowflake> missing;
  views.reserve(request.ids.size());
  for (Snowflake id : request.ids) {
    auto view = directory_.find(id);
    if (view) {
      views.push_back(std::move(view));
    } else {
      missing.push_back(id);
    }
  }
  if (missing.empty()) return true;
  session.send(encode_error("User(s) " + join_ids(missing) + " not found."));
  return false;
}

bool Hub::within_id_limit(Session& session, std::size_t added) {
  if (session.users_.size() + added <= options_.max_ids_per_session) return true;
  close(session, CloseCode::kLimit,
        "You can subscribe to at most " + std::to_string(options_.max_ids_per_session) + " users.");
  return false;
}

// Subscribing to All replaces the session's individual subscriptions: an All
// session receives every event once, from the All list only.
void Hub::subscribe(Session& session, const Subscription& request,
                    const std::vector<presence::UserViewPtr>& views) {
  if (request.form == Form::kAll) {
    remove_from_index(session);
    session.users_.clear();
    session.all_ = true;
    index_.add_all(&session);
    return;
  }
  for (const auto& view : views) {
    session.users_.insert(view->id());
    index_.add(view->id(), &session);
  }
}

void Hub::remove_from_index(Session& session) {
  if (session.all_) index_.remove_all(&session);
  for (Snowflake id : session.users_) index_.remove(id, &session);
}

void Hub::close(Session& session, CloseCode code, std::string_view reason) {
  remove_from_index(session);
  session.ended_ = true;
  session.close(code, reason);
}

// ---- writer side: fan-out -----------------------------------------------------

void Hub::on_changes(std::span<const presence::Change> changes) {
  const std::int64_t now_ms = clock_();
  for (const auto& change : changes) publish(change, now_ms);
}

void Hub::publish(const presence::Change& change, std::int64_t now_ms) {
  using Kind = presence::Change::Kind;
  switch (change.kind) {
    case Kind::kPresence:
      if (change.view) {
        send_to_user_and_all(change.user_id,
                             [&] { return encode_presence_update(*change.view, now_ms); });
      }
      return;
    case Kind::kStorage:
      if (change.view) {
        send_to_user_and_all(change.user_id, [&] { return encode_storage_update(*change.view); });
      }
      return;
    case Kind::kJoined:
      if (change.view && !index_.all_subscribers().empty()) {
        FramePtr frame = encode_user_joined(*change.view, now_ms);
        for (Session* session : index_.all_subscribers()) session->send(frame);
      }
      return;
    case Kind::kLeft:
      return user_left(change.user_id);
  }
}

// The frame is encoded (and the user's JSON rendered) only when a session will
// receive it: most members of a big guild have no subscriber, and their changes
// cost nothing here.
void Hub::send_to_user_and_all(Snowflake user_id, const std::function<FramePtr()>& encode) {
  const SubscriptionIndex::Sessions& subscribed = index_.subscribers(user_id);
  const SubscriptionIndex::Sessions& everyone = index_.all_subscribers();
  if (subscribed.empty() && everyone.empty()) return;
  const FramePtr frame = encode();
  for (Session* session : subscribed) session->send(frame);
  for (Session* session : everyone) session->send(frame);
}

void Hub::user_left(Snowflake user_id) {
  SubscriptionIndex::Sessions subscribed = index_.take(user_id);
  if (subscribed.empty() && index_.all_subscribers().empty()) return;
  FramePtr frame = encode_user_left(user_id);
  for (Session* session : index_.all_subscribers()) session->send(frame);
  for (Session* session : subscribed) {
    session->send(frame);
    session->users_.erase(user_id);
    if (session->users_.empty()) close(*session, CloseCode::kNormal, reason::kNoUserLeft);
  }
}

}  // namespace lantern::hub
