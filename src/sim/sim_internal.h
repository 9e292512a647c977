// Private to src/sim: the simulator's shared state (Simulator::Impl) and the two
// connection classes. Includes Beast, so nothing outside src/sim may include it.
//
// Threading model: one I/O thread runs `ioc`; every connection object and every gateway
// session is touched only on it (a single-threaded io_context is an implicit strand).
// Public Simulator methods run on arbitrary threads: they take `state_mu` (guild state),
// `rest_mu` (REST state) or `rec_mu` (records) and post fan-out work to `ioc`.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sim/simulator.h"

namespace lantern::sim {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

inline constexpr std::uint64_t kIntentGuilds = 1u << 0;
inline constexpr std::uint64_t kIntentGuildMembers = 1u << 1;
inline constexpr std::uint64_t kIntentGuildPresences = 1u << 8;
inline constexpr std::uint64_t kPrivilegedIntents = (1u << 1) | (1u << 8) | (1u << 15);
// Every defined intent bit (discord-protocol 1.5); anything else is closed with 4013.
inline constexpr std::uint64_t kValidIntents =
    0x1FFFFu | (1u << 20) | (1u << 21) | (1u << 24) | (1u << 25);
// Above this many members GUILD_CREATE carries only the bot (discord-protocol 1.10).
inline constexpr std::size_t kHugeGuildMembers = 75000;

// One member of the simulated guild, with its wire JSON rendered once per change.
struct MemberEntry {
  json::object member;                   // guild member with `user`
  std::string member_json;               // serialize(member)
  std::optional<json::object> presence;  // nullopt = offline
  std::string presence_json;             // {user:{id},status,client_status,activities}, no guild_id
  std::string username;                  // lower-cased, for op 8 prefix queries
  bool has_roles_or_nick = false;
};

class GatewayConnection;
class HttpConnection;

// A gateway session: survives its connection so that RESUME can replay what was missed.
struct GatewaySession {
  std::string id;
  std::uint64_t intents = 0;
  int large_threshold = 50;
  std::int64_t seq = 0;
  // (s, whole payload text) of the most recent dispatches, oldest first.
  std::deque<std::pair<std::int64_t, std::shared_ptr<const std::string>>> replay;
  std::size_t replay_bytes = 0;
  std::weak_ptr<GatewayConnection> connection;
  Clock::time_point detached_at{};

  bool wants(std::uint64_t intent) const { return (intents & intent) == intent; }
};

struct RestFailure {
  int remaining = 0;
  int status = 429;
  double retry_after = 1.0;
  std::string scope;
  std::string path_prefix;
};

struct InteractionState {
  Snowflake id = 0;
  Clock::time_point created;
  bool acknowledged = false;
  std::optional<json::object> original;
  std::vector<json::object> followups;
};

struct RateBucket {
  int limit = 5;
  int remaining = 5;
  Clock::time_point reset_at{};
};

class Simulator::Impl : public std::enable_shared_from_this<Simulator::Impl> {
 public:
  explicit Impl(Options o);

  // ---- lifecycle (simulator.cpp)
  void start();
  void stop();
  void do_accept();

  // ---- guild state helpers (simulator.cpp); callers hold state_mu unless noted
  static std::optional<Snowflake> user_id_of(const json::object& member);
  void put_member(Snowflake id, json::object member);
  void put_presence(Snowflake id, const json::object& presence);
  json::object bot_user() const;  // no lock needed

  // ---- gateway fan-out (I/O thread)
  // Sends op 0 `name` with pre-serialised `d` to every session whose intents include
  // `required_intents` (0 = always).
  void broadcast(const std::string& name, std::shared_ptr<const std::string> d,
                 std::uint64_t required_intents);
  // Assigns the next `s`, stores the payload for replay and sends it if connected.
  void dispatch_to(GatewaySession& session, std::string_view name, std::string_view d);
  // Posts `fn` to the I/O thread unless stopped (nothing may be queued after stop()).
  void post_if_running(std::function<void()> fn);
  void post_broadcast(std::string name, std::string d, std::uint64_t required_intents);
  std::string guild_create_json(const GatewaySession& session);  // takes state_mu
  // Builds the GUILD_MEMBERS_CHUNK `d`s for an op 8 request (takes state_mu).
  std::vector<std::string> member_chunks(const json::object& request, bool presences_allowed);
  std::string new_session_id();
  Snowflake next_snowflake();
  void forget_session(const std::string& id);
  // Makes room for one more session (Options::max_sessions), evicting detached ones.
  void prune_sessions();
  void for_each_connection(const std::function<void(GatewayConnection&)>& fn);

  // ---- REST (rest_routes.cpp), I/O thread
  http::response<http::string_body> handle_rest(const http::request<http::string_body>& req);

  // ---- recording and waiting
  void record_gateway(GatewayRecord record);
  void record_rest(RestRecord record);
  void notify();

  Options opt;
  // Destroyed by stop() after the thread has joined: that destroys every handler still
  // pending (each holds a shared_ptr to its connection, which holds this Impl), so no
  // reference cycle outlives stop(). `ioc` must not be used once running is false.
  std::unique_ptr<net::io_context> ioc_owner = std::make_unique<net::io_context>(1);
  net::io_context& ioc = *ioc_owner;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::optional<tcp::acceptor> acceptor;  // from start() until stop()
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> running{false};

  // Guild state (state_mu).
  mutable std::mutex state_mu;
  std::map<Snowflake, MemberEntry> members;
  std::string guild_joined_at;

