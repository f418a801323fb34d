// Errors that the user can fix: bad files, bad formulas, bad options.
//
// Every such error carries one line naming the place (file:line:column, column
// or option) and what to do. The command-line program prints it and exits
// with status 2; anything else escaping is a bug and exits with status 1.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace impactsim {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit status for an InputError (DESIGN.md: "exit code 2").
inline constexpr int kInputErrorExitCode = 2;

// Up to `max_names` candidates closest to `name` by edit distance (case
// insensitive), best first; only candidates within a distance that makes a typo
// plausible are returned.
std::vector<std::string> closest_names(std::string_view name, const std::vector<std::string>& candidates,
                                       size_t max_names = 3);

// "; did you mean "agee" or "age2"?" or "; available: a, b, c" when nothing is
// close: the tail of an "unknown name" message.
std::string suggest_names(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace impactsim
