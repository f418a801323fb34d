#include "engine/formula.hpp"

#include <fast_float/fast_float.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

#include "engine/error.hpp"

namespace impactsim {
namespace {

// ---- lexer -----------------------------------------------------------------

struct Token {
  enum class Kind { Name, Number, Op, End };
  Kind kind = Kind::End;
  std::string text;
  double number = 0;
  size_t position = 0;  // 1-based
};

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '.'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_'; }

class Lexer {
 public:
  explicit Lexer(const std::string& text) : s_(text) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      t.position = i + 1;
      if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i + 1])))) {
        double v = 0;
        auto r = fast_float::from_chars(s_.data() + i, s_.data() + s_.size(), v);
        if (r.ec != std::errc()) error(i, "cannot read the number here");
        t.kind = Token::Kind::Number;
        t.number = v;
        t.text = s_.substr(i, static_cast<size_t>(r.ptr - (s_.data() + i)));
        i = static_cast<size_t>(r.ptr - s_.data());
      } else if (is_name_start(c)) {
        size_t j = i;
        while (j < s_.size() && is_name_char(s_[j])) ++j;
        t.kind = Token::Kind::Name;
        t.text = s_.substr(i, j - i);
        i = j;
      } else if (c == '`') {
        const size_t j = s_.find('`', i + 1);
        if (j == std::string::npos) error(i, "backquoted name never closed; add the closing '`'");
        t.kind = Token::Kind::Name;
        t.text = s_.substr(i + 1, j - i - 1);
        if (t.text.empty()) error(i, "empty backquoted name");
        i = j + 1;
      } else if (std::string_view("~+-*/^:(),").find(c) != std::string_view::npos) {
        t.kind = Token::Kind::Op;
        t.text = std::string(1, c);
        ++i;
      } else if (c == '%') {
        error(i, "%-operators (%in%, %%, ...) are not supported");
      } else {
        error(i, std::string("unexpected character '") + c + "'");
      }
      out.push_back(std::move(t));
    }
    Token end;
    end.position = s_.size() + 1;
    out.push_back(end);
    return out;
  }

  [[noreturn]] void error(size_t index, const std::string& what) const {
    throw InputError("formula \"" + s_ + "\", position " + std::to_string(index + 1) + ": " + what);
  }

 private:
  const std::string& s_;
};

// ---- parser ----------------------------------------------------------------

// R's operator precedence, lowest to highest: ~, + -, * /, :, unary + -, ^.
int binary_precedence(const std::string& op) {
  if (op == "+" || op == "-") return 10;
  if (op == "*" || op == "/") return 20;
  if (op == ":") return 40;
  if (op == "^") return 60;
  return -1;
}
constexpr int kUnaryPrecedence = 50;

class Parser {
 public:
  Parser(const std::string& text, std::vector<Token> tokens) : text_(text), t_(std::move(tokens)) {}

  // Returns (lhs or null, rhs).
  std::pair<FormulaExprPtr, FormulaExprPtr> formula() {
    FormulaExprPtr lhs;
    if (!is_op("~")) lhs = expr(0);
    if (!is_op("~")) {
      if (peek().kind == Token::Kind::End) error(peek(), "no '~'; a formula reads \"y ~ x1 + x2\"");
      unexpected();
    }
    next();
    if (peek().kind == Token::Kind::End) error(peek(), "nothing after '~'; add the model terms");
    FormulaExprPtr rhs = expr(0);
    if (peek().kind != Token::Kind::End) unexpected();
    return {lhs, rhs};
  }

 private:
  const Token& peek() const { return t_[i_]; }
  Token next() { return t_[i_++]; }
  bool is_op(const char* op) const { return peek().kind == Token::Kind::Op && peek().text == op; }

  [[noreturn]] void error(const Token& t, const std::string& what) const {
    throw InputError("formula \"" + text_ + "\", position " + std::to_string(t.position) + ": " + what);
  }
  [[noreturn]] void unexpected() const {
    const Token& t = peek();
    if (t.kind == Token::Kind::End) error(t, "the formula ends too early");
    if (t.text == ")") error(t, "unbalanced parentheses: this ')' has no matching '('");
    if (t.text == "~") error(t, "a second '~'; a formula has one");
    error(t, "unexpected '" + t.text + "'");
  }