  // I/O thread only.
  std::map<std::size_t, std::weak_ptr<GatewayConnection>> connections;
  std::map<std::size_t, std::weak_ptr<HttpConnection>> http_connections;
  std::size_t next_http_index = 0;
  std::unordered_map<std::string, std::shared_ptr<GatewaySession>> sessions;
  std::optional<Clock::time_point> last_full_member_request;
  std::size_t next_connection_index = 0;

  std::atomic<bool> ack_heartbeats{true};

  // Session start limit (starts_mu).
  mutable std::mutex starts_mu;
  SessionStartLimit starts;  // reset_after unused; see starts_reset_at
  Clock::time_point starts_reset_at;
  // Applies a window reset that is due and returns the limit as of `now`.
  SessionStartLimit current_session_starts(Clock::time_point now);  // caller holds starts_mu
  // Takes one start for an IDENTIFY; false when none is left.
  bool take_session_start();

  // Scripted chunk loss (drop_member_chunks).
  struct ChunkDrop {
    std::set<int> indexes;  // empty = all
    int requests = 0;       // op-8 answers still affected
  };
  mutable std::mutex chunk_drop_mu;
  ChunkDrop chunk_drop;  // chunk_drop_mu
  std::atomic<std::uint64_t> dropped_chunks{0};

  // REST state (rest_mu).
  mutable std::mutex rest_mu;
  std::map<Snowflake, std::vector<json::object>> commands;         // 0 = global
  std::unordered_map<std::string, InteractionState> interactions;  // by token
  std::vector<InteractionCallback> callbacks;
  std::deque<RestFailure> failures;
  std::map<std::string, RateBucket> buckets;

  // Records (rec_mu).
  mutable std::mutex rec_mu;
  std::deque<GatewayRecord> gateway_records;  // at most Options::max_records, oldest dropped
  std::deque<RestRecord> rest_records;

  mutable std::mutex wait_mu;
  mutable std::condition_variable wait_cv;
  std::uint64_t generation = 0;  // wait_mu

  std::atomic<std::size_t> open_connections{0};
  std::atomic<std::size_t> open_http{0};
  std::atomic<std::size_t> accepted_connections{0};
  std::atomic<std::size_t> accepted_tcp{0};
  std::atomic<int> close_without_answer{0};  // close_next_rest_without_answer
  // Takes one of close_without_answer; false when none is left.
  bool take_close_without_answer();
  // Records a request the simulator closed the connection on (status 0).
  void record_unanswered(const http::request<http::string_body>& req);
  std::atomic<std::size_t> identified{0};
  std::atomic<std::uint64_t> dispatches{0};
  std::atomic<std::uint64_t> snowflake_counter{0};
};

// One WebSocket connection to the gateway. Owns the stream, read buffer, deflate context,
// bounded write queue and heartbeat timer; lives through shared_from_this while an
// operation is pending. I/O thread only.
class GatewayConnection : public std::enable_shared_from_this<GatewayConnection> {
 public:
  GatewayConnection(std::shared_ptr<Simulator::Impl> sim, beast::tcp_stream&& stream,
                    std::size_t index);
  ~GatewayConnection();

  // Accepts the upgrade request already read by the HTTP session.
  void run(http::request<http::string_body> request);
  // Queues one payload (JSON text); deflated first when zlib-stream was requested.
  void send(std::shared_ptr<const std::string> payload);
  void send(std::string_view payload) { send(std::make_shared<const std::string>(payload)); }
  // Flushes the queue, then sends a close frame with `code`.
  void close(std::uint16_t code, std::string reason);
  // Closes the TCP connection without a close frame.
  void drop();

  std::size_t index() const { return index_; }
  const std::shared_ptr<GatewaySession>& session() const { return session_; }
  void detach_session();

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void do_write();
  void on_write(beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_close(beast::error_code ec);
  void arm_heartbeat_timer();
  void on_heartbeat_timeout(beast::error_code ec);
  void fail(beast::error_code ec, const char* what);
  void finish();

  void handle_payload(const std::string& text);
  void handle_identify(const json::value& d);
  void handle_resume(const json::value& d);
  void handle_request_members(const json::value& d);
  void handle_presence_update(const json::value& d);
  void send_op(int op, std::string_view d_json);

  std::shared_ptr<Simulator::Impl> sim_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::size_t index_;
  struct Deflater;
  std::unique_ptr<Deflater> deflater_;  // set when compress=zlib-stream
  std::deque<std::shared_ptr<const std::string>> queue_;
  bool writing_ = false;
  bool accepted_ = false;  // no frame may be written before the handshake completed
  std::optional<std::pair<std::uint16_t, std::string>> pending_close_;
  bool closing_ = false;  // close frame sent or being sent
  bool finished_ = false;
  net::steady_timer heartbeat_timer_;
  std::deque<Clock::time_point> received_at_;  // for the 120/60 s send limit
  std::shared_ptr<GatewaySession> session_;
  bool bad_version_ = false;
};

// One HTTP/1.1 connection: REST requests, or the upgrade to a GatewayConnection.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(std::shared_ptr<Simulator::Impl> sim, tcp::socket&& socket);
  ~HttpConnection();
  void run();
  void close();  // on stop(): cancels everything

 private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);

  std::shared_ptr<Simulator::Impl> sim_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<http::response<http::string_body>> response_;
  int served_ = 0;  // requests answered on this connection
};

// Multipart/form-data parsing (multipart.cpp). Returns false on a malformed body.
struct MultipartPart {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string data;
};
bool parse_multipart(std::string_view content_type, std::string_view body,
                     std::vector<MultipartPart>& parts);

}  // namespace lantern::sim
