#include "models/survival/survival_frame.hpp"

#include <fmt/format.h>

#include <cctype>
#include <map>

#include "engine/design_matrix.hpp"
#include "engine/error.hpp"

namespace impactsim {
namespace {

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

// The right-hand side's top-level terms (split on '+' outside parentheses).
std::vector<std::string> top_level_terms(const std::string& rhs) {
  std::vector<std::string> terms;
  int depth = 0;
  std::string cur;
  for (char c : rhs) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '+' && depth == 0) {
      terms.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  terms.push_back(trim(cur));
  return terms;
}

bool is_name(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '.')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return true;
}

// "f(a, b)" with f and every argument a plain name (no nesting): the form of
// Surv(), strata() and offset() terms. std::regex is avoided on purpose: GCC 12
// warns inside <regex> under the sanitizer build, and warnings are errors.
bool parse_call(const std::string& s, std::string& function, std::vector<std::string>& args) {
  const size_t open = s.find('(');
  if (open == std::string::npos || s.back() != ')') return false;
  function = trim(s.substr(0, open));
  if (!is_name(function)) return false;
  args.clear();
  const std::string inner = s.substr(open + 1, s.size() - open - 2);
  size_t start = 0;
  while (true) {
    const size_t comma = inner.find(',', start);
    args.push_back(trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!is_name(args.back())) return false;
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

const Column& need(const Table& t, const std::string& name, const std::string& what) {
  if (!t.has_column(name)) throw InputError(what + ": no column \"" + name + "\"" + suggest_names(name, t.column_names()));
  return t.column(name);
}

std::string value_text(const Column& c, size_t i) {
  if (c.type() == ColumnType::Categorical) return c.levels()[static_cast<size_t>(c.codes()[i])];
  return fmt::format("{:g}", c.numeric_value(i));
}

}  // namespace

SurvivalFormula parse_survival_formula(const std::string& text) {
  SurvivalFormula f;
  f.text = text;
  const size_t tilde = text.find('~');
  std::string function;
  std::vector<std::string> args;
  if (tilde == std::string::npos || !parse_call(trim(text.substr(0, tilde)), function, args) || function != "Surv" ||
      args.size() != 2) {
    throw InputError("formula \"" + text + "\": write it as \"Surv(time, status) ~ covariates\" (time and status are columns)");
  }
  f.time = args[0];
  f.status = args[1];
  std::vector<std::string> kept;
  for (const std::string& term : top_level_terms(text.substr(tilde + 1))) {
    if (term.empty()) continue;
    if (parse_call(term, function, args) && (function == "strata" || function == "offset")) {
      if (args.size() != 1) throw InputError("formula \"" + text + "\": " + function + "() takes one column");
      if (function == "strata") {
        f.strata.push_back(args[0]);
      } else {
        if (!f.offset.empty()) throw InputError("formula \"" + text + "\": one offset() term at most");
        f.offset = args[0];
      }
      continue;
    }
    kept.push_back(term);
  }
  for (const auto& k : kept) f.covariates += (f.covariates.empty() ? "" : " + ") + k;
  return f;
}

void build_cox_frame(const Table& table, const SurvivalFormula& formula, const SurvivalColumns& columns, CoxFrame& frame) {
  if (formula.covariates.empty()) throw InputError("formula \"" + formula.text + "\": the model has no covariate");
  std::vector<std::string> strata = formula.strata;
  strata.insert(strata.end(), columns.strata.begin(), columns.strata.end());
  DesignOptions o;
  o.required_columns = {formula.time, formula.status};
  for (const auto* c : {&columns.weights, &columns.cluster, &formula.offset}) {
    if (!c->empty()) o.required_columns.push_back(*c);
  }
  o.required_columns.insert(o.required_columns.end(), strata.begin(), strata.end());
  for (const auto& name : o.required_columns) need(table, name, "formula \"" + formula.text + "\"");
  const DesignMatrix dm = build_design_matrix(table, "~ " + formula.covariates, o);
  const auto n = static_cast<Eigen::Index>(dm.rows.size());
  frame.x = dm.x.rightCols(dm.x.cols() - (dm.has_intercept ? 1 : 0));
  frame.rows_dropped = dm.rows_dropped;
  CoxData& d = frame.data;
  d.x = &frame.x;
  d.names.assign(dm.column_names.begin() + (dm.has_intercept ? 1 : 0), dm.column_names.end());
  frame.term_labels = dm.term_labels;
  frame.column_term.assign(dm.assign.begin() + (dm.has_intercept ? 1 : 0), dm.assign.end());
  for (int& t : frame.column_term) --t;  // R's assign counts terms from 1
  const Column& time = table.column(formula.time);
  const Column& status = table.column(formula.status);
  if (!time.is_numeric() || time.type() == ColumnType::Bool) {
    throw InputError("formula \"" + formula.text + "\": the time \"" + formula.time + "\" must be a number");
  }
  // Surv(): a status whose values are all 1 or 2 reads 2 as the event.
  bool one_two = true;
  for (Eigen::Index k = 0; k < n; ++k) {
    const double v = status.numeric_value(dm.rows[static_cast<size_t>(k)]);
    one_two = one_two && (v == 1 || v == 2);
  }
  for (Eigen::Index k = 0; k < n; ++k) {
    const size_t i = dm.rows[static_cast<size_t>(k)];
    d.time.push_back(time.numeric_value(i));
    const double v = status.numeric_value(i) - (one_two ? 1 : 0);
    if (v != 0 && v != 1) {
      throw InputError(fmt::format("formula \"{}\": status \"{}\" of row {} is {}; use 0/1, TRUE/FALSE or 1/2", formula.text,
                                   formula.status, i + 1, status.numeric_value(i)));
    }
    d.status.push_back(static_cast<uint8_t>(v));
    if (!columns.weights.empty()) d.weights.push_back(table.column(columns.weights).numeric_value(i));
    if (!formula.offset.empty()) d.offset.push_back(table.column(formula.offset).numeric_value(i));
    if (!columns.cluster.empty()) {
      const Column& c = table.column(columns.cluster);
      if (c.type() == ColumnType::Float64) {
        throw InputError("--cluster column \"" + columns.cluster + "\" must hold integers or categories (cluster ids)");
      }
      d.cluster.push_back(c.type() == ColumnType::Categorical ? c.codes()[i] : static_cast<int64_t>(c.numeric_value(i)));
    }
  }
  if (!strata.empty()) {
    std::vector<std::string> label(static_cast<size_t>(n));
    for (Eigen::Index k = 0; k < n; ++k) {
      const size_t i = dm.rows[static_cast<size_t>(k)];
      for (size_t s = 0; s < strata.size(); ++s) {
        label[static_cast<size_t>(k)] += (s ? ", " : "") + strata[s] + "=" + value_text(table.column(strata[s]), i);
      }
    }
    std::map<std::string, int64_t> code;
    for (const auto& l : label) code.emplace(l, 0);
    int64_t next = 0;
    for (auto& [l, c] : code) {
      c = next++;
      frame.strata_labels.push_back(l);
    }
    for (const auto& l : label) d.strata.push_back(code[l]);
  }
}

}  // namespace impactsim
