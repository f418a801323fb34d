// impactsim run STUDY.toml --out DIR: a whole impact study from one file.
#include <iostream>

#include "engine/error.hpp"
#include "studies/cli/commands.hpp"
#include "studies/impact/study.hpp"

namespace impactsim::cli {

void add_run_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Run an impact study: data, propensity, matching, balance, effects, report");
  auto study = std::make_shared<std::string>();
  auto options = std::make_shared<StudyRunOptions>();
  cmd->add_option("STUDY", *study, "study file (TOML), e.g. studies/sophia_diabetes.toml")->required();
  cmd->add_option("--out", options->out_dir, "output directory (report.html, report.md, results.json, matched.h5)")
      ->required();
  auto patients = std::make_shared<int64_t>(0);
  cmd->add_option("--patients", *patients, "reduced run: generate this many patients instead of the study's N");
  cmd->callback([study, options, patients] {
    StudySpec spec = load_study(*study);  // every key checked before any work
    if (*patients != 0) spec.reduce_to(*patients);
    for (const auto& w : spec.warnings) std::cerr << "impactsim: warning: " << w << "\n";
    run_study(spec, *options, std::cerr);
  });
}

}  // namespace impactsim::cli
