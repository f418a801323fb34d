// impactsim run STUDY.toml --out DIR: a whole impact study from one file.
#include <iostream>

#include "studies/cli/commands.hpp"
#include "studies/study/study.hpp"

namespace impactsim::cli {

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run an impact study: data, propensity, matching, balance, effects, report");
  auto study = std::make_shared<std::string>();
  auto options = std::make_shared<StudyRunOptions>();
  cmd->add_option("STUDY", *study, "study file (TOML), e.g. studies/sophia_diabetes.toml")->required();
  cmd->add_option("--out", options->out_dir, "output directory (report.html, report.md, results.json, matched.h5)")
      ->required();
  cmd->callback([study, options] {
    const StudySpec spec = load_study(*study);  // every key checked before any work
    run_study(spec, *options, std::cerr);
  });
}

}  // namespace impactsim::cli
