// impactsim describe FILE: each column's type, missing count, and min / mean /
// max (numbers) or level counts (bool, categorical).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <numeric>

#include "engine/error.hpp"
#include "studies/cli/commands.hpp"
#include "studies/cli/table_options.hpp"

namespace impactsim::cli {
namespace {

std::string numeric_summary(const Column& c) {
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  size_t n = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    const double v = c.numeric_value(i);
    if (std::isnan(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    ++n;
  }
  if (n == 0) return "all missing";
  return fmt::format("min {:.6g}, mean {:.6g}, max {:.6g}", lo, sum / static_cast<double>(n), hi);
}

std::string level_summary(const Column& c) {
  std::vector<std::string> levels;
  std::vector<size_t> counts;
  if (c.type() == ColumnType::Bool) {
    levels = {"FALSE", "TRUE"};
    counts.assign(2, 0);
    for (uint8_t v : c.b8()) {
      if (v != kMissingBool) ++counts[v];
    }
  } else {
    levels = c.levels();
    counts.assign(levels.size(), 0);
    for (int32_t v : c.codes()) {
      if (v != kMissingCode) ++counts[static_cast<size_t>(v)];
    }
  }
  // Most frequent first (ties in level order), at most eight shown.
  std::vector<size_t> order(levels.size());
  std::iota(order.begin(), order.end(), size_t{0});
  if (c.type() == ColumnType::Categorical) {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return counts[a] > counts[b]; });
  }
  std::string out = c.type() == ColumnType::Categorical ? fmt::format("{} levels: ", levels.size()) : "";
  const size_t shown = std::min<size_t>(order.size(), 8);
  for (size_t k = 0; k < shown; ++k) {
    out += fmt::format("{}{} {}", k > 0 ? ", " : "", levels[order[k]], counts[order[k]]);
  }
  if (order.size() > shown) out += ", ...";
  return out;
}

void describe_table(const std::string& path, const Table& t) {
  std::cout << fmt::format("{}{}: {} rows, {} columns\n", path, t.name().empty() ? "" : " [" + t.name() + "]",
                           t.num_rows(), t.num_columns());
  for (const auto& [key, value] : t.metadata()) std::cout << fmt::format("  {} = {}\n", key, value);
  size_t width = 6;
  for (const auto& c : t.columns()) width = std::max(width, c.name().size());
  std::cout << fmt::format("  {:<{}}  {:<11}  {:>9}  {}\n", "column", width, "type", "missing", "summary");
  for (const auto& c : t.columns()) {
    const std::string summary = c.is_numeric() ? numeric_summary(c) : level_summary(c);
    std::cout << fmt::format("  {:<{}}  {:<11}  {:>9}  {}\n", c.name(), width, to_string(c.type()), c.missing_count(),
                             summary);
  }
}

}  // namespace

void add_describe_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("describe", "Describe each column of a table: type, missing values, range or levels");
  auto file = std::make_shared<std::string>();
  auto flags = std::make_shared<TableInputFlags>();
  cmd->add_option("FILE", *file, "table file: .csv, .tsv, .txt or .h5")->required();
  flags->add_to(*cmd);
  cmd->callback([file, flags] {
    const TableReadOptions options = flags->options();
    if (table_format(*file) == TableFormat::Hdf5 && options.table.empty()) {
      for (const auto& name : hdf5_table_names(*file)) describe_table(*file, read_hdf5(*file, name));
      return;
    }
    describe_table(*file, read_table(*file, options));
  });
}

}  // namespace impactsim::cli
