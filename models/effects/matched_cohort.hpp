// The matched cohort as the effect estimators read it: each patient's
// matching weight, treatment and matched set (the cluster of robust
// standard errors; with replacement, where sets overlap, the patient), and
// the matched patients' yearly rows by programme year.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/table.hpp"
#include "models/effects/effects.hpp"

namespace impactsim {

// The matched patients (weight > 0) and the lookup from id to patient row.
struct Matched {
  std::unordered_map<int64_t, size_t> row_of_id;
  std::vector<double> weight;
  std::vector<uint8_t> treated;
  std::vector<int64_t> cluster;
};

// A table's column, or an InputError naming `what` and the nearest names.
const Column& require(const Table& t, const std::string& name, const char* what);

Matched matched_patients(const Table& patients, const CohortColumns& c);

// The yearly rows of matched patients, by year: (yearly row, patient row).
// Built once per call; every outcome and year reads from it.
using YearRows = std::map<int, std::vector<std::pair<size_t, size_t>>>;

YearRows rows_by_year(const Table& yearly, const Matched& m, const CohortColumns& c);
const std::vector<std::pair<size_t, size_t>>& rows_of(const YearRows& rows, int t);

}  // namespace impactsim
