#include "app/cli.h"

int main(int argc, char** argv) {
  return lantern::app::run_cli(argc, argv);
}
