#include "engine/design_matrix.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

// A numeric vector, or one number broadcast over all rows (a literal). A
// float64 column is referenced, not copied.
struct Numeric {
  std::vector<double> owned;
  const double* data = nullptr;  // owned.data() or a column's storage; NaN = missing
  bool scalar = false;
  double s = 0;

  Numeric() = default;
  Numeric(Numeric&&) = default;
  Numeric& operator=(Numeric&&) = default;
  Numeric(const Numeric&) = delete;
  double at(size_t i) const { return scalar ? s : data[i]; }
  void own(size_t n) {
    owned.resize(n);
    data = owned.data();
  }
};

// A factor: codes into levels, -1 = missing.
struct Factor {
  std::vector<int32_t> codes;
  std::vector<std::string> levels;
};

struct Variable {
  bool is_factor = false;
  bool logical = false;  // a bool column: R keeps treatment coding for logicals even without contrasts
  Numeric num;
  Factor fac;
  bool missing(size_t i) const { return is_factor ? fac.codes[i] < 0 : std::isnan(num.data[i]); }
};

class Evaluator {
 public:
  Evaluator(const Table& table, const Formula& f) : t_(table), f_(f), n_(table.num_rows()) {}

  // A model variable: factors stay factors.
  Variable variable(const FormulaExpr& e) {
    Variable out;
    const FormulaExpr* inner = &e;
    if (inner->kind == FormulaExpr::Kind::Name) {
      const Column& c = column(*inner);
      if (c.type() == ColumnType::Categorical || c.type() == ColumnType::Bool) {
        out.is_factor = true;
        out.logical = c.type() == ColumnType::Bool;
        out.fac = as_factor(c);
        return out;
      }
    }
    if (inner->kind == FormulaExpr::Kind::Call && inner->text == "factor") {
      if (inner->args.size() != 1) error(*inner, "factor() takes one argument");
      out.is_factor = true;
      out.fac = factor_of(*inner->args[0]);
      return out;
    }
    out.num = numeric(e);
    if (out.num.scalar) error(e, "a constant is not a variable");
    return out;
  }

  Numeric numeric(const FormulaExpr& e) {
    using K = FormulaExpr::Kind;
    switch (e.kind) {
      case K::Number: {
        Numeric out;
        out.scalar = true;
        out.s = e.number;
        return out;
      }
      case K::Paren: return numeric(*e.args[0]);
      case K::Name: {
        const Column& c = column(e);
        if (c.type() == ColumnType::Categorical) {
          error(e, "column \"" + c.name() + "\" is categorical and cannot enter arithmetic; use it as a term on its own");
        }
        Numeric out;
        if (c.type() == ColumnType::Float64) {
          out.data = c.f64().data();
          return out;
        }
        out.own(n_);
        parallel_for_blocks(n_, kDefaultBlockRows, [&](size_t, size_t b, size_t end) {
          for (size_t i = b; i < end; ++i) out.owned[i] = c.numeric_value(i);
        });
        return out;
      }
      case K::Unary: {
        Numeric x = numeric(*e.args[0]);
        if (e.text == "+") return x;
        return map1(e, std::move(x), [](double a) { return -a; });
      }
      case K::Call: return call(e);
      case K::Binary: {
        const std::string& op = e.text;
        Numeric a = numeric(*e.args[0]);
        Numeric b = numeric(*e.args[1]);
        if (op == "+") return map2(e, a, b, std::plus<>());
        if (op == "-") return map2(e, a, b, std::minus<>());
        if (op == "*") return map2(e, a, b, std::multiplies<>());
        if (op == "/") return map2(e, a, b, std::divides<>());
        if (op == "^") return map2(e, a, b, [](double x, double y) { return y == 2 ? x * x : std::pow(x, y); });
        error(e, "'" + op + "' is a formula operator, not arithmetic; inside I() use + - * / ^");
      }
    }
    error(e, "cannot evaluate this expression");
  }

