#include "discord/tls_context.h"

#include <boost/asio/buffer.hpp>
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

namespace lantern::discord {

std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const TlsOptions& options) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (options.use_system_store) {
    // A missing system bundle is not fatal here: every handshake will then fail
    // verification, which is reported per connection.
    context->set_default_verify_paths(ec);
  }
  if (!options.extra_ca_pem.empty()) {
    context->add_certificate_authority(boost::asio::buffer(options.extra_ca_pem), ec);
    if (ec) throw std::runtime_error("cannot load the extra TLS CA certificate: " + ec.message());
  }
  return context;
}

}  // namespace lantern::discord
