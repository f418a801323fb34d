// A report as a document: a title, a short summary in words and numbers,
// then sections of paragraphs, bullet lists, tables and charts. Reports are
// built once as a Document, the small-cell rule is applied to it in one
// place (small_cells.hpp), and one renderer each writes it as Markdown and
// as a self-contained HTML page (inline SVG charts, no network).
//
// Cells carry what the rule needs: a count, or a number together with the
// counts it lets a reader derive (a proportion beside its denominator gives
// its events and non-events). Tables declare which cells add up (a total
// and its parts) and which must be masked together (a group's value and the
// differences computed from it). Chart points can name the table cell they
// show, and are left out when it is masked.
#pragma once

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/svg_chart.hpp"

namespace impactsim::report {

enum class CellKind { Text, Count, Number };

struct Cell {
  CellKind kind = CellKind::Text;
  std::string text;                  // as printed when shown
  double value = NAN;                // Count: the count
  std::vector<double> reveals;       // Number: the counts it lets a reader derive
  bool masked = false;               // set by the small-cell rule
  bool small = false;                // masked because a count it shows or reveals is 1 to 9

  static Cell of_text(std::string text);
  static Cell of_count(double n);  // printed as a whole number
  static Cell of_number(std::string formatted, std::vector<double> reveals = {});
};

struct CellRef {
  size_t row = 0, col = 0;
  friend bool operator==(const CellRef&, const CellRef&) = default;
};

// total = sum of parts: no shown total minus shown parts may give 1 to 9.
struct SumRelation {
  CellRef total;
  std::vector<CellRef> parts;
};

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
  std::vector<SumRelation> sums;
  // (a, b): counts of the same patients at two times (a year's members and a
  // later year's): a - b must not be 1 to 9 while both are shown.
  std::vector<std::pair<CellRef, CellRef>> differences;
  std::vector<std::vector<CellRef>> linked;  // each set masked as a whole when one of its cells is

  Cell& at(const CellRef& r) { return rows[r.row][r.col]; }
  const Cell& at(const CellRef& r) const { return rows[r.row][r.col]; }
  // Appends a row; returns its index.
  size_t add_row(std::vector<Cell> cells);
};

// A table cell anywhere in the document.
struct DocumentCell {
  size_t table = 0;
  CellRef cell;
};

enum class ChartKind { Lines, Histograms, Dots };

struct Chart {
  ChartKind kind = ChartKind::Lines;
  ChartOptions options;
  std::vector<ChartSeries> series;       // Lines and Dots
  std::vector<std::string> dot_labels;   // Dots: one row per label
  std::vector<Histogram> histograms;     // Histograms
  // Lines: per series and point, the cell the point shows (its point is left
  // out when the cell is masked).
  std::vector<std::vector<std::optional<DocumentCell>>> point_cells;
  // Histograms: per histogram and bin, the units it holds (a bin of 1 to 9
  // units is drawn empty, merged into no other).
  std::vector<std::vector<double>> bin_counts;
};

enum class BlockKind { Paragraph, Bullets, Table, Chart };

struct Block {
  BlockKind kind = BlockKind::Paragraph;
  std::string text;                 // Paragraph
  std::vector<std::string> items;   // Bullets
  size_t index = 0;                 // Table or Chart: its index in the document
};

struct Section {
  std::string title;
  int level = 2;  // 2: a section, 3: a subsection
  std::vector<Block> blocks;
};

struct Document {
  std::string title;
  // Cells of different tables that show the same figure (a year's members in
  // every outcome table): each set masked as a whole.
  std::vector<std::vector<DocumentCell>> linked;
  std::vector<std::string> summary;  // the headline results, one sentence each, before any table
  std::vector<Section> sections;
  std::vector<Table> tables;
  std::vector<Chart> charts;

  Section& section(std::string title, int level = 2);  // appends one
  void paragraph(std::string text);                    // to the last section
  void bullets(std::vector<std::string> items);
  size_t table(Table t);  // to the last section; returns its index
  size_t chart(Chart c);
};

std::string render_markdown(const Document& doc);
std::string render_html(const Document& doc);

}  // namespace impactsim::report
