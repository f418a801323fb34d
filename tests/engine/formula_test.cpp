#include <gtest/gtest.h>

#include "engine/error.hpp"
#include "engine/formula.hpp"

namespace impactsim {
namespace {

std::vector<std::string> labels(const std::string& f) { return Formula::parse(f).term_labels(); }

std::string error_of(const std::string& f) {
  try {
    Formula::parse(f);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// Expected labels are R's attr(terms(f), "term.labels").
TEST(Formula, TermExpansionAsR) {
  EXPECT_EQ(labels("y ~ a + b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(labels("y ~ a*b"), (std::vector<std::string>{"a", "b", "a:b"}));
  EXPECT_EQ(labels("y ~ b:a + a + x*b"), (std::vector<std::string>{"a", "x", "b", "b:a", "b:x"}));
  EXPECT_EQ(labels("y ~ (a + b + c)^2"), (std::vector<std::string>{"a", "b", "c", "a:b", "a:c", "b:c"}));
  EXPECT_EQ(labels("y ~ a*b - a:b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(labels("y ~ a/b"), (std::vector<std::string>{"a", "a:b"}));
  EXPECT_EQ(labels("y ~ a + a + a:a"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(labels("y ~ I(x^2) + log( x + 1 ) + log1p(x)"),
            (std::vector<std::string>{"I(x^2)", "log(x + 1)", "log1p(x)"}));
  EXPECT_EQ(labels("y ~ y + x"), (std::vector<std::string>{"x"}));  // the response is not a term
  EXPECT_EQ(labels("y ~ `odd name` + x"), (std::vector<std::string>{"`odd name`", "x"}));
}

TEST(Formula, Intercept) {
  EXPECT_TRUE(Formula::parse("y ~ x").intercept);
  EXPECT_FALSE(Formula::parse("y ~ x - 1").intercept);
  EXPECT_FALSE(Formula::parse("y ~ x + 0").intercept);
  EXPECT_FALSE(Formula::parse("y ~ 0 + x").intercept);
  EXPECT_FALSE(Formula::parse("y ~ -1 + x").intercept);
  EXPECT_TRUE(Formula::parse("y ~ x - 1 + 1").intercept);
  EXPECT_TRUE(Formula::parse("y ~ 1").intercept);
  EXPECT_FALSE(Formula::parse("~ x").has_response);
}

TEST(Formula, DeparseAsR) {
  EXPECT_EQ(labels("y ~ I(x*2+1/3-x^2)")[0], "I(x * 2 + 1/3 - x^2)");
  EXPECT_EQ(labels("y ~ I(x*1e5)")[0], "I(x * 1e+05)");
  EXPECT_EQ(labels("y ~ I(-x)")[0], "I(-x)");
  EXPECT_EQ(labels("y ~ I((x+1)*2)")[0], "I((x + 1) * 2)");
  EXPECT_EQ(labels("y ~ log(x,2)")[0], "log(x, 2)");
  EXPECT_EQ(Formula::parse("log(y+1) ~ x").response().label, "log(y + 1)");
}

TEST(Formula, NumbersAsRWritesThem) {
  // R: as.character(c(100000, 123456, 0.1, 1/3, 1e-5, 0.0001, 1e15, 123456789012))
  EXPECT_EQ(format_r_number(100000), "1e+05");
  EXPECT_EQ(format_r_number(123456), "123456");
  EXPECT_EQ(format_r_number(0.1), "0.1");
  EXPECT_EQ(format_r_number(1.0 / 3.0), "0.333333333333333");
  EXPECT_EQ(format_r_number(1e-5), "1e-05");
  EXPECT_EQ(format_r_number(0.0001), "1e-04");
  EXPECT_EQ(format_r_number(1e15), "1e+15");
  EXPECT_EQ(format_r_number(123456789012), "123456789012");
  EXPECT_EQ(format_r_number(-2.5), "-2.5");
  EXPECT_EQ(format_r_number(0), "0");
}

TEST(Formula, ErrorsNameThePositionAndTheFix) {
  std::string e = error_of("y ~ a + (b");
  EXPECT_NE(e.find("position 9: unbalanced parentheses: this '(' is never closed"), std::string::npos) << e;
  e = error_of("y ~ a + b)");
  EXPECT_NE(e.find("position 10: unbalanced parentheses: this ')' has no matching '('"), std::string::npos) << e;
  e = error_of("y ~ log(a");
  EXPECT_NE(e.find("position 8: unbalanced parentheses"), std::string::npos) << e;
  e = error_of("y + a");
  EXPECT_NE(e.find("no '~'"), std::string::npos) << e;
  e = error_of("y ~ ");
  EXPECT_NE(e.find("nothing after '~'"), std::string::npos) << e;
  e = error_of("y ~ a + 2");
  EXPECT_NE(e.find("only 0 and 1"), std::string::npos) << e;
  e = error_of("y ~ a %in% b");
  EXPECT_NE(e.find("not supported"), std::string::npos) << e;
  e = error_of("y ~ a + $");
  EXPECT_NE(e.find("position 9: unexpected character '$'"), std::string::npos) << e;
  e = error_of("y ~ .");
  EXPECT_NE(e.find("'.' (all other columns) is not supported"), std::string::npos) << e;
  e = error_of("y ~ (a + b)^x");
  EXPECT_NE(e.find("positive whole number"), std::string::npos) << e;
  e = error_of("y ~ a ~ b");
  EXPECT_NE(e.find("a second '~'"), std::string::npos) << e;
  e = error_of("y ~ 0");
  EXPECT_NE(e.find("no terms and no intercept"), std::string::npos) << e;
}

}  // namespace
}  // namespace impactsim
