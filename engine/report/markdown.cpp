// Markdown rendering of a report Document: headings, paragraphs, bullet
// lists and pipe tables, readable in a diff. Charts are HTML-only.
#include <string>

#include "engine/report/document.hpp"

namespace impactsim::report {
namespace {

std::string md_row(const std::vector<std::string>& cells) {
  std::string s = "|";
  for (const auto& c : cells) s += " " + c + " |";
  return s + "\n";
}

std::string md_table(const Table& t) {
  std::string s = md_row(t.header) + "|";
  for (size_t i = 0; i < t.header.size(); ++i) s += " --- |";
  s += "\n";
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const Cell& c : row) cells.push_back(c.text);
    s += md_row(cells);
  }
  return s;
}

}  // namespace

std::string render_markdown(const Document& doc) {
  std::string md = "# " + doc.title + "\n\n";
  if (!doc.summary.empty()) {
    md += "## Summary\n\n";
    for (const auto& s : doc.summary) md += "- " + s + "\n";
    md += "\n";
  }
  for (const Section& sec : doc.sections) {
    md += std::string(static_cast<size_t>(sec.level), '#') + " " + sec.title + "\n\n";
    for (const Block& b : sec.blocks) {
      switch (b.kind) {
        case BlockKind::Paragraph: md += b.text + "\n\n"; break;
        case BlockKind::Bullets:
          for (const auto& item : b.items) md += "- " + item + "\n";
          md += "\n";
          break;
        case BlockKind::Table: md += md_table(doc.tables[b.index]) + "\n"; break;
        case BlockKind::Chart: break;
      }
    }
  }
  return md;
}

}  // namespace impactsim::report
