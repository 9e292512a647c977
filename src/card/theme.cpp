#include "card/theme.h"

namespace lantern::card {

Theme default_dark_theme() {
  return Theme{
      .background = "#2b2d31",
      .border = "#1e1f22",
      .text = "#f2f3f5",
      .secondary_text = "#b5bac1",
      .separator = "#3f4147",
      .status_online = "#23a55a",
      .status_idle = "#f0b232",
      .status_dnd = "#f23f43",
      .status_offline = "#80848e",
      .tag_background = "#1e1f22",
      .tag_text = "#f2f3f5",
      .progress_track = "#4e5058",
      .progress_fill = "#f2f3f5",
      .image_background = "#2b2d31",
  };
}

Theme default_light_theme() {
  return Theme{
      .background = "#ffffff",
      .border = "#e3e5e8",
      .text = "#060607",
      .secondary_text = "#4e5058",
      .separator = "#e3e5e8",
      .status_online = "#23a55a",
      .status_idle = "#f0b232",
      .status_dnd = "#f23f43",
      .status_offline = "#80848e",
      .tag_background = "#ebedef",
      .tag_text = "#060607",
      .progress_track = "#d4d7dc",
      .progress_fill = "#060607",
      .image_background = "#ffffff",
  };
}

bool is_valid_color(std::string_view color) {
  if (color.size() != 4 && color.size() != 7 && color.size() != 9) return false;
  if (color[0] != '#') return false;
  for (char c : color.substr(1)) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

}  // namespace lantern::card
