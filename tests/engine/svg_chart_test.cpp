#include "engine/svg_chart.hpp"

#include <gtest/gtest.h>

namespace impactsim {
namespace {

ChartSeries series_with_interval(bool band) {
  ChartSeries s;
  s.label = "scenario <A>";
  s.x = {1, 2, 3};
  s.y = {0, -1, -2};
  s.lower = {-0.5, -2, -4};
  s.upper = {0.5, 0, 0};
  s.band = band;
  return s;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChart, IntervalsAsErrorBarsOrAsAFanBand) {
  ChartOptions o;
  o.title = "change";
  const std::string bars = svg_xy_chart({series_with_interval(false)}, o);
  const std::string fan = svg_xy_chart({series_with_interval(true)}, o);
  // Error bars: one vertical line per point, no filled polygon.
  EXPECT_EQ(count(bars, "fill-opacity=\"0.2\""), 0u);
  // Band: one closed polygon, no error bars; the points and line stay.
  EXPECT_EQ(count(fan, "fill-opacity=\"0.2\""), 1u);
  EXPECT_NE(fan.find(" Z\""), std::string::npos);
  EXPECT_EQ(count(fan, "<circle"), 3u);
  EXPECT_LT(count(fan, "<line"), count(bars, "<line"));
  EXPECT_NE(fan.find("scenario &lt;A&gt;"), std::string::npos);  // legend text escaped
  EXPECT_EQ(fan, svg_xy_chart({series_with_interval(true)}, o));  // deterministic
}

}  // namespace
}  // namespace impactsim
