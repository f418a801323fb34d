#include "engine/svg_chart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace impactsim {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr double kLeft = 64, kRight = 16, kTop = 28, kBottom = 44;

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  void finish() {
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-12) {
      const double pad = std::abs(lo) > 0 ? std::abs(lo) * 0.1 : 1;
      lo -= pad;
      hi += pad;
    }
  }
};

// "Nice" tick positions covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int target, bool integer) {
  double step = (hi - lo) / target;
  const double mag = std::pow(10, std::floor(std::log10(step)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * mag >= step) {
      step = m * mag;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step));
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) t.push_back(std::abs(v) < 1e-12 * step ? 0 : v);
  return t;
}

std::string num(double v) { return fmt::format("{:.1f}", v); }
std::string label_of(double v) {
  std::string s = fmt::format("{:.6g}", v);
  return s;
}

class Frame {
 public:
  Frame(const ChartOptions& o, Range x, Range y) : o_(o), x_(x), y_(y) {
    x_.finish();
    y_.finish();
    const double pad = (y_.hi - y_.lo) * 0.05;
    y_.lo -= pad;
    y_.hi += pad;
  }
  double px(double x) const { return kLeft + (x - x_.lo) / (x_.hi - x_.lo) * (o_.width - kLeft - kRight); }
  double py(double y) const { return o_.height - kBottom - (y - y_.lo) / (y_.hi - y_.lo) * (o_.height - kTop - kBottom); }
  const Range& x() const { return x_; }
  const Range& y() const { return y_; }

  std::string open() const {
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
        "font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"{}\">\n",
        o_.width, o_.height, o_.width, o_.height, html_escape(o_.title));
    s += fmt::format("<text x=\"{}\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>\n", num(kLeft),
                     html_escape(o_.title));
    return s;
  }
  std::string axes(bool y_ticks = true) const {
    std::string s;
    const double x0 = kLeft, x1 = o_.width - kRight, y0 = o_.height - kBottom, y1 = kTop;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", num(x0), num(y1),
                     num(x1 - x0), num(y0 - y1));
    for (double t : ticks(x_.lo, x_.hi, 6, o_.integer_x)) {
      s += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#999\"/>"
                       "<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       num(px(t)), num(y0), num(y0 + 4), num(y0 + 16), label_of(t));
    }
    if (y_ticks) {
      for (double t : ticks(y_.lo, y_.hi, 5, false)) {
        s += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#eee\"/>"
                         "<text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>\n",
                         num(x0), num(x1), num(py(t)), num(x0 - 4), num(py(t) + 4), label_of(t));
      }
    }
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num((x0 + x1) / 2), num(o_.height - 8),
                     html_escape(o_.x_label));
    s += fmt::format("<text transform=\"translate(14,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                     num((y0 + y1) / 2), html_escape(o_.y_label));
    if (o_.reference_y && *o_.reference_y >= y_.lo && *o_.reference_y <= y_.hi) {
      s += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n", num(x0),
                       num(x1), num(py(*o_.reference_y)));
    }
    for (double rx : o_.reference_x) {
      if (rx < x_.lo || rx > x_.hi) continue;
      s += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n",
                       num(px(rx)), num(y1), num(y0));
    }
    return s;
  }
  std::string legend(const std::vector<std::pair<std::string, std::string>>& items) const {
    std::string s;
    double x = o_.width - kRight - 8;
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const double w = 7.0 * static_cast<double>(it->first.size()) + 22;
      x -= w;
      s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                       "<text x=\"{}\" y=\"{}\">{}</text>\n",
                       num(x), num(kTop + 6), it->second, num(x + 14), num(kTop + 15), html_escape(it->first));
    }
    return s;
  }

 private:
  ChartOptions o_;
  Range x_, y_;
};

}  // namespace

std::string svg_xy_chart(const std::vector<ChartSeries>& series, const ChartOptions& options) {
  Range xr, yr;
  for (const auto& s : series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      xr.add(s.x[i] + s.offset);
      yr.add(s.y[i]);
      if (!s.lower.empty()) yr.add(s.lower[i]);
      if (!s.upper.empty()) yr.add(s.upper[i]);
    }
  }
  if (options.reference_y) yr.add(*options.reference_y);
  xr.add(xr.lo - 0.5);
  xr.add(xr.hi + 0.5);
  const Frame f(options, xr, yr);
  std::string svg = f.open() + f.axes();
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& s : series) {
    legend.push_back({s.label, s.color});
    if (s.band && !s.lower.empty()) {
      // Upper bounds left to right, then lower bounds back: one polygon.
      std::string upper, lower;
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (!std::isfinite(s.lower[i]) || !std::isfinite(s.upper[i])) continue;
        const double x = f.px(s.x[i] + s.offset);
        upper += fmt::format("{}{},{}", upper.empty() ? "M" : " L", num(x), num(f.py(s.upper[i])));
        lower = fmt::format(" L{},{}", num(x), num(f.py(s.lower[i]))) + lower;
      }
      if (!upper.empty()) {
        svg += fmt::format("<path d=\"{}{} Z\" fill=\"{}\" fill-opacity=\"0.2\" stroke=\"none\"/>\n", upper, lower, s.color);
      }
    }
    std::string path;
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      const double x = f.px(s.x[i] + s.offset), y = f.py(s.y[i]);
      if (!s.band && !s.lower.empty() && std::isfinite(s.lower[i]) && std::isfinite(s.upper[i])) {
        svg += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"{3}\"/>\n", num(x), num(f.py(s.lower[i])),
                           num(f.py(s.upper[i])), s.color);
      }
      svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"/>\n", num(x), num(y), s.color);
      path += fmt::format("{}{},{}", path.empty() ? "M" : " L", num(x), num(y));
    }
    if (s.line && !path.empty()) svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\"/>\n", path, s.color);
  }
  return svg + f.legend(legend) + "</svg>\n";
}

