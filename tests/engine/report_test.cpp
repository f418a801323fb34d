#include <gtest/gtest.h>

#include "engine/report/document.hpp"
#include "engine/report/number_format.hpp"
#include "engine/report/small_cells.hpp"

namespace impactsim::report {
namespace {

TEST(NumberFormat, DigitsFollowTheIntervalAndTheUnit) {
  // The asthma adherence gain: three decimals, not "0.0 [0.0, 0.0]".
  EXPECT_EQ(format_interval(Unit::Plain, 0.023, 0.019, 0.026), "0.023 [0.019, 0.026]");
  EXPECT_EQ(format_interval(Unit::Ratio, 0.71, 0.62, 0.81), "0.71 [0.62, 0.81]");
  EXPECT_EQ(format_interval(Unit::Ratio, 1.03, 0.8, 1.3), "1.03 [0.80, 1.30]");  // ratios: at least 2 decimals
  EXPECT_EQ(format_interval(Unit::Euros, 65.4, 40.2, 90.7), "65 [40, 91]");
  EXPECT_EQ(format_interval(Unit::Proportion, 0.6234, 0.6151, 0.6317), "0.623 [0.615, 0.632]");
  EXPECT_EQ(format_interval(Unit::RatePer100, 31.24, 30.1, 32.3), "31.2 [30.1, 32.3]");
  EXPECT_EQ(format_interval(Unit::Proportion, NAN, 0, 1), ".");
  EXPECT_EQ(format_interval(Unit::Euros, 6700, NAN, NAN), "6700");
  EXPECT_EQ(format_value(Unit::Plain, 0.0234), "0.0234");
  EXPECT_EQ(format_value(Unit::Count, 12.0), "12");
  EXPECT_EQ(format_fixed(-0.0001, 2), "0.00");
}

Table counts_table(double all, double matched, double unmatched, double discarded) {
  Table t;
  t.header = {"", "n"};
  t.add_row({Cell::of_text("All"), Cell::of_count(all)});
  t.add_row({Cell::of_text("Matched"), Cell::of_count(matched)});
  t.add_row({Cell::of_text("Unmatched"), Cell::of_count(unmatched)});
  t.add_row({Cell::of_text("Discarded"), Cell::of_count(discarded)});
  t.sums.push_back({{0, 1}, {{1, 1}, {2, 1}, {3, 1}}});
  return t;
}

std::vector<std::string> texts(const Table& t, size_t col) {
  std::vector<std::string> s;
  for (const auto& r : t.rows) s.push_back(r[col].text);
  return s;
}

// The defect: All (53) minus Matched (51) gave the masked 2.
TEST(SmallCells, AMaskedPartCannotBeDerivedFromTheTotal) {
  Document doc;
  doc.section("sizes");
  doc.table(counts_table(53, 51, 2, 0));
  apply_small_cell_rule(doc);
  EXPECT_EQ(texts(doc.tables[0], 1), (std::vector<std::string>{"masked", "51", "<10", "0"}));
}

TEST(SmallCells, HiddenPartsMustNotAddUpToASmallCount) {
  Document doc;
  doc.section("sizes");
  doc.table(counts_table(100, 85, 3, 12));  // 3 masked; the total masked; 85 + 12 shown: 100 - ... not derivable
  doc.table(counts_table(100, 92, 3, 5));   // 3 and 5 masked: hidden total masked first
  apply_small_cell_rule(doc);
  EXPECT_EQ(texts(doc.tables[0], 1), (std::vector<std::string>{"masked", "85", "<10", "12"}));
  EXPECT_EQ(texts(doc.tables[1], 1), (std::vector<std::string>{"masked", "92", "<10", "<10"}));
  Document shown;
  shown.section("sizes");
  shown.table(counts_table(100, 88, 0, 12));
  apply_small_cell_rule(shown);
  EXPECT_EQ(texts(shown.tables[0], 1), (std::vector<std::string>{"100", "88", "0", "12"}));
}

TEST(SmallCells, NumbersThatRevealASmallCountAreMaskedWithWhatIsComputedFromThem) {
  Document doc;
  doc.section("effects");
  Table t;
  t.header = {"n", "members", "controls", "difference"};
  // 5 of 51 members had the event: 0.098 beside 51 gives 5.
  const size_t r = t.add_row({Cell::of_count(51), Cell::of_number("0.098", {5, 46}), Cell::of_number("0.300", {15, 36}),
                              Cell::of_number("-0.202")});
  // 95 of 100: the non-events (5) are revealed too.
  const size_t r2 = t.add_row({Cell::of_count(100), Cell::of_number("0.95", {95, 5}), Cell::of_number("0.50", {50, 50}),
                               Cell::of_number("0.45")});
  t.linked.push_back({{r, 1}, {r, 2}, {r, 3}});
  t.linked.push_back({{r2, 1}, {r2, 2}, {r2, 3}});
  doc.table(std::move(t));
  Chart c;
  ChartSeries s;
  s.x = {1, 2};
  s.y = {0.098, 0.95};
  c.series = {s};
  c.point_cells = {{DocumentCell{0, {r, 1}}, DocumentCell{0, {r2, 2}}}};
  doc.chart(std::move(c));
  apply_small_cell_rule(doc);
  EXPECT_EQ(doc.tables[0].rows[r][1].text, "<10");
  EXPECT_EQ(doc.tables[0].rows[r][2].text, "masked");
  EXPECT_EQ(doc.tables[0].rows[r][3].text, "masked");
  EXPECT_EQ(doc.tables[0].rows[r2][1].text, "<10");
  EXPECT_TRUE(std::isnan(doc.charts[0].series[0].y[0]));
  EXPECT_TRUE(std::isnan(doc.charts[0].series[0].y[1]));  // its cell was masked as linked
  EXPECT_EQ(doc.tables[0].rows[r][0].text, "51");
}

TEST(SmallCells, YearlyCountsThatDifferBySmallNumbersAndLinkedTablesAreMasked) {
  Document doc;
  doc.section("a");
  Table t;
  t.header = {"members"};
  for (double n : {51.0, 46.0, 43.0, 20.0}) t.add_row({Cell::of_count(n)});
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) t.differences.push_back({{a, 0}, {b, 0}});
  }
  doc.table(t);
  Table other;
  other.header = {"members"};
  other.add_row({Cell::of_count(46.0)});
  doc.table(other);
  doc.linked.push_back({DocumentCell{0, {1, 0}}, DocumentCell{1, {0, 0}}});
  apply_small_cell_rule(doc);
  // 51 - 46 = 5: 46 masked; then 51 - 43 = 8: 43 masked; 51 - 20 = 31 shown.
  EXPECT_EQ(texts(doc.tables[0], 0), (std::vector<std::string>{"51", "masked", "masked", "20"}));
  EXPECT_EQ(doc.tables[1].rows[0][0].text, "masked");
}

