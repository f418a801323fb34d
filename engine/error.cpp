#include "engine/error.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace impactsim {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Levenshtein distance, two-row dynamic programme.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& candidates,
                                       size_t max_names) {
  const std::string key = lower(name);
  std::vector<std::pair<size_t, size_t>> scored;  // (distance, index)
  for (size_t i = 0; i < candidates.size(); ++i) {
    const std::string cand = lower(candidates[i]);
    size_t d = edit_distance(key, cand);
    // A prefix or substring relation ("age" vs "age_years") counts as close.
    if (!key.empty() && (cand.find(key) != std::string::npos || key.find(cand) != std::string::npos)) {
      d = std::min<size_t>(d, 1);
    }
    const size_t limit = std::max<size_t>(2, key.size() / 3);
    if (d <= limit) scored.emplace_back(d, i);
  }
  std::stable_sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t k = 0; k < scored.size() && out.size() < max_names; ++k) out.push_back(candidates[scored[k].second]);
  return out;
}

std::string suggest_names(std::string_view name, const std::vector<std::string>& candidates) {
  const auto close = closest_names(name, candidates);
  std::string out;
  if (!close.empty()) {
    out = "; did you mean ";
    for (size_t i = 0; i < close.size(); ++i) {
      if (i > 0) out += (i + 1 == close.size()) ? " or " : ", ";
      out += "\"" + close[i] + "\"";
    }
    out += "?";
    return out;
  }
  out = "; available: ";
  const size_t shown = std::min<size_t>(candidates.size(), 12);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += ", ";
    out += candidates[i];
  }
  if (candidates.size() > shown) out += ", ... (" + std::to_string(candidates.size()) + " in all)";
  if (candidates.empty()) out += "(none)";
  return out;
}

}  // namespace impactsim
