// impactsim design --data FILE --formula "y ~ ..." [--out FILE]: the design
// matrix R's model.matrix would build, to check a formula before fitting.
#include <fmt/format.h>

#include <iostream>

#include "engine/design_matrix.hpp"
#include "engine/error.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {

void add_design_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("design", "Expand a model formula into its design matrix (as R's model.matrix)");
  struct Args {
    std::string data, formula, out;
    std::vector<std::string> reference;
    TableInputFlags input;
    TableOutputFlags output;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--data", a->data, "table file: .csv, .tsv, .txt or .h5")->required();
  cmd->add_option("--formula", a->formula, "R model formula, e.g. \"y ~ age + sex + log(spending + 1)\"")->required();
  cmd->add_option("--reference", a->reference, "reference level of a factor, VARIABLE=LEVEL, repeatable");
  cmd->add_option("--out", a->out, "write the matrix (and the response) to this .csv or .h5 file");
  a->input.add_to(*cmd);
  a->output.add_to(*cmd);
  cmd->callback([a] {
    DesignOptions options;
    options.reference_levels = parse_assignments(a->reference, "--reference", "VARIABLE=LEVEL region=north");
    const TableWriteOptions write_options = a->output.options();
    if (!a->out.empty()) table_format(a->out);
    const Formula formula = Formula::parse(a->formula);
    const Table data = read_table(a->data, a->input.options());
    const DesignMatrix dm = build_design_matrix(data, formula, options);

    std::cout << fmt::format("{} rows used, {} dropped for missing values; {} columns\n", dm.rows.size(),
                             dm.rows_dropped, dm.column_names.size());
    if (dm.has_response) std::cout << fmt::format("  response: {}\n", dm.response_name);
    for (size_t j = 0; j < dm.column_names.size(); ++j) {
      const int term = dm.assign[j];
      std::cout << fmt::format("  {:>3}  {:<30}  term: {}\n", j + 1, dm.column_names[j],
                               term == 0 ? std::string("(Intercept)") : dm.term_labels[static_cast<size_t>(term - 1)]);
    }
    if (a->out.empty()) return;
    Table t("design");
    std::vector<int64_t> rows(dm.rows.begin(), dm.rows.end());
    for (auto& r : rows) ++r;  // 1-based data rows, as R's row names
    t.add_column(Column::int64("row", std::move(rows)));
    if (dm.has_response) t.add_column(Column::float64(dm.response_name, std::vector<double>(dm.y.begin(), dm.y.end())));
    for (size_t j = 0; j < dm.column_names.size(); ++j) {
      const auto col = dm.x.col(static_cast<Eigen::Index>(j));
      t.add_column(Column::float64(dm.column_names[j], std::vector<double>(col.begin(), col.end())));
    }
    write_table(t, a->out, write_options);
    std::cerr << fmt::format("impactsim: wrote {}\n", a->out);
  });
}

}  // namespace impactsim::cli