 private:
  Numeric call(const FormulaExpr& e) {
    const std::string& fn = e.text;
    auto one_arg = [&]() -> Numeric {
      if (e.args.size() != 1) error(e, fn + "() takes one argument");
      return numeric(*e.args[0]);
    };
    if (fn == "I") return one_arg();
    if (fn == "log") {
      if (e.args.size() == 2) {
        Numeric base = numeric(*e.args[1]);
        if (!base.scalar || !(base.s > 0) || base.s == 1) error(e, "log(x, base) needs a positive constant base other than 1");
        const double lb = std::log(base.s);
        return map1(e, numeric(*e.args[0]), [lb](double x) { return std::log(x) / lb; });
      }
      return map1(e, one_arg(), [](double x) { return std::log(x); });
    }
    if (fn == "log1p") return map1(e, one_arg(), [](double x) { return std::log1p(x); });
    if (fn == "log2") return map1(e, one_arg(), [](double x) { return std::log2(x); });
    if (fn == "log10") return map1(e, one_arg(), [](double x) { return std::log10(x); });
    if (fn == "exp") return map1(e, one_arg(), [](double x) { return std::exp(x); });
    if (fn == "sqrt") return map1(e, one_arg(), [](double x) { return std::sqrt(x); });
    if (fn == "abs") return map1(e, one_arg(), [](double x) { return std::abs(x); });
    if (fn == "factor") error(e, "factor() makes a factor; it cannot enter arithmetic");
    error(e, "unknown function " + fn + "()" +
                 suggest_names(fn, {"I", "log", "log1p", "log2", "log10", "exp", "sqrt", "abs", "factor"}));
  }

  // Elementwise f; missing stays missing; a non-finite result from present
  // data is an error naming the row.
  template <class F>
  Numeric map1(const FormulaExpr& e, Numeric x, F f) {
    if (x.scalar) {
      x.s = f(x.s);
      if (!std::isfinite(x.s)) error(e, deparse(e) + " is not finite");
      return x;
    }
    const double* in = x.data;
    Numeric out;
    if (!x.owned.empty() && x.data == x.owned.data()) {
      out = std::move(x);  // transform in place: the buffer moves, `in` stays valid
    } else {
      out.own(n_);
    }
    double* dst = out.owned.data();
    parallel_for_blocks(n_, kDefaultBlockRows, [&](size_t, size_t b, size_t end) {
      for (size_t i = b; i < end; ++i) {
        const double a = in[i];
        if (std::isnan(a)) {
          dst[i] = a;
          continue;
        }
        const double r = f(a);
        if (!std::isfinite(r)) not_finite(e, i, r);
        dst[i] = r;
      }
    });
    return out;
  }

