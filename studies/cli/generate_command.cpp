// impactsim generate: a synthetic claims cohort with known truth.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "data/generator/generate.hpp"
#include "engine/error.hpp"
#include "studies/cli/commands.hpp"

namespace impactsim::cli {

void add_generate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "generate", "Generate a synthetic claims cohort (patients + yearly tables) with known effects of enrolment");
  struct Flags {
    generator::GenerateOptions options;
    generator::GenerateOutput output;
    std::string compression = "deflate";
    bool dictionary = false;
  };
  auto f = std::make_shared<Flags>();
  cmd->add_option("--programme", f->options.programme, "diabetes, asthma or heart-failure")->default_val("diabetes");
  cmd->add_option("--patients", f->options.patients, "number of patients N")->default_val(10000);
  cmd->add_option("--years", f->options.years, "follow-up years H after the index year (1..30)")->default_val(8);
  cmd->add_option("--seed", f->options.seed, "random seed; same seed, same files")->default_val(1);
  cmd->add_flag("--engagement", f->options.engagement,
                "add the unobserved engagement trait (drives enrolment and outcomes) for sensitivity analyses");
  cmd->add_option("--parameters", f->options.parameters, "parameter file (default: data/<programme>.toml)");
  cmd->add_option("--out", f->output.hdf5, "cohort file (.h5) with tables patients and yearly");
  cmd->add_flag("--dictionary", f->dictionary, "print the data dictionary of every programme (Markdown) and exit");
  cmd->add_option("--csv", f->output.csv_dir, "also write patients.csv and yearly.csv into this directory");
  cmd->add_option("--truth", f->output.truth, "truth file (default: truth.json next to --out)");
  cmd->add_option("--compression", f->compression, "HDF5 compression: deflate (level 1, parallel) or none")
      ->default_val("deflate");
  cmd->callback([f] {
    if (f->dictionary) {
      std::cout << generator::data_dictionary_markdown();
      return;
    }
    if (f->output.hdf5.empty()) throw InputError("--out is required: the cohort file to write (e.g. --out cohort.h5)");
    if (f->compression == "none") {
      f->output.hdf5_options.compression = Compression::None;
    } else if (f->compression != "deflate") {
      throw InputError("--compression: \"" + f->compression + "\" is not deflate or none");
    }
    if (std::filesystem::path(f->output.hdf5).extension() != ".h5") {
      throw InputError("--out " + f->output.hdf5 + ": the cohort file must end in .h5");
    }
    const auto start = std::chrono::steady_clock::now();
    const auto s = generator::generate_cohort(f->options, f->output);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << fmt::format(
        "impactsim: wrote {} ({} patients, {} yearly rows, {} members) and {} in {:.1f} s\n", f->output.hdf5,
        s.patients, s.yearly_rows, s.members, s.truth_path, secs);
  });
}

}  // namespace impactsim::cli
