// French departments (metropolitan and overseas): the `department` column of
// every programme, and the pilot-area flag.
#pragma once

#include <string>
#include <vector>

#include "engine/random_stream.hpp"

namespace impactsim::generator {

// The 101 department codes, in code order ("01".."19", "2A", "2B", "21".."95",
// "971".."974", "976").
const std::vector<std::string>& department_codes();

// Draws a department index from one uniform. The weights are a fixed uneven
// profile (a few large departments, many small ones) standing in for
// population sizes, which no parameter of the evaluation depends on.
int draw_department(double u);

// Codes of `pilot` looked up in department_codes(); an InputError names an
// unknown code and `where`.
std::vector<bool> pilot_flags(const std::vector<std::string>& pilot, const std::string& where);

}  // namespace impactsim::generator