  template <class F>
  Numeric map2(const FormulaExpr& e, const Numeric& a, const Numeric& b, F f) {
    Numeric out;
    if (a.scalar && b.scalar) {
      out.scalar = true;
      out.s = f(a.s, b.s);
      if (!std::isfinite(out.s)) error(e, deparse(e) + " is not finite");
      return out;
    }
    out.own(n_);
    parallel_for_blocks(n_, kDefaultBlockRows, [&](size_t, size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        const double x = a.at(i), y = b.at(i);
        if (std::isnan(x) || std::isnan(y)) {
          out.owned[i] = kMissingFloat64;
          continue;
        }
        const double r = f(x, y);
        if (!std::isfinite(r)) not_finite(e, i, r);
        out.owned[i] = r;
      }
    });
    return out;
  }

  [[noreturn]] void not_finite(const FormulaExpr& e, size_t row, double r) const {
    error(e, deparse(e) + " is " + format_r_number(r) + " at data row " + std::to_string(row + 1) +
                 "; transform differently (e.g. log1p) or drop such rows first");
  }

  const Column& column(const FormulaExpr& e) const {
    if (!t_.has_column(e.text)) {
      error(e, "unknown column \"" + e.text + "\"" + suggest_names(e.text, t_.column_names()));
    }
    return t_.column(e.text);
  }

  Factor as_factor(const Column& c) const {
    Factor f;
    if (c.type() == ColumnType::Categorical) {
      f.codes.assign(c.codes().begin(), c.codes().end());
      f.levels = c.levels();
    } else {  // bool: levels FALSE, TRUE (R treats logicals as factors in model.matrix)
      const auto b = c.b8();
      f.codes.resize(n_);
      for (size_t i = 0; i < n_; ++i) f.codes[i] = b[i] == kMissingBool ? kMissingCode : b[i];
      f.levels = {"FALSE", "TRUE"};
    }
    return f;
  }

  Factor factor_of(const FormulaExpr& arg) {
    if (arg.kind == FormulaExpr::Kind::Name) {
      const Column& c = column(arg);
      if (c.type() == ColumnType::Categorical || c.type() == ColumnType::Bool) return as_factor(c);
    }
    const bool integer = arg.kind == FormulaExpr::Kind::Name && column(arg).type() == ColumnType::Int64;
    Numeric x = numeric(arg);
    if (x.scalar) error(arg, "factor() of a constant");
    std::vector<double> values;
    for (size_t i = 0; i < n_; ++i) {
      if (!std::isnan(x.data[i])) values.push_back(x.data[i]);
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    Factor f;
    for (double v : values) {
      f.levels.push_back(integer ? std::to_string(static_cast<int64_t>(v)) : format_r_number(v));
    }
    f.codes.resize(n_);
    for (size_t i = 0; i < n_; ++i) {
      f.codes[i] = std::isnan(x.data[i]) ? kMissingCode
                                         : static_cast<int32_t>(std::lower_bound(values.begin(), values.end(), x.data[i]) -
                                                                values.begin());
    }
    return f;
  }

  [[noreturn]] void error(const FormulaExpr& e, const std::string& what) const {
    throw InputError("formula \"" + f_.text + "\", position " + std::to_string(e.position) + ": " + what);
  }

  const Table& t_;
  const Formula& f_;
  size_t n_;
};

// One factor of a design column: a numeric variable, or the indicator of a
// level of a factor variable.
struct Component {
  size_t variable;
  int32_t level;  // -1 for a numeric variable
};

// ---- the model frame (R's model.frame): variables, complete rows, factor levels

// The variables used (the response and those in some term), evaluated.
struct ModelFrame {
  std::vector<bool> used;
  std::vector<Variable> vars;
};

ModelFrame evaluate_variables(const Table& table, const Formula& formula) {
  const size_t nvar = formula.variables.size();
  Evaluator eval(table, formula);
  ModelFrame frame;
  std::vector<bool>& used = frame.used;
  std::vector<Variable>& vars = frame.vars;
  used.assign(nvar, false);
  if (formula.has_response) used[0] = true;
  for (const auto& t : formula.terms) {
    for (size_t v : t.variables) used[v] = true;
  }
  vars.resize(nvar);
  for (size_t v = 0; v < nvar; ++v) {
    if (!used[v]) continue;
    if (formula.has_response && v == 0) {
      // A categorical response is a factor, as in R's binomial glm: its
      // first level is failure (0), every other level success (1).
      const FormulaExpr& e = *formula.variables[v].expr;
      if (e.kind == FormulaExpr::Kind::Name && table.has_column(e.text) &&
          table.column(e.text).type() == ColumnType::Categorical) {
        vars[v] = eval.variable(e);
        continue;
      }
      vars[v].num = eval.numeric(*formula.variables[v].expr);
      if (vars[v].num.scalar) throw InputError("formula \"" + formula.text + "\": the response is a constant");
    } else {
      vars[v] = eval.variable(*formula.variables[v].expr);
    }
  }

  return frame;
}

