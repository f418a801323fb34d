#include "engine/report/document.hpp"

#include <fmt/format.h>

namespace impactsim::report {

Cell Cell::of_text(std::string text) {
  Cell c;
  c.text = std::move(text);
  return c;
}

Cell Cell::of_count(double n) {
  Cell c;
  c.kind = CellKind::Count;
  c.value = n;
  c.text = std::isfinite(n) ? fmt::format("{:.0f}", n) : ".";
  return c;
}

Cell Cell::of_number(std::string formatted, std::vector<double> reveals) {
  Cell c;
  c.kind = CellKind::Number;
  c.text = std::move(formatted);
  c.reveals = std::move(reveals);
  return c;
}

size_t Table::add_row(std::vector<Cell> cells) {
  rows.push_back(std::move(cells));
  return rows.size() - 1;
}

Section& Document::section(std::string title, int level) {
  sections.push_back({std::move(title), level, {}});
  return sections.back();
}

void Document::paragraph(std::string text) {
  Block b;
  b.text = std::move(text);
  sections.back().blocks.push_back(std::move(b));
}

void Document::bullets(std::vector<std::string> items) {
  Block b;
  b.kind = BlockKind::Bullets;
  b.items = std::move(items);
  sections.back().blocks.push_back(std::move(b));
}

size_t Document::table(Table t) {
  tables.push_back(std::move(t));
  Block b;
  b.kind = BlockKind::Table;
  b.index = tables.size() - 1;
  sections.back().blocks.push_back(b);
  return b.index;
}

size_t Document::chart(Chart c) {
  charts.push_back(std::move(c));
  Block b;
  b.kind = BlockKind::Chart;
  b.index = charts.size() - 1;
  sections.back().blocks.push_back(b);
  return b.index;
}

}  // namespace impactsim::report
