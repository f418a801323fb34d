// The study report's time-to-event sections (death, and each
// [[time_to_event]]): Kaplan-Meier curves by group at the end of each
// programme year, hazard ratios overall and by year with their E-values,
// the restricted mean time free of the event, and cox.zph's test, in one
// table and two charts, under the small-cell rule.
#pragma once

#include <string>

#include "engine/report/document.hpp"
#include "studies/impact/study_results.hpp"

namespace impactsim {

// The words of a section: death, or another event.
struct EventWords {
  std::string title;   // "Death as time to event"
  std::string event;   // "death", "first readmission"
  std::string events;  // column of counts: "deaths", "events"
  std::string free;    // the curve: "survival", "free of first readmission"
  std::string follow;  // who is followed until when
};

EventWords death_words();
EventWords event_words(const std::string& name);

// Appends the section; returns its table's index.
size_t survival_section(report::Document& doc, const SurvivalResults& s, const std::string& clustered_on, double level,
                        const EventWords& w);

}  // namespace impactsim