// dm.rows: the rows with every variable present (na.omit), marked per block
// in parallel, then gathered in row order.
void keep_complete_rows(const Table& table, const Formula& formula, const DesignOptions& options, const ModelFrame& frame,
                        DesignMatrix& dm) {
  const size_t n = table.num_rows();
  const size_t nvar = formula.variables.size();
  const std::vector<bool>& used = frame.used;
  const std::vector<Variable>& vars = frame.vars;
  std::vector<size_t> used_vars;
  for (size_t v = 0; v < nvar; ++v) {
    if (!used[v]) continue;
    used_vars.push_back(v);
    size_t missing = 0;
    for (size_t i = 0; i < n; ++i) missing += vars[v].missing(i);
    if (n > 0 && missing == n) {
      throw InputError("formula \"" + formula.text + "\": \"" + formula.variables[v].label + "\" has no value (all " +
                       std::to_string(n) + " rows missing); drop it from the formula");
    }
  }
  std::vector<const Column*> extra;
  for (const auto& name : options.required_columns) {
    if (!table.has_column(name)) throw InputError("unknown column \"" + name + "\"" + suggest_names(name, table.column_names()));
    extra.push_back(&table.column(name));
  }
  std::vector<uint8_t> keep(n);
  const size_t block = options.block_rows;
  std::vector<size_t> kept_in_block(block_count(n, block), 0);
  parallel_for_blocks(n, block, [&](size_t b, size_t begin, size_t end) {
    size_t kept = 0;
    for (size_t i = begin; i < end; ++i) {
      bool ok = true;
      for (size_t v : used_vars) ok = ok && !vars[v].missing(i);
      for (const Column* c : extra) ok = ok && !c->is_missing(i);
      keep[i] = ok;
      kept += ok;
    }
    kept_in_block[b] = kept;
  });
  std::vector<size_t> first_kept(kept_in_block.size() + 1, 0);
  for (size_t b = 0; b < kept_in_block.size(); ++b) first_kept[b + 1] = first_kept[b] + kept_in_block[b];
  dm.rows.resize(first_kept.back());
  parallel_for_blocks(n, block, [&](size_t b, size_t begin, size_t end) {
    size_t r = first_kept[b];
    for (size_t i = begin; i < end; ++i) {
      if (keep[i]) dm.rows[r++] = i;
    }
  });
  dm.rows_dropped = n - dm.rows.size();
  if (dm.rows.empty()) {
    throw InputError("formula \"" + formula.text + "\": no row has all its variables present (" + std::to_string(n) +
                     " rows, all with a missing value)");
  }

}

// Factor levels: drop unused, then move the reference level first.
void settle_factor_levels(const Formula& formula, const DesignOptions& options, ModelFrame& frame, DesignMatrix& dm) {
  const size_t nvar = formula.variables.size();
  const std::vector<bool>& used = frame.used;
  std::vector<Variable>& vars = frame.vars;
  for (size_t v = 0; v < nvar; ++v) {
    if (!used[v] || !vars[v].is_factor) continue;
    Factor& f = vars[v].fac;
    const std::string& label = formula.variables[v].label;
    std::vector<int32_t> remap(f.levels.size(), kMissingCode);
    std::vector<std::string> levels;
    if (options.drop_unused_levels) {
      std::vector<bool> seen(f.levels.size(), false);
      for (size_t i : dm.rows) seen[static_cast<size_t>(f.codes[i])] = true;
      for (size_t l = 0; l < f.levels.size(); ++l) {
        if (seen[l]) {
          remap[l] = static_cast<int32_t>(levels.size());
          levels.push_back(f.levels[l]);
        }
      }
    } else {
      levels = f.levels;
      for (size_t l = 0; l < levels.size(); ++l) remap[l] = static_cast<int32_t>(l);
    }
    if (auto it = options.reference_levels.find(label); it != options.reference_levels.end()) {
      auto pos = std::find(levels.begin(), levels.end(), it->second);
      if (pos == levels.end()) {
        throw InputError("reference level \"" + it->second + "\" of \"" + label + "\" is not among its levels" +
                         suggest_names(it->second, levels));
      }
      const auto ref = static_cast<int32_t>(pos - levels.begin());
      std::rotate(levels.begin(), pos, pos + 1);  // as R's relevel(): others keep their order
      for (auto& r : remap) {
        if (r == ref) r = 0;
        else if (r >= 0 && r < ref) ++r;
      }
    }
    for (auto& c : f.codes) {
      if (c >= 0) c = remap[static_cast<size_t>(c)];
    }
    f.levels = std::move(levels);
    dm.factor_levels[label] = f.levels;
  }
  for (const auto& [label, level] : options.reference_levels) {
    if (!dm.factor_levels.count(label)) {
      std::vector<std::string> factors;
      for (const auto& fl : dm.factor_levels) factors.push_back(fl.first);
      throw InputError("reference level given for \"" + label + "\", which is not a factor of the formula" +
                       suggest_names(label, factors));
    }
  }

  if (dm.has_response && vars[0].is_factor) dm.response_levels = vars[0].fac.levels;

}

