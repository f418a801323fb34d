#include "engine/row_filter.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "engine/error.hpp"

namespace impactsim {

struct RowFilter::Node {
  enum class Kind { Or, And, Not, Compare, In, Truthy, Constant } kind = Kind::Constant;
  std::vector<std::unique_ptr<Node>> children;
  std::string column, op;
  bool categorical = false;
  double number = 0;                 // comparison value (numeric columns)
  int32_t code = -1;                 // comparison level code (categorical)
  std::vector<double> numbers;       // `in` list
  std::vector<int32_t> codes;
  bool constant = false;
};

namespace {

struct Token {
  enum class Kind { Name, Number, String, Op, LBracket, RBracket, LParen, RParen, Comma, End } kind;
  std::string text;
  size_t pos;
};

class Parser {
 public:
  Parser(const std::string& text, const Table& table) : text_(text), table_(table) { tokenize(); }

  std::unique_ptr<RowFilter::Node> parse() {
    auto n = parse_or();
    if (peek().kind != Token::Kind::End) fail(peek(), "unexpected \"" + peek().text + "\"");
    return n;
  }

 private:
  using NodePtr = std::unique_ptr<RowFilter::Node>;
  using Kind = RowFilter::Node::Kind;

  [[noreturn]] void fail(const Token& t, const std::string& what) const {
    throw InputError("expression \"" + text_ + "\", position " + std::to_string(t.pos + 1) + ": " + what);
  }

  void tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_' || text_[j] == '.')) ++j;
        tokens_.push_back({Token::Kind::Name, text_.substr(i, j - i), i});
        i = j;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
        size_t j = i + 1;
        while (j < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[j])) || text_[j] == '.' || text_[j] == 'e')) ++j;
        tokens_.push_back({Token::Kind::Number, text_.substr(i, j - i), i});
        i = j;
      } else if (c == '"' || c == '\'') {
        const size_t j = text_.find(c, i + 1);
        if (j == std::string::npos) fail({Token::Kind::End, "", i}, "unterminated string");
        tokens_.push_back({Token::Kind::String, text_.substr(i + 1, j - i - 1), i});
        i = j + 1;
      } else if (c == '[' || c == ']' || c == '(' || c == ')' || c == ',') {
        const Token::Kind k = c == '[' ? Token::Kind::LBracket : c == ']' ? Token::Kind::RBracket
                              : c == '(' ? Token::Kind::LParen : c == ')' ? Token::Kind::RParen : Token::Kind::Comma;
        tokens_.push_back({k, std::string(1, c), i});
        ++i;
      } else {
        std::string op(1, c);
        if (i + 1 < text_.size() && text_[i + 1] == '=') op += '=';
        if (op != "==" && op != "!=" && op != "<" && op != "<=" && op != ">" && op != ">=") {
          fail({Token::Kind::Op, op, i}, "unknown operator \"" + op + "\"");
        }
        tokens_.push_back({Token::Kind::Op, op, i});
        i += op.size();
      }
    }
    tokens_.push_back({Token::Kind::End, "end of expression", text_.size()});
  }

  const Token& peek() const { return tokens_[at_]; }
  Token next() { return tokens_[at_++]; }
  bool accept_name(const char* word) {
    if (peek().kind == Token::Kind::Name && peek().text == word) {
      ++at_;
      return true;
    }
    return false;
  }

  NodePtr binary(Kind kind, NodePtr a, NodePtr b) {
    auto n = std::make_unique<RowFilter::Node>();
    n->kind = kind;
    n->children.push_back(std::move(a));
    n->children.push_back(std::move(b));
    return n;
  }
  NodePtr parse_or() {
    NodePtr n = parse_and();
    while (accept_name("or")) n = binary(Kind::Or, std::move(n), parse_and());
    return n;
  }
  NodePtr parse_and() {
    NodePtr n = parse_not();
    while (accept_name("and")) n = binary(Kind::And, std::move(n), parse_not());
    return n;
  }
  NodePtr parse_not() {
    if (accept_name("not")) {
      auto n = std::make_unique<RowFilter::Node>();
      n->kind = Kind::Not;
      n->children.push_back(parse_not());
      return n;
    }
    return parse_atom();
  }

  // A value to compare a column with: its number, or its level's code.
  void value_of(const Token& t, const Column& c, double& number, int32_t& code) {
    if (c.type() == ColumnType::Categorical) {
      if (t.kind != Token::Kind::String && t.kind != Token::Kind::Number && t.kind != Token::Kind::Name) {
        fail(t, "expected a level of \"" + c.name() + "\"");
      }
      const auto& lv = c.levels();
      const auto it = std::find(lv.begin(), lv.end(), t.text);
      if (it == lv.end()) fail(t, "column \"" + c.name() + "\" has no level \"" + t.text + "\"" + suggest_names(t.text, lv));
      code = static_cast<int32_t>(it - lv.begin());
      return;
    }
    if (t.kind == Token::Kind::Name && (t.text == "true" || t.text == "false")) {
      number = t.text == "true" ? 1 : 0;
      return;
    }
    if (t.kind != Token::Kind::Number) fail(t, "expected a number for column \"" + c.name() + "\"");
    number = std::stod(t.text);
  }

  NodePtr parse_atom() {
    const Token t = next();
    if (t.kind == Token::Kind::LParen) {
      NodePtr n = parse_or();
      if (next().kind != Token::Kind::RParen) fail(t, "unclosed parenthesis");
      return n;
    }
    if (t.kind == Token::Kind::Name && (t.text == "true" || t.text == "false")) {
      auto n = std::make_unique<RowFilter::Node>();
      n->kind = Kind::Constant;
      n->constant = t.text == "true";
      return n;
    }
    const bool keyword = t.text == "and" || t.text == "or" || t.text == "not" || t.text == "in";
    if (t.kind != Token::Kind::Name || keyword) fail(t, "expected a column name, found \"" + t.text + "\"");
    if (!table_.has_column(t.text)) fail(t, "unknown column \"" + t.text + "\"" + suggest_names(t.text, table_.column_names()));
    const Column& c = table_.column(t.text);
    auto n = std::make_unique<RowFilter::Node>();
    n->column = t.text;
    n->categorical = c.type() == ColumnType::Categorical;
    if (peek().kind == Token::Kind::Op) {
      n->kind = Kind::Compare;
      n->op = next().text;
      if (n->categorical && n->op != "==" && n->op != "!=") fail(t, "categorical column \"" + t.text + "\" compares with == or != only");
      value_of(next(), c, n->number, n->code);
      return n;
    }
    if (accept_name("in")) {
      n->kind = Kind::In;
      if (next().kind != Token::Kind::LBracket) fail(t, "expected [ after in");
      while (true) {
        double v = 0;
        int32_t code = -1;
        value_of(next(), c, v, code);
        n->numbers.push_back(v);
        n->codes.push_back(code);
        const Token sep = next();
        if (sep.kind == Token::Kind::RBracket) break;
        if (sep.kind != Token::Kind::Comma) fail(sep, "expected , or ] in the list");
      }
      return n;
    }
    if (n->categorical) fail(t, "categorical column \"" + t.text + "\" needs a comparison (== \"level\")");
    n->kind = Kind::Truthy;
    return n;
  }

  const std::string& text_;
  const Table& table_;
  std::vector<Token> tokens_;
  size_t at_ = 0;
};

