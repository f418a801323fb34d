// What the study report's sections share: the groups' colours, an
// estimate's cell, the small-cell protection of yearly counts, and the
// by-year charts whose points are tied to table cells (a masked cell's point
// is left out).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/report/document.hpp"
#include "engine/report/number_format.hpp"
#include "models/effects/effects.hpp"

namespace impactsim {

using report::Cell;
using report::CellRef;
using report::Chart;
using report::ChartKind;
using report::Document;
using report::DocumentCell;
using report::Unit;

inline const char* const kTreatedColor = "#d62728";
inline const char* const kControlColor = "#1f77b4";


inline Cell interval_cell(Unit u, const Estimate& e) { return Cell::of_number(report::format_interval(u, e.estimate, e.lower, e.upper)); }


// Members and controls (columns 1 and 2) are the same patients from year to
// year, fewer as they die: no two years' counts may differ by 1 to 9.
inline void protect_yearly_counts(report::Table& t) {
  for (size_t c : {1, 2}) {
    for (size_t a = 0; a < t.rows.size(); ++a) {
      for (size_t b = a + 1; b < t.rows.size(); ++b) t.differences.push_back({{a, c}, {b, c}});
    }
  }
}

// One point per year with its interval, each point tied to its table cell
// (row r of the table for years[r]; Row has a `year`).
template <class Row>
void add_series(Chart& c, const std::string& label, const char* color, const std::vector<Row>& years, size_t table,
                size_t column, double offset, bool line, auto value_of) {
  ChartSeries s;
  s.label = label;
  s.color = color;
  s.offset = offset;
  s.line = line;
  std::vector<std::optional<DocumentCell>> cells;
  for (size_t r = 0; r < years.size(); ++r) {
    const auto [v, lo, hi] = value_of(years[r]);
    s.x.push_back(years[r].year);
    s.y.push_back(v);
    s.lower.push_back(lo);
    s.upper.push_back(hi);
    cells.push_back(DocumentCell{table, {r, column}});
  }
  c.series.push_back(std::move(s));
  c.point_cells.push_back(std::move(cells));
}

struct Triple {
  double v, lo, hi;
};
inline Triple of_group(const GroupValue& g) { return {g.value, g.lower, g.upper}; }
inline Triple of_estimate(const Estimate& e) { return {e.estimate, e.lower, e.upper}; }

inline Chart year_chart(const std::string& title, const std::string& y_label) {
  Chart c;
  c.options.integer_x = true;
  c.options.x_label = "programme year (years after enrolment)";
  c.options.title = title;
  c.options.y_label = y_label;
  return c;
}

}  // namespace impactsim
