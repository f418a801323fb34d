// The effects of enrolment a scale-up simulation takes from an impact
// study's results (StudyResults, studies/impact/study_results.hpp): the
// adjusted mortality odds ratio, the odds ratios of the outcomes fundus_2y,
// renal_check and dental, the rate ratios of hosp_stays and of hosp_days
// over hosp_stays (days per stay), and the mean difference of spend_total,
// by programme year. Each effect keeps the study's standard error (on the
// log scale for ratios); where a study stored none, the interval's width at
// the study's recorded confidence level gives it. Outcomes the study did
// not report have no effect.
#pragma once

#include "models/microsim/simulation.hpp"
#include "studies/impact/study_results.hpp"

namespace impactsim {

// InputError when the study is not of the diabetes programme (the
// microsimulation models it), naming `where`.
EnrolmentEffects enrolment_effects_from(const StudyResults& results, const std::string& where);

}  // namespace impactsim
