// impactsim microsim fit: transition models of the microsimulation, fitted on a cohort.
// impactsim simulate SCENARIOS.toml --out DIR: scale-up scenarios.
#include <fmt/format.h>

#include <iostream>

#include "engine/atomic_file.hpp"
#include "engine/hdf5_table.hpp"
#include "models/microsim/transition_models.hpp"
#include "studies/cli/commands.hpp"
#include "studies/scaleup/scenarios.hpp"

namespace impactsim::cli {

void add_microsim_commands(CLI::App& app) {
  auto* ms = app.add_subcommand("microsim", "Microsimulation models");
  ms->require_subcommand(1);
  auto* fit = ms->add_subcommand("fit", "Fit the yearly transition models on a cohort (non-members' person-years)");
  auto data = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  fit->add_option("--data", *data, "cohort file (.h5) with tables patients and yearly")->required();
  fit->add_option("--out", *out, "transition models (JSON: coefficients and covariance)")->required();
  fit->callback([data, out] {
    const Table patients = read_hdf5(*data, "patients");
    const Table yearly = read_hdf5(*data, "yearly");
    const TransitionModels m = fit_transition_models(patients, yearly);
    write_file_atomically(*out, m.to_json().dump(2) + "\n");
    std::cerr << fmt::format("impactsim: wrote {} ({} models)\n", *out, m.models.size());
  });

  auto* sim = app.add_subcommand("simulate", "Simulate scale-up scenarios (microsimulation with PSA)");
  auto file = std::make_shared<std::string>();
  auto dir = std::make_shared<std::string>();
  sim->add_option("SCENARIOS", *file, "scenario file (TOML), e.g. studies/scaleup_diabetes.toml")->required();
  sim->add_option("--out", *dir, "output directory (report.html, report.md, results.json)")->required();
  sim->callback([file, dir] {
    const ScenarioFile f = load_scenario_file(*file);
    run_scenarios(f, *dir, std::cerr);
  });
}

}  // namespace impactsim::cli
