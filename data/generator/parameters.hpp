// A programme's parameter file (data/diabetes.toml, ...).
//
// Every parameter is written with its source, so that a reader can check each
// number against the figure or publication it comes from:
//
//   [mortality]
//   annual_rate = { value = 0.033, source = "DESIGN.md: 3-3.6% die each year" }
//   odds_ratio  = { values = [1.0, 0.95], source = "..." }   # by year 1, 2, ...
//
// A value without a source, an unknown key or section, or a file written for
// another programme is an error naming the file and line.
#pragma once

#include <string>
#include <vector>

#include "engine/config_file.hpp"

namespace impactsim::generator {

class Parameters {
 public:
  // Reads `path`, which must declare `programme = "<programme>"`.
  Parameters(const std::string& path, const std::string& programme);

  double value(const std::string& section, const std::string& key) const;
  // A probability: checked to lie in [0, 1].
  double probability(const std::string& section, const std::string& key) const;
  std::vector<double> values(const std::string& section, const std::string& key) const;
  std::vector<std::string> strings(const std::string& section, const std::string& key) const;
  // values() extended to `years` entries by repeating the last one (index 0 = year 1).
  std::vector<double> by_year(const std::string& section, const std::string& key, int years) const;
  const std::string& path() const { return path_; }
  // The whole file as JSON (every value with its source), for truth.json.
  std::string to_json() const { return root_.to_json(); }

  // Throws for keys of the file that no model read (call once all are read).
  void reject_unknown_keys() const { root_.reject_unknown_keys(); }

 private:
  ConfigTable entry(const std::string& section, const std::string& key) const;
  std::string path_;
  ConfigTable root_;
};

}  // namespace impactsim::generator
