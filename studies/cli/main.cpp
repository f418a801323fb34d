// impactsim: evaluation and scale-up simulation of health-insurance support
// programmes. One subcommand per pipeline stage.
#include <CLI/CLI.hpp>
#include <iostream>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/version.hpp"
#include "studies/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"impactsim: evaluate health-insurance support programmes from claims data, and simulate their scale-up"};
  app.set_version_flag("--version", std::string(impactsim::kProgramName) + " " + impactsim::kVersion);
  app.require_subcommand(1);
  int threads = 0;
  app.add_option("--threads", threads, "worker threads (default: all cores); results do not depend on it");
  impactsim::cli::add_describe_command(app);
  impactsim::cli::add_convert_command(app);
  impactsim::cli::add_design_command(app);
  impactsim::cli::add_glm_command(app);
  impactsim::cli::add_generate_command(app);
  impactsim::cli::add_match_command(app);
  impactsim::cli::add_run_command(app);
  impactsim::cli::add_survival_commands(app);
  impactsim::cli::add_microsim_commands(app);
  app.parse_complete_callback([&] { impactsim::set_thread_count(threads); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : impactsim::kInputErrorExitCode;
  } catch (const impactsim::InputError& e) {
    std::cerr << "impactsim: error: " << e.what() << "\n";
    return impactsim::kInputErrorExitCode;
  } catch (const std::exception& e) {
    std::cerr << "impactsim: internal error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