TEST(SmallCells, HistogramBinsOfFewUnitsAreLeftOut) {
  Document doc;
  doc.section("a");
  Chart c;
  c.kind = ChartKind::Histograms;
  Histogram h;
  h.edges = {0, 1, 2, 3};
  h.density = {0.5, 0.2, 0.3};
  c.histograms = {h};
  c.bin_counts = {{50, 3, 0}};
  doc.chart(std::move(c));
  apply_small_cell_rule(doc);
  EXPECT_EQ(doc.charts[0].histograms[0].density, (std::vector<double>{0.5, 0, 0.3}));
}

TEST(ReportDocument, OneDocumentRendersAsMarkdownAndAsOneHtmlPage) {
  Document doc;
  doc.title = "A <study>";
  doc.summary = {"Enrolment lowered deaths."};
  doc.section("Design");
  doc.bullets({"one", "two"});
  doc.section("Effects", 3);
  doc.paragraph("Text & more.");
  Table t;
  t.header = {"year", "n"};
  t.add_row({Cell::of_text("1"), Cell::of_count(12)});
  doc.table(std::move(t));
  const std::string md = render_markdown(doc);
  EXPECT_EQ(md,
            "# A <study>\n\n## Summary\n\n- Enrolment lowered deaths.\n\n## Design\n\n- one\n- two\n\n### Effects\n\n"
            "Text & more.\n\n| year | n |\n| --- | --- |\n| 1 | 12 |\n\n");
  const std::string html = render_html(doc);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>A &lt;study&gt;</title>"), std::string::npos);
  EXPECT_LT(html.find("Enrolment lowered deaths."), html.find("<table>"));  // the summary comes first
  EXPECT_NE(html.find("<td>12</td>"), std::string::npos);
  EXPECT_NE(html.find("Text &amp; more."), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // self-contained
}

}  // namespace
}  // namespace impactsim::report
