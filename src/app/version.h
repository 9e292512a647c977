#pragma once

namespace lantern::app {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace lantern::app