  FormulaExprPtr expr(int min_prec) {
    FormulaExprPtr lhs = unary();
    for (;;) {
      const Token& t = peek();
      if (t.kind != Token::Kind::Op) break;
      const int prec = binary_precedence(t.text);
      if (prec < 0 || prec < min_prec) break;
      Token op = next();
      const int next_min = op.text == "^" ? prec : prec + 1;  // '^' is right-associative
      FormulaExprPtr rhs = expr(next_min);
      auto node = std::make_shared<FormulaExpr>();
      node->kind = FormulaExpr::Kind::Binary;
      node->text = op.text;
      node->args = {lhs, rhs};
      node->position = op.position;
      lhs = node;
    }
    return lhs;
  }

  FormulaExprPtr unary() {
    if (is_op("-") || is_op("+")) {
      Token op = next();
      auto node = std::make_shared<FormulaExpr>();
      node->kind = FormulaExpr::Kind::Unary;
      node->text = op.text;
      node->position = op.position;
      node->args = {expr(kUnaryPrecedence)};
      return node;
    }
    return primary();
  }

  FormulaExprPtr primary() {
    const Token t = peek();
    auto node = std::make_shared<FormulaExpr>();
    node->position = t.position;
    if (t.kind == Token::Kind::Number) {
      next();
      node->kind = FormulaExpr::Kind::Number;
      node->number = t.number;
      node->text = t.text;
      return node;
    }
    if (t.kind == Token::Kind::Name) {
      next();
      node->text = t.text;
      if (is_op("(")) {
        const Token open = next();
        node->kind = FormulaExpr::Kind::Call;
        if (!is_op(")")) {
          for (;;) {
            node->args.push_back(expr(0));
            if (is_op(",")) {
              next();
              continue;
            }
            break;
          }
        }
        if (!is_op(")")) {
          if (peek().kind == Token::Kind::End) {
            error(open, "unbalanced parentheses: this '(' is never closed; add ')'");
          }
          unexpected();
        }
        next();
        return node;
      }
      node->kind = FormulaExpr::Kind::Name;
      return node;
    }
    if (t.kind == Token::Kind::Op && t.text == "(") {
      next();
      node->kind = FormulaExpr::Kind::Paren;
      node->args = {expr(0)};
      if (!is_op(")")) {
        if (peek().kind == Token::Kind::End) error(t, "unbalanced parentheses: this '(' is never closed; add ')'");
        unexpected();
      }
      next();
      return node;
    }
    if (t.kind == Token::Kind::End) error(t, "the formula ends too early; a term is missing");
    unexpected();
  }

  const std::string& text_;
  std::vector<Token> t_;
  size_t i_ = 0;
};

// ---- term expansion (R's terms.formula) --------------------------------------

using VarSet = std::vector<size_t>;  // sorted variable indices

