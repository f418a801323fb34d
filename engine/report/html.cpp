// HTML rendering of a report Document: one self-contained page (inline CSS
// and SVG charts, no script, no network), the page skeleton written here
// and nowhere else.
#include <string>

#include "engine/report/document.hpp"

namespace impactsim::report {
namespace {

const char* kStyle =
    "body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}svg{display:block;margin:1em 0}"
    ".summary{background:#f6f8fa;border-left:4px solid #1f77b4;padding:0.5em 1em}";

std::string html_table(const Table& t) {
  std::string s = "<table>\n<tr>";
  for (const auto& h : t.header) s += "<th>" + html_escape(h) + "</th>";
  s += "</tr>\n";
  for (const auto& row : t.rows) {
    s += "<tr>";
    for (const Cell& c : row) s += "<td>" + html_escape(c.text) + "</td>";
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

std::string html_chart(const Chart& c) {
  switch (c.kind) {
    case ChartKind::Lines: return svg_xy_chart(c.series, c.options);
    case ChartKind::Histograms: return svg_histograms(c.histograms, c.options);
    case ChartKind::Dots: return svg_dot_chart(c.dot_labels, c.series, c.options);
  }
  return "";
}

}  // namespace

std::string render_html(const Document& doc) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(doc.title) +
                  "</title>\n<style>" + kStyle + "</style></head><body>\n<h1>" + html_escape(doc.title) + "</h1>\n";
  if (!doc.summary.empty()) {
    h += "<div class=\"summary\"><h2>Summary</h2>\n<ul>\n";
    for (const auto& s : doc.summary) h += "<li>" + html_escape(s) + "</li>\n";
    h += "</ul></div>\n";
  }
  for (const Section& sec : doc.sections) {
    const std::string tag = "h" + std::to_string(sec.level);
    h += "<" + tag + ">" + html_escape(sec.title) + "</" + tag + ">\n";
    for (const Block& b : sec.blocks) {
      switch (b.kind) {
        case BlockKind::Paragraph: h += "<p>" + html_escape(b.text) + "</p>\n"; break;
        case BlockKind::Bullets:
          h += "<ul>\n";
          for (const auto& item : b.items) h += "<li>" + html_escape(item) + "</li>\n";
          h += "</ul>\n";
          break;
        case BlockKind::Table: h += html_table(doc.tables[b.index]); break;
        case BlockKind::Chart: h += html_chart(doc.charts[b.index]); break;
      }
    }
  }
  return h + "</body></html>\n";
}

}  // namespace impactsim::report