// ---- the model matrix (R's model.matrix): term coding, columns, values

  // Coding of each factor in each term (R's TermCode): contrasts when the
  // term without that factor is empty or contained in a preceding term,
  // all levels otherwise; without an intercept, the first factor of the first
  // term that has one is coded by all its levels.
std::vector<std::vector<bool>> term_coding(const Formula& formula, const DesignOptions& options, const std::vector<Variable>& vars) {
  const auto& terms = formula.terms;
  std::vector<std::vector<bool>> full(terms.size());
  bool first_factor_done = formula.intercept;
  for (size_t j = 0; j < terms.size(); ++j) {
    const auto& tv = terms[j].variables;
    full[j].assign(tv.size(), false);
    for (size_t k = 0; k < tv.size(); ++k) {
      if (!vars[tv[k]].is_factor) continue;
      std::vector<size_t> rest;
      for (size_t m = 0; m < tv.size(); ++m) {
        if (m != k) rest.push_back(tv[m]);
      }
      bool contrasts = rest.empty();
      for (size_t p = 0; p < j && !contrasts; ++p) {
        const auto& pv = terms[p].variables;
        contrasts = std::includes(pv.begin(), pv.end(), rest.begin(), rest.end());
      }
      full[j][k] = !contrasts;
    }
    if (options.all_factor_levels) {
      for (size_t k = 0; k < tv.size(); ++k) full[j][k] = full[j][k] || (vars[tv[k]].is_factor && !vars[tv[k]].logical);
    }
    if (!first_factor_done) {
      for (size_t k = 0; k < tv.size(); ++k) {
        if (vars[tv[k]].is_factor) {
          full[j][k] = true;
          first_factor_done = true;
          break;
        }
      }
    }
  }

  return full;
}

  // Columns: per term, the product of each variable's components, the first
  // variable varying fastest (as model.matrix).
std::vector<std::vector<Component>> model_columns(const Formula& formula, const std::vector<Variable>& vars,
                                                  const std::vector<std::vector<bool>>& full, DesignMatrix& dm) {
  const auto& terms = formula.terms;
  std::vector<std::vector<Component>> columns;
  if (formula.intercept) {
    columns.push_back({});
    dm.column_names.push_back("(Intercept)");
    dm.assign.push_back(0);
  }
  for (size_t j = 0; j < terms.size(); ++j) {
    std::vector<std::vector<std::pair<Component, std::string>>> parts;
    for (size_t k = 0; k < terms[j].variables.size(); ++k) {
      const size_t v = terms[j].variables[k];
      const std::string& label = formula.variables[v].label;
      std::vector<std::pair<Component, std::string>> part;
      if (!vars[v].is_factor) {
        part.push_back({Component{v, -1}, label});
      } else {
        const auto& levels = vars[v].fac.levels;
        if (!full[j][k] && levels.size() < 2) {
          throw InputError("formula \"" + formula.text + "\": factor \"" + label + "\" has a single level (\"" +
                           (levels.empty() ? std::string() : levels[0]) +
                           "\") in the rows used; contrasts need two or more, so drop it from the formula");
        }
        for (size_t l = full[j][k] ? 0 : 1; l < levels.size(); ++l) {
          part.push_back({Component{v, static_cast<int32_t>(l)}, label + levels[l]});
        }
      }
      parts.push_back(std::move(part));
    }
    // Odometer over the parts, first part fastest.
    std::vector<size_t> idx(parts.size(), 0);
    bool done = std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); });
    while (!done) {
      std::vector<Component> comps;
      std::string name;
      for (size_t k = 0; k < parts.size(); ++k) {
        comps.push_back(parts[k][idx[k]].first);
        name += (k > 0 ? ":" : "") + parts[k][idx[k]].second;
      }
      columns.push_back(std::move(comps));
      dm.column_names.push_back(std::move(name));
      dm.assign.push_back(static_cast<int>(j + 1));
      size_t k = 0;
      for (; k < parts.size(); ++k) {
        if (++idx[k] < parts[k].size()) break;
        idx[k] = 0;
      }
      done = k == parts.size();
    }
  }

  return columns;
}