VarSet unite(const VarSet& a, const VarSet& b) {
  VarSet out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

struct TermList {
  std::vector<VarSet> terms;
  std::optional<bool> intercept;  // set by 0/1 in the expression

  void add(const VarSet& t) {
    if (std::find(terms.begin(), terms.end(), t) == terms.end()) terms.push_back(t);
  }
};

class TermExpander {
 public:
  TermExpander(const std::string& text, std::vector<FormulaVariable>& vars) : text_(text), vars_(vars) {}

  TermList expand(const FormulaExpr& e) {
    using K = FormulaExpr::Kind;
    switch (e.kind) {
      case K::Paren: return expand(*e.args[0]);
      case K::Number: {
        TermList out;
        if (e.number == 1) {
          out.intercept = true;
        } else if (e.number == 0) {
          out.intercept = false;
        } else {
          error(e, "the number " + deparse(e) + " is not a term; only 0 and 1 (intercept) are; wrap arithmetic in I()");
        }
        return out;
      }
      case K::Name:
      case K::Call: {
        TermList out;
        out.add({variable(e)});
        return out;
      }
      case K::Unary: {
        TermList inner = expand(*e.args[0]);
        TermList out;
        if (e.text == "-" && inner.intercept) out.intercept = !*inner.intercept;
        if (e.text == "+") out = inner;
        return out;
      }
      case K::Binary: break;
    }
    const std::string& op = e.text;
    TermList l = expand(*e.args[0]);
    if (op == "^") {
      const FormulaExpr* r = e.args[1].get();
      while (r->kind == FormulaExpr::Kind::Paren) r = r->args[0].get();
      if (r->kind != FormulaExpr::Kind::Number || r->number < 1 || r->number != std::floor(r->number)) {
        error(e, "the power of terms must be a positive whole number, as in (a + b)^2; for x squared write I(x^2)");
      }
      no_intercept_inside(e, l);
      TermList out;
      for (const auto& t : l.terms) out.add(t);
      std::vector<VarSet> current = l.terms;
      for (int k = 1; k < static_cast<int>(r->number); ++k) {
        std::vector<VarSet> grown;
        for (const auto& t : current) {
          for (const auto& u : l.terms) {
            VarSet v = unite(t, u);
            if (std::find(grown.begin(), grown.end(), v) == grown.end()) grown.push_back(v);
          }
        }
        for (const auto& t : grown) out.add(t);
        current = std::move(grown);
      }
      return out;
    }
    TermList r = expand(*e.args[1]);
    TermList out;
    if (op == "+") {
      out = l;
      for (const auto& t : r.terms) out.add(t);
      if (r.intercept) out.intercept = r.intercept;
      return out;
    }
    if (op == "-") {
      out.intercept = l.intercept;
      for (const auto& t : l.terms) {
        if (std::find(r.terms.begin(), r.terms.end(), t) == r.terms.end()) out.add(t);
      }
      if (r.intercept) out.intercept = !*r.intercept;
      return out;
    }
    no_intercept_inside(e, l);
    no_intercept_inside(e, r);
    if (op == ":") {
      for (const auto& a : l.terms) {
        for (const auto& b : r.terms) out.add(unite(a, b));
      }
      return out;
    }
    if (op == "*") {
      for (const auto& t : l.terms) out.add(t);
      for (const auto& t : r.terms) out.add(t);
      for (const auto& a : l.terms) {
        for (const auto& b : r.terms) out.add(unite(a, b));
      }
      return out;
    }
    if (op == "/") {  // a/b = a + a:b, with all of a's variables
      VarSet all;
      for (const auto& t : l.terms) all = unite(all, t);
      for (const auto& t : l.terms) out.add(t);
      for (const auto& b : r.terms) out.add(unite(all, b));
      return out;
    }
    error(e, "operator '" + op + "' is not a formula operator");
  }

  size_t variable(const FormulaExpr& e) {
    if (e.kind == FormulaExpr::Kind::Name && e.text == ".") {
      error(e, "'.' (all other columns) is not supported; list the columns");
    }
    const std::string label = deparse(e);
    for (size_t i = 0; i < vars_.size(); ++i) {
      if (vars_[i].label == label) return i;
    }
    // A shared_ptr aliasing the caller's tree would dangle; copy the subtree.
    vars_.push_back(FormulaVariable{label, std::make_shared<FormulaExpr>(e)});
    return vars_.size() - 1;
  }

 private:
  void no_intercept_inside(const FormulaExpr& e, const TermList& t) const {
    if (t.intercept) error(e, "0 or 1 inside '" + e.text + "' has no meaning; move the intercept term out");
  }
  [[noreturn]] void error(const FormulaExpr& e, const std::string& what) const {
    throw InputError("formula \"" + text_ + "\", position " + std::to_string(e.position) + ": " + what);
  }

  const std::string& text_;
  std::vector<FormulaVariable>& vars_;
};

bool is_syntactic_name(const std::string& s) {
  if (s.empty() || !is_name_start(s[0])) return false;
  if (s.size() > 1 && s[0] == '.' && std::isdigit(static_cast<unsigned char>(s[1]))) return false;
  return std::all_of(s.begin(), s.end(), is_name_char);
}

}  // namespace

