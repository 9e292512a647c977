// The TLS client context shared by the REST and gateway clients.
//
// Certificates are verified (SSL_VERIFY_PEER) against the system trust store,
// plus any extra CA given in PEM (tests trust their own self-signed CA that
// way; production leaves it empty). Per-connection settings (SNI and the host
// name check) are applied by the clients when they open a connection.
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace lantern::discord {

struct TlsOptions {
  bool use_system_store = true;  // trust the OS CA bundle
  std::string extra_ca_pem;      // additional trusted CA certificate(s), PEM
};

// Throws std::runtime_error when the extra CA cannot be loaded (a configuration error).
std::shared_ptr<boost::asio::ssl::context> make_tls_client_context(const TlsOptions& options);

}  // namespace lantern::discord