// Fills the matrix by row blocks in parallel (each cell written once).
void fill_matrix(const std::vector<std::vector<Component>>& columns, const std::vector<Variable>& vars,
                 const DesignOptions& options, DesignMatrix& dm) {
  const size_t m = dm.rows.size();
  const size_t p = columns.size();
  dm.x.resize(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(p));
  if (dm.has_response) dm.y.resize(static_cast<Eigen::Index>(m));
  parallel_for_blocks(m, options.block_rows, [&](size_t, size_t begin, size_t end) {
    const size_t* rows = dm.rows.data();
    for (size_t c = 0; c < p; ++c) {
      double* out = dm.x.col(static_cast<Eigen::Index>(c)).data();
      const auto& comps = columns[c];
      if (comps.empty()) {  // intercept
        std::fill(out + begin, out + end, 1.0);
      } else if (comps.size() == 1 && comps[0].level < 0) {  // a numeric variable
        const double* v = vars[comps[0].variable].num.data;
        for (size_t r = begin; r < end; ++r) out[r] = v[rows[r]];
      } else if (comps.size() == 1) {  // a level's indicator
        const int32_t* codes = vars[comps[0].variable].fac.codes.data();
        const int32_t level = comps[0].level;
        for (size_t r = begin; r < end; ++r) out[r] = codes[rows[r]] == level ? 1.0 : 0.0;
      } else {  // an interaction: the product of its components
        for (size_t r = begin; r < end; ++r) {
          const size_t i = rows[r];
          double value = 1.0;
          for (const Component& cp : comps) {
            const Variable& var = vars[cp.variable];
            value *= cp.level < 0 ? var.num.data[i] : (var.fac.codes[i] == cp.level ? 1.0 : 0.0);
          }
          out[r] = value;
        }
      }
    }
    if (dm.has_response && vars[0].is_factor) {
      const int32_t* codes = vars[0].fac.codes.data();
      for (size_t r = begin; r < end; ++r) dm.y[static_cast<Eigen::Index>(r)] = codes[rows[r]] == 0 ? 0.0 : 1.0;
    } else if (dm.has_response) {
      const double* y = vars[0].num.data;
      for (size_t r = begin; r < end; ++r) dm.y[static_cast<Eigen::Index>(r)] = y[rows[r]];
    }
  });
}

}  // namespace

DesignMatrix build_design_matrix(const Table& table, const Formula& formula, const DesignOptions& options) {
  ModelFrame frame = evaluate_variables(table, formula);
  DesignMatrix dm;
  dm.has_intercept = formula.intercept;
  dm.has_response = formula.has_response;
  if (dm.has_response) dm.response_name = formula.variables[0].label;
  dm.term_labels = formula.term_labels();
  keep_complete_rows(table, formula, options, frame, dm);
  settle_factor_levels(formula, options, frame, dm);
  const std::vector<std::vector<bool>> full = term_coding(formula, options, frame.vars);
  const std::vector<std::vector<Component>> columns = model_columns(formula, frame.vars, full, dm);
  fill_matrix(columns, frame.vars, options, dm);
  return dm;
}

}  // namespace impactsim