void eval(const RowFilter::Node& n, const Table& t, std::vector<uint8_t>& out) {
  using Kind = RowFilter::Node::Kind;
  const size_t rows = t.num_rows();
  switch (n.kind) {
    case Kind::Constant: out.assign(rows, n.constant); return;
    case Kind::Or:
    case Kind::And: {
      std::vector<uint8_t> a, b;
      eval(*n.children[0], t, a);
      eval(*n.children[1], t, b);
      out.resize(rows);
      for (size_t i = 0; i < rows; ++i) out[i] = n.kind == Kind::Or ? (a[i] | b[i]) : (a[i] & b[i]);
      return;
    }
    case Kind::Not: {
      eval(*n.children[0], t, out);
      for (auto& v : out) v = !v;
      return;
    }
    default: break;
  }
  const Column& c = t.column(n.column);
  out.assign(rows, 0);
  for (size_t i = 0; i < rows; ++i) {
    if (c.is_missing(i)) continue;
    if (n.categorical) {
      const int32_t code = c.codes()[i];
      if (n.kind == Kind::Compare) out[i] = n.op == "==" ? code == n.code : code != n.code;
      if (n.kind == Kind::In) out[i] = std::find(n.codes.begin(), n.codes.end(), code) != n.codes.end();
      continue;
    }
    const double v = c.numeric_value(i);
    switch (n.kind) {
      case Kind::Truthy: out[i] = v != 0; break;
      case Kind::In: out[i] = std::find(n.numbers.begin(), n.numbers.end(), v) != n.numbers.end(); break;
      case Kind::Compare: {
        const double w = n.number;
        const std::string& op = n.op;
        out[i] = op == "==" ? v == w : op == "!=" ? v != w : op == "<" ? v < w : op == "<=" ? v <= w : op == ">" ? v > w : v >= w;
        break;
      }
      default: break;
    }
  }
}

}  // namespace

RowFilter::RowFilter(const std::string& expression, const Table& table) : text_(expression) {
  root_ = Parser(text_, table).parse();
}
RowFilter::~RowFilter() = default;
RowFilter::RowFilter(RowFilter&&) noexcept = default;
RowFilter& RowFilter::operator=(RowFilter&&) noexcept = default;

std::vector<uint8_t> RowFilter::evaluate(const Table& table) const {
  std::vector<uint8_t> out;
  eval(*root_, table, out);
  return out;
}

}  // namespace impactsim
