#include "models/effects/matched_cohort.hpp"

#include <cmath>

#include "engine/error.hpp"

namespace impactsim {

const Column& require(const Table& t, const std::string& name, const char* what) {
  if (!t.has_column(name)) {
    throw InputError(std::string(what) + ": no column \"" + name + "\"" + suggest_names(name, t.column_names()));
  }
  return t.column(name);
}

Matched matched_patients(const Table& patients, const CohortColumns& c) {
  Matched m;
  const Column& id = require(patients, c.id, "patients table");
  const Column& w = require(patients, c.weights, "patients table");
  const Column& tr = require(patients, c.treatment, "patients table");
  const bool has_subclass = patients.has_column(c.subclass);
  const size_t n = patients.num_rows();
  m.weight.resize(n);
  m.treated.resize(n);
  m.cluster.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double wi = w.numeric_value(i);
    m.weight[i] = std::isfinite(wi) ? wi : 0.0;
    const double t = tr.numeric_value(i);
    if (t != 0 && t != 1) throw InputError("treatment \"" + c.treatment + "\" must be 0/1 (row " + std::to_string(i + 1) + ")");
    m.treated[i] = t == 1;
    const int64_t pid = static_cast<int64_t>(id.numeric_value(i));
    m.row_of_id.emplace(pid, i);
    // Matched sets; without them (matching with replacement) each patient is its own cluster.
    const bool in_set = has_subclass && !patients.column(c.subclass).is_missing(i);
    m.cluster[i] = in_set ? static_cast<int64_t>(patients.column(c.subclass).numeric_value(i)) : -1 - pid;
  }
  return m;
}

YearRows rows_by_year(const Table& yearly, const Matched& m, const CohortColumns& c) {
  const Column& id = require(yearly, c.id, "yearly table");
  const Column& year = require(yearly, c.year, "yearly table");
  YearRows out;
  for (size_t r = 0; r < yearly.num_rows(); ++r) {
    const auto it = m.row_of_id.find(static_cast<int64_t>(id.numeric_value(r)));
    if (it == m.row_of_id.end() || m.weight[it->second] <= 0) continue;
    out[static_cast<int>(year.numeric_value(r))].push_back({r, it->second});
  }
  return out;
}

const std::vector<std::pair<size_t, size_t>>& rows_of(const YearRows& rows, int t) {
  static const std::vector<std::pair<size_t, size_t>> none;
  const auto it = rows.find(t);
  return it == rows.end() ? none : it->second;
}

}  // namespace impactsim