std::string svg_histograms(const std::vector<Histogram>& histograms, const ChartOptions& options) {
  Range xr, yr;
  yr.add(0);
  for (const auto& h : histograms) {
    for (double e : h.edges) xr.add(e);
    for (double d : h.density) yr.add(d);
  }
  const Frame f(options, xr, yr);
  std::string svg = f.open() + f.axes();
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& h : histograms) {
    legend.push_back({h.label, h.color});
    std::string path = fmt::format("M{},{}", num(f.px(h.edges.front())), num(f.py(0)));
    for (size_t k = 0; k < h.density.size(); ++k) {
      path += fmt::format(" L{},{} L{},{}", num(f.px(h.edges[k])), num(f.py(h.density[k])), num(f.px(h.edges[k + 1])),
                          num(f.py(h.density[k])));
    }
    path += fmt::format(" L{},{}", num(f.px(h.edges.back())), num(f.py(0)));
    svg += fmt::format("<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"{}\"/>\n", path, h.color, h.color);
  }
  return svg + f.legend(legend) + "</svg>\n";
}

std::string svg_dot_chart(const std::vector<std::string>& labels, const std::vector<ChartSeries>& series,
                          const ChartOptions& options) {
  ChartOptions o = options;
  o.height = std::max(o.height, static_cast<int>(kTop + kBottom + 16 * static_cast<double>(labels.size())));
  size_t longest = 0;
  for (const auto& l : labels) longest = std::max(longest, l.size());
  Range xr, yr;
  for (const auto& s : series) {
    for (double v : s.y) xr.add(v);
  }
  for (double r : o.reference_x) xr.add(r);
  xr.add(0);
  yr.add(0);
  yr.add(static_cast<double>(labels.size()) + 1);
  // A frame with room for the labels on the left.
  const double left = std::max(kLeft, 6.5 * static_cast<double>(longest) + 12);
  const double plot_w = o.width - left - kRight, plot_h = o.height - kTop - kBottom;
  xr.finish();
  auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * plot_w; };
  auto py = [&](size_t row) { return kTop + (static_cast<double>(row) + 1) * plot_h / (static_cast<double>(labels.size()) + 1); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" "
      "font-size=\"11\" role=\"img\" aria-label=\"{}\">\n<text x=\"8\" y=\"16\" font-size=\"13\" font-weight=\"bold\">{}</text>\n",
      o.width, o.height, o.width, o.height, html_escape(o.title), html_escape(o.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", num(left), num(kTop),
                     num(plot_w), num(plot_h));
  for (double t : ticks(xr.lo, xr.hi, 6, false)) {
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(px(t)), num(o.height - kBottom + 16),
                       label_of(t));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", num(left + plot_w / 2), num(o.height - 8),
                     html_escape(o.x_label));
  for (double r : o.reference_x) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/>\n", num(px(r)),
                       num(kTop), num(kTop + plot_h));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    svg += fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#eee\"/><text x=\"{3}\" y=\"{4}\" "
                       "text-anchor=\"end\">{5}</text>\n",
                       num(left), num(left + plot_w), num(py(i)), num(left - 6), num(py(i) + 4), html_escape(labels[i]));
  }
  std::vector<std::pair<std::string, std::string>> legend;
  for (const auto& s : series) {
    legend.push_back({s.label, s.color});
    for (size_t i = 0; i < labels.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      svg += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>\n", num(px(s.y[i])), num(py(i)), s.color);
    }
  }
  double x = o.width - kRight - 8;
  for (auto it = legend.rbegin(); it != legend.rend(); ++it) {
    x -= 7.0 * static_cast<double>(it->first.size()) + 22;
    svg += fmt::format("<rect x=\"{}\" y=\"6\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"15\">{}</text>\n", num(x),
                       it->second, num(x + 14), html_escape(it->first));
  }
  (void)yr;
  return svg + "</svg>\n";
}

}  // namespace impactsim
