// Small, dependency-free SVG charts for self-contained HTML reports: numeric
// x-y charts (points, lines, error bars), overlaid histograms, and dot charts
// over labelled rows (a love plot). Output is deterministic text.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace impactsim {

struct ChartSeries {
  std::string label;
  std::string color = "#1f77b4";
  std::vector<double> x, y;
  std::vector<double> lower, upper;  // interval per point (empty: none)
  bool band = false;                 // interval drawn as a shaded band (a fan chart), not error bars
  bool line = true;
  double offset = 0;  // horizontal shift in x units, to separate series at equal x
};

struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 640, height = 300;
  std::optional<double> reference_y;             // a dashed horizontal line (0 for differences, 1 for ratios)
  std::vector<double> reference_x;               // dashed vertical lines (the love plot's ±0.1)
  bool integer_x = false;                        // x ticks on whole numbers (years)
};

// Points joined by lines, with error bars or shaded interval bands.
std::string svg_xy_chart(const std::vector<ChartSeries>& series, const ChartOptions& options);

struct Histogram {
  std::string label;
  std::string color;
  std::vector<double> edges;    // k + 1 bin edges
  std::vector<double> density;  // k heights
};
// Overlaid step histograms on common axes.
std::string svg_histograms(const std::vector<Histogram>& histograms, const ChartOptions& options);

// One row per label; each series gives a value per row (NaN: none).
std::string svg_dot_chart(const std::vector<std::string>& labels, const std::vector<ChartSeries>& series,
                          const ChartOptions& options);

// Escapes text for HTML/SVG.
std::string html_escape(const std::string& text);

}  // namespace impactsim
