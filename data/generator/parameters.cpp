#include "data/generator/parameters.hpp"

#include "engine/error.hpp"

namespace impactsim::generator {

Parameters::Parameters(const std::string& path, const std::string& programme)
    : path_(path), root_(ConfigTable::parse_file(path)) {
  const std::string declared = root_.get_string("programme");
  if (declared != programme) {
    throw InputError(root_.where("programme") + ": this file holds parameters of the \"" + declared +
                     "\" programme, not \"" + programme + "\"; pass the right --parameters file");
  }
  root_.get_string("description", "");
}

ConfigTable Parameters::entry(const std::string& section, const std::string& key) const {
  ConfigTable e = root_.get_table(section).get_table(key);
  if (e.get_string("source").empty()) {
    throw InputError(e.where("source") + ": every parameter needs its source (a figure of DESIGN.md, a publication, "
                                         "or \"assumption: why\")");
  }
  return e;
}

double Parameters::value(const std::string& section, const std::string& key) const {
  return entry(section, key).get_double("value");
}

double Parameters::probability(const std::string& section, const std::string& key) const {
  ConfigTable e = entry(section, key);
  const double p = e.get_double("value");
  if (!(p >= 0.0 && p <= 1.0)) throw InputError(e.where("value") + ": a probability must lie in [0, 1]");
  return p;
}

std::vector<double> Parameters::values(const std::string& section, const std::string& key) const {
  ConfigTable e = entry(section, key);
  std::vector<double> v = e.get_doubles("values");
  if (v.empty()) throw InputError(e.where("values") + ": needs at least one value");
  return v;
}

std::vector<std::string> Parameters::strings(const std::string& section, const std::string& key) const {
  return entry(section, key).get_strings("values");
}

std::vector<double> Parameters::by_year(const std::string& section, const std::string& key, int years) const {
  std::vector<double> v = values(section, key);
  while (static_cast<int>(v.size()) < years) v.push_back(v.back());
  v.resize(static_cast<size_t>(std::max(years, 0)));
  return v;
}

}  // namespace impactsim::generator
