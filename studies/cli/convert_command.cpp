// impactsim convert IN OUT: between CSV and HDF5 (either way, or CSV to CSV
// to change delimiter and decimal mark, HDF5 to HDF5 to recompress).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "engine/error.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {

void add_convert_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "Convert a table between CSV and HDF5");
  auto in = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto input = std::make_shared<TableInputFlags>();
  auto output = std::make_shared<TableOutputFlags>();
  cmd->add_option("IN", *in, "input table: .csv, .tsv, .txt or .h5")->required();
  cmd->add_option("OUT", *out, "output table: .csv, .tsv, .txt or .h5")->required();
  input->add_to(*cmd);
  output->add_to(*cmd);
  cmd->callback([in, out, input, output] {
    const TableWriteOptions write_options = output->options();  // validate flags before any work
    table_format(*out);
    if (std::filesystem::exists(*in) && std::filesystem::exists(*out) && std::filesystem::equivalent(*in, *out)) {
      throw InputError(*out + ": output would overwrite the input; choose another name");
    }
    Table t = read_table(*in, input->options());
    if (t.name().empty()) t.set_name(std::filesystem::path(*in).stem().string());
    write_table(t, *out, write_options);
    std::cerr << fmt::format("impactsim: wrote {} ({} rows, {} columns)\n", *out, t.num_rows(), t.num_columns());
  });
}

}  // namespace impactsim::cli
