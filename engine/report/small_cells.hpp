// The small-cell rule of claims-data publications, in one place: no figure
// from which a count of 1 to 9 patients can be read or derived.
//
// apply_small_cell_rule marks, in a Document:
// 1. counts from 1 to 9, and numbers that reveal such a count (a proportion
//    whose events or non-events are 1 to 9, a rate whose events are);
// 2. complementary cells: in each sum relation (a total and its parts), as
//    long as exactly one cell is masked, or the shown total minus the shown
//    parts gives 1 to 9, one more cell is masked: the total first, then the
//    smallest part;
// 3. counts of the same patients at two times (a year's members and a
//    later year's): the later is masked while their difference is 1 to 9;
// 4. every cell linked to a masked one (a group's value with the
//    differences and ratios computed from it; a figure shown in two tables);
// repeated until nothing changes. Masked cells print "<10" when their own
// count is small, "masked" otherwise; chart points of masked cells and
// histogram bins of 1 to 9 units are left out.
#pragma once

#include <string_view>

namespace impactsim {

inline constexpr std::string_view kSmallCountText = "<10";
inline constexpr std::string_view kMaskedText = "masked";

// A count the rule hides: 1 to 9 (0 is shown: it reveals no patient).
inline bool is_small_count(double n) { return n >= 1 && n < 10; }

namespace report {
struct Document;
void apply_small_cell_rule(Document& doc);
}  // namespace report

}  // namespace impactsim
