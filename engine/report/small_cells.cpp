#include "engine/report/small_cells.hpp"

#include <algorithm>
#include <string>

#include "engine/report/document.hpp"

namespace impactsim::report {
namespace {

bool reveals_small(const Cell& c) {
  if (c.kind == CellKind::Count) return is_small_count(c.value);
  return std::any_of(c.reveals.begin(), c.reveals.end(), [](double n) { return is_small_count(n); });
}

void mask(Cell& c, bool& changed) {
  if (c.masked) return;
  c.masked = true;
  changed = true;
}

// Step 2 for one relation: mask the total, then the smallest shown part,
// while exactly one cell is hidden or the hidden parts add up to 1 to 9
// under a shown total.
void protect_sum(Table& t, const SumRelation& r, bool& changed) {
  for (;;) {
    size_t hidden = t.at(r.total).masked ? 1 : 0;
    double hidden_parts = 0;
    for (const CellRef& p : r.parts) {
      if (t.at(p).masked) {
        ++hidden;
        hidden_parts += t.at(p).value;
      }
    }
    const bool derivable = hidden == 1 || (!t.at(r.total).masked && is_small_count(hidden_parts));
    if (hidden == 0 || !derivable) return;
    if (!t.at(r.total).masked) {
      mask(t.at(r.total), changed);
      continue;
    }
    const CellRef* smallest = nullptr;
    for (const CellRef& p : r.parts) {
      if (!t.at(p).masked && (!smallest || t.at(p).value < t.at(*smallest).value)) smallest = &p;
    }
    if (!smallest) return;  // everything hidden
    mask(t.at(*smallest), changed);
  }
}

// A count of the same patients at two times: mask the later while their
// difference is 1 to 9.
void protect_difference(Table& t, const std::pair<CellRef, CellRef>& d, bool& changed) {
  Cell& a = t.at(d.first);
  Cell& b = t.at(d.second);
  if (!a.masked && !b.masked && is_small_count(std::abs(a.value - b.value))) mask(b, changed);
}

template <class Set, class At>
void mask_linked(const Set& set, At at, bool& changed) {
  if (std::any_of(set.begin(), set.end(), [&](const auto& r) { return at(r).masked; })) {
    for (const auto& r : set) mask(at(r), changed);
  }
}

}  // namespace

void apply_small_cell_rule(Document& doc) {
  for (Table& t : doc.tables) {
    for (auto& row : t.rows) {
      for (Cell& c : row) {
        if (reveals_small(c)) c.masked = c.small = true;
      }
    }
  }
  bool changed = true;
  while (changed) {
    changed = false;
    for (Table& t : doc.tables) {
      for (const SumRelation& r : t.sums) protect_sum(t, r, changed);
      for (const auto& d : t.differences) protect_difference(t, d, changed);
      for (const auto& set : t.linked) mask_linked(set, [&](const CellRef& r) -> Cell& { return t.at(r); }, changed);
    }
    for (const auto& set : doc.linked) {
      mask_linked(set, [&](const DocumentCell& r) -> Cell& { return doc.tables[r.table].at(r.cell); }, changed);
    }
  }
  for (Table& t : doc.tables) {
    for (auto& row : t.rows) {
      for (Cell& c : row) {
        if (c.masked) c.text = std::string(c.small ? kSmallCountText : kMaskedText);
      }
    }
  }
  for (Chart& ch : doc.charts) {
    for (size_t s = 0; s < ch.point_cells.size() && s < ch.series.size(); ++s) {
      ChartSeries& series = ch.series[s];
      for (size_t k = 0; k < ch.point_cells[s].size() && k < series.y.size(); ++k) {
        const auto& ref = ch.point_cells[s][k];
        if (ref && doc.tables[ref->table].at(ref->cell).masked) {
          series.y[k] = NAN;
          if (k < series.lower.size()) series.lower[k] = NAN;
          if (k < series.upper.size()) series.upper[k] = NAN;
        }
      }
    }
    for (size_t h = 0; h < ch.bin_counts.size() && h < ch.histograms.size(); ++h) {
      for (size_t b = 0; b < ch.bin_counts[h].size() && b < ch.histograms[h].density.size(); ++b) {
        if (is_small_count(ch.bin_counts[h][b])) ch.histograms[h].density[b] = 0;
      }
    }
  }
}

}  // namespace impactsim::report
