// The one translation unit that compiles Asio, Asio's SSL support and Beast.
//
// Every other file is built with BOOST_ASIO_SEPARATE_COMPILATION and
// BOOST_BEAST_SEPARATE_COMPILATION (see the top-level CMakeLists.txt), so they
// only see declarations; this keeps each Beast-using file's compile time down
// on a two-core machine.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
