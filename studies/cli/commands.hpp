// Subcommands of the impactsim program. Each registers its options on the
// CLI11 app and runs when selected; bad input throws InputError, which
// main() turns into one line on stderr and exit status 2.
#pragma once

#include <CLI/CLI.hpp>

namespace impactsim::cli {

void add_describe_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_design_command(CLI::App& app);
void add_glm_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_match_command(CLI::App& app);  // match and balance
void add_run_command(CLI::App& app);
void add_survival_commands(CLI::App& app);  // cox, km
void add_microsim_commands(CLI::App& app);  // microsim fit, simulate

}  // namespace impactsim::cli
