// R model formulas: parsing and term expansion, as R's terms.formula does.
//
//   y ~ a + b + f + a:b + a*b + (a + b)^2 + a/b + I(x^2) + log(x) + factor(k) - 1
//
// Supported: '+', '-', ':', '*', '^' (power of a sum of terms), '/' (nesting),
// parentheses, intercept control with 0/1 ('- 1', '+ 0'), and variables that
// are column names (`backquoted` if need be) or calls of I(), log(),
// log1p(), exp(), sqrt(), abs(), log2(), log10() and factor(); inside I() and
// function arguments, arithmetic with + - * / ^ and numbers.
// Terms are ordered as R orders them (by degree, then by appearance) and
// labelled as R labels them (variables in order of first appearance; each
// variable deparsed as R deparses it, e.g. "I(x^2)", "log(x + 1)").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace impactsim {

// A node of a parsed formula expression.
struct FormulaExpr {
  enum class Kind { Name, Number, Call, Binary, Unary, Paren };
  Kind kind = Kind::Name;
  std::string text;  // name, function name or operator
  double number = 0;
  std::vector<std::shared_ptr<const FormulaExpr>> args;  // operands or call arguments
  size_t position = 0;                                    // 1-based character position in the formula
};
using FormulaExprPtr = std::shared_ptr<const FormulaExpr>;

// R's deparse() of an expression: "log(x + 1)", "I(x^2)", "I(x/2)".
std::string deparse(const FormulaExpr& e);
// A number as R's as.character()/deparse() writes it: 15 significant digits,
// fixed or scientific notation, whichever is narrower ("1e+05", "123456", "0.1").
std::string format_r_number(double x);

// A variable of the model: a column or an expression of columns.
struct FormulaVariable {
  std::string label;  // deparsed expression
  FormulaExprPtr expr;
};

// A term: the variables it multiplies (indices into Formula::variables, in
// increasing order).
struct FormulaTerm {
  std::vector<size_t> variables;
  std::string label;  // "a", "a:b"
  size_t degree() const { return variables.size(); }
};

struct Formula {
  std::string text;
  std::vector<FormulaVariable> variables;  // response first when there is one
  bool has_response = false;
  bool intercept = true;
  std::vector<FormulaTerm> terms;  // R's order

  // Parses `text`; throws InputError naming the position and the fix.
  static Formula parse(const std::string& text);
  const FormulaVariable& response() const { return variables.front(); }
  std::vector<std::string> term_labels() const;
};

}  // namespace impactsim
