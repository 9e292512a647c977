// Command-line options of the benchmark programs: `--name value` pairs, each
// handled by a setter. Benchmarks are tools for people at a terminal, so an
// unknown option ends the program with a message and exit code 2.
#pragma once

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <string>

namespace lantern::bench {

using OptionSetters = std::map<std::string, std::function<void(const std::string&)>>;

inline void parse_options(int argc, char** argv, const OptionSetters& setters) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const auto setter = setters.find(argv[i]);
    if (setter == setters.end()) {
      std::cerr << "unknown option " << argv[i] << "\n";
      std::exit(2);
    }
    setter->second(argv[i + 1]);
  }
}

}  // namespace lantern::bench
