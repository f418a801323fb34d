// The parts of the study report that answer a reviewer (study_sensitivity.hpp):
// the diagnostics gate at the top of the report, said in words when it
// fails, with the negative controls' empirical null; and, beside each
// outcome's table, its sensitivity table (E-values, the calibrated ratio,
// the adjusted p-values, Rosenbaum's Gamma).
#pragma once

#include <string>

#include "engine/report/document.hpp"
#include "models/effects/effects.hpp"
#include "studies/impact/study_results.hpp"

namespace impactsim {

// "Diagnostics": the gate's verdict in words and its table.
void diagnostics_section(report::Document& doc, const StudyResults& r);

// An E-value with that of its interval's bound: "1.85 (1.42)".
std::string evalue_text(const EValue& e);

// Year by year: the E-values of the ratio and odds ratio, the calibrated
// ratio and p-value (with negative controls), the difference's raw and
// adjusted p-values, Rosenbaum's Gamma (1:1 pairs, binary outcomes).
// Row r belongs to o.years[r].
report::Table sensitivity_table(const OutcomeEffects& o, bool calibrated, double level);

}  // namespace impactsim
