// Turning fetched image bytes into the data: URIs the card embeds.
// Pure functions; callable from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lantern::card {

// The image type of `bytes` from its magic number: "image/png", "image/jpeg", "image/gif"
// or "image/webp"; nullopt for anything else (SVG included: a nested SVG could carry
// scripts or references, so the card never embeds one it did not draw itself).
std::optional<std::string_view> sniff_image_type(std::string_view bytes);

// "data:<type>;base64,<bytes in base64>" when `bytes` is one of the accepted image types,
// else nullopt. The type is taken from the bytes, never from what a server claimed.
std::optional<std::string> make_data_uri(std::string_view bytes);

}  // namespace lantern::card
