#include "hub/frame.h"

#include <zlib.h>

#include <stdexcept>

namespace lantern::hub {

const std::string& Frame::zlib() const {
  std::call_once(zlib_once_, [this] { zlib_ = zlib_compress(json_); });
  return zlib_;
}

std::string zlib_compress(const std::string& data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                     reinterpret_cast<const Bytef*>(data.data()), static_cast<uLong>(data.size()),
                     Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) throw std::runtime_error("zlib compress2 failed");  // only on out-of-memory
  out.resize(size);
  return out;
}

}  // namespace lantern::hub
