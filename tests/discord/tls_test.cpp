// The REST and gateway clients verify TLS certificates: a server with a
// self-signed certificate (made here with OpenSSL) is refused unless the client
// is told to trust that certificate as a CA.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <memory>
#include <thread>

#include "discord/gateway_client.h"
#include "discord/rest_client.h"

namespace lantern::discord {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

struct Credentials {
  std::string cert_pem;
  std::string key_pem;
};

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A self-signed CA certificate for the names in `san` (an X.509v3 SAN value).
Credentials make_self_signed(const char* san = "IP:127.0.0.1, DNS:localhost") {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("lantern test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, cert);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  Credentials out{bio_string(cert_bio), bio_string(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// A one-thread HTTPS server answering every request with 200 {"ok":true}.
class TlsServer {
 public:
  explicit TlsServer(const Credentials& credentials)
      : tls_(asio::ssl::context::tls_server),
        acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    tls_.use_certificate_chain(asio::buffer(credentials.cert_pem));
    tls_.use_private_key(asio::buffer(credentials.key_pem), asio::ssl::context::pem);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsServer() {
    stopping_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept with a connection of our own.
    asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }

  std::string base() const {
    return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/api/v10";
  }
  int handshakes_ok() const { return handshakes_ok_; }

 private:
  void serve() {
    while (!stopping_) {
      boost::system::error_code ec;
      asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_) continue;
      beast::ssl_stream<asio::ip::tcp::socket> stream(std::move(socket), tls_);
      stream.handshake(asio::ssl::stream_base::server, ec);
      if (ec) continue;
      ++handshakes_ok_;
      beast::flat_buffer buffer;
      http::request<http::string_body> request;
      http::read(stream, buffer, request, ec);
      if (ec) continue;
      http::response<http::string_body> response{http::status::ok, 11};
      response.set(http::field::content_type, "application/json");
      response.body() = R"({"ok":true})";
      response.prepare_payload();
      http::write(stream, response, ec);
      stream.shutdown(ec);
    }
  }

  asio::io_context io_;
  asio::ssl::context tls_;
  asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> handshakes_ok_{0};
  std::thread thread_;
};

RestResult fetch(const std::string& base, TlsOptions tls) {
  asio::io_context io;
  RestOptions options;
  options.api_base = base;
  options.token = "t";
  options.tls = std::move(tls);
  options.max_attempts = 1;
  options.timeout = 5s;
  RestClient client(io.get_executor(), options);
  std::optional<RestResult> result;
  RestRequest request;
  request.path = "/gateway/bot";
  client.request(request, [&](RestResult r) {
    result = std::move(r);
    client.stop();  // closes the kept-alive connection: run_for returns once idle
  });
  io.run_for(10s);
  EXPECT_TRUE(result);
  return result.value_or(RestResult{});
}

TEST(Tls, RefusesAServerWhoseCertificateIsNotTrusted) {
  const Credentials credentials = make_self_signed();
  TlsServer server(credentials);
  const RestResult result = fetch(server.base(), TlsOptions{});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("tls handshake"), std::string::npos) << result.error;
  EXPECT_EQ(server.handshakes_ok(), 0);
}

TEST(Tls, AcceptsTheServerWhenItsCaIsTrusted) {
  const Credentials credentials = make_self_signed();
  TlsServer server(credentials);
  TlsOptions tls;
  tls.use_system_store = false;
  tls.extra_ca_pem = credentials.cert_pem;
  const RestResult result = fetch(server.base(), tls);
  EXPECT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(result.body, R"({"ok":true})");
}

TEST(Tls, RefusesATrustedCertificateForAnotherHostName) {
  // Trusted CA, but the certificate names another host than the one dialled.
  const Credentials credentials = make_self_signed("DNS:elsewhere.invalid");
  TlsServer server(credentials);
  TlsOptions tls;
  tls.use_system_store = false;
  tls.extra_ca_pem = credentials.cert_pem;
  const RestResult result = fetch(server.base(), tls);
  EXPECT_FALSE(result.ok());
  EXPECT_NE(result.error.find("tls handshake"), std::string::npos) << result.error;
  EXPECT_EQ(server.handshakes_ok(), 0);
}

class NullSink : public GatewayEventSink {
 public:
  void on_event(GatewayEvent&&) override {}
  void on_fatal(const std::string&) override {}
};

// Points a gateway client straight at `wss://` (a saved session's resume URL,
// so no discovery is needed) and waits until it attempted `connections`
// connections; returns the status then.
GatewayStatus dial_gateway(const std::string& wss_url, TlsOptions tls, TlsServer& server,
                           bool expect_handshake) {
  asio::io_context io;
  RestOptions rest_options;
  rest_options.api_base = "http://127.0.0.1:1/api/v10";
  RestClient rest(io.get_executor(), rest_options);
  NullSink sink;
  GatewayOptions options;
  options.token = "t";
  options.tls = std::move(tls);
  options.backoff_base = 1ms;
  options.backoff_cap = 5ms;
  options.resume = ResumableSession{"session", 1, wss_url};
  GatewayClient gateway(io.get_executor(), options, rest, sink);
  gateway.start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    io.run_for(20ms);
    if (expect_handshake ? server.handshakes_ok() > 0 : gateway.status().connections >= 3) break;
  }
  GatewayStatus status = gateway.status();
  gateway.stop(true);
  rest.stop();
  io.run_for(100ms);
  return status;
}

std::string wss_url(const TlsServer& server) {
  std::string url = server.base();
  url.replace(0, 5, "wss");  // https -> wss
  return url.substr(0, url.find("/api"));
}

TEST(Tls, GatewayRefusesAnUntrustedWssServer) {
  const Credentials credentials = make_self_signed();
  TlsServer server(credentials);
  const GatewayStatus status = dial_gateway(wss_url(server), TlsOptions{}, server, false);
  EXPECT_GE(status.connections, 3u);  // keeps retrying (not fatal)...
  EXPECT_FALSE(status.connected);
  EXPECT_EQ(server.handshakes_ok(), 0);  // ...but never completes a TLS handshake
}

TEST(Tls, GatewayCompletesTheTlsHandshakeWithATrustedCa) {
  const Credentials credentials = make_self_signed();
  TlsServer server(credentials);
  TlsOptions tls;
  tls.use_system_store = false;
  tls.extra_ca_pem = credentials.cert_pem;
  dial_gateway(wss_url(server), tls, server, true);
  EXPECT_GE(server.handshakes_ok(), 1);
}

}  // namespace
}  // namespace lantern::discord