std::string format_r_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "Inf" : "-Inf";
  if (x == 0) return "0";
  // Fewest significant digits (at most 15, as R) that represent x to 15 digits.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", x);
  const double target = std::strtod(buf, nullptr);
  int sig = 1;
  for (; sig < 15; ++sig) {
    std::snprintf(buf, sizeof buf, "%.*e", sig - 1, x);
    if (std::strtod(buf, nullptr) == target) break;
  }
  std::snprintf(buf, sizeof buf, "%.*e", sig - 1, x);
  const std::string sci_mantissa(buf, std::strchr(buf, 'e'));
  const int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  const int neg = x < 0 ? 1 : 0;
  // Widths of both notations; R prints fixed unless it is wider (scipen = 0).
  const int decimals = std::max(0, sig - 1 - exponent);
  const int fixed_width = exponent >= 0 ? neg + exponent + 1 + (decimals > 0 ? 1 + decimals : 0)
                                        : neg + 2 + (-exponent - 1) + sig;
  const int exp_digits = std::abs(exponent) >= 100 ? 3 : 2;
  const int sci_width = neg + 1 + (sig > 1 ? sig : 0) + 2 + exp_digits;
  if (fixed_width <= sci_width) {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    return buf;
  }
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%0*d", exponent < 0 ? '-' : '+', exp_digits, std::abs(exponent));
  return sci_mantissa + exp_buf;
}

std::string deparse(const FormulaExpr& e) {
  using K = FormulaExpr::Kind;
  switch (e.kind) {
    case K::Name: return is_syntactic_name(e.text) ? e.text : "`" + e.text + "`";
    case K::Number: return format_r_number(e.number);
    case K::Paren: return "(" + deparse(*e.args[0]) + ")";
    case K::Unary: return e.text + deparse(*e.args[0]);
    case K::Call: {
      std::string out = e.text + "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += deparse(*e.args[i]);
      }
      return out + ")";
    }
    case K::Binary: {
      // R puts spaces around + - * and ~, none around / ^ and :.
      const bool spaced = e.text == "+" || e.text == "-" || e.text == "*" || e.text == "~";
      const std::string sep = spaced ? " " + e.text + " " : e.text;
      return deparse(*e.args[0]) + sep + deparse(*e.args[1]);
    }
  }
  return {};
}

Formula Formula::parse(const std::string& text) {
  Formula f;
  f.text = text;
  Parser parser(text, Lexer(text).run());
  auto [lhs, rhs] = parser.formula();
  TermExpander expander(text, f.variables);
  size_t response = 0;
  if (lhs) {
    f.has_response = true;
    response = expander.variable(*lhs);
  }
  TermList list = expander.expand(*rhs);
  f.intercept = list.intercept.value_or(true);
  std::vector<VarSet> terms;
  for (auto& t : list.terms) {
    if (f.has_response && t == VarSet{response}) continue;  // the response is not a term
    terms.push_back(t);
  }
  std::stable_sort(terms.begin(), terms.end(), [](const VarSet& a, const VarSet& b) { return a.size() < b.size(); });
  for (auto& t : terms) {
    FormulaTerm term;
    term.variables = t;
    for (size_t i = 0; i < t.size(); ++i) {
      if (i > 0) term.label += ":";
      term.label += f.variables[t[i]].label;
    }
    f.terms.push_back(std::move(term));
  }
  if (f.terms.empty() && !f.intercept) {
    throw InputError("formula \"" + text + "\": the model has no terms and no intercept");
  }
  return f;
}

std::vector<std::string> Formula::term_labels() const {
  std::vector<std::string> out;
  for (const auto& t : terms) out.push_back(t.label);
  return out;
}

}  // namespace impactsim
