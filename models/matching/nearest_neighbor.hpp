// Greedy nearest-neighbour matching on a scalar distance, with MatchIt's
// semantics (method = "nearest"; MatchIt 4.5 nn_matchC_vec) and O(n log n)
// cost in every case.
//
// Units are sorted by distance (ties by the tie key). Treated units are
// visited in the matching order; each takes the nearest control still
// available on either side of it in that sorted order (the left one when
// both are equally near), provided it lies within the caliper. With ratio k,
// matching runs in k rounds: every treated unit gets its first control, then
// its second, and so on. Without replacement a control is used once; with
// replacement controls are reused (but never twice for the same treated
// unit). With exact strata, units are matched within their stratum only
// (strata run in parallel; the result does not depend on the thread count).
//
// Used controls are skipped with a union-find "next available" structure
// (path halving): each lookup costs amortised near-constant time, so the
// whole match is dominated by the sort, however many controls are used up.
// MatchIt and OHDSI's matcher scan over used controls one by one, which is
// what makes them slow when many controls sit in a dense region.
//
// Order "closest" matches the globally closest available pair first (Rassen
// et al. 2012, Pharmacoepidemiol Drug Saf 21(S2):69-80): a priority queue of
// each treated unit's current nearest candidate; a popped pair whose control
// was taken meanwhile is replaced by that treated unit's next candidate.
//
// Ties are broken by the tie key (default: row position; pass a patient id to
// make the result independent of row order): in the sorted order, in the
// visiting order of "largest"/"smallest" (smaller key first), and in the
// priority queue of "closest". "random" visits treated units in the order of
// a uniform drawn from Philox keyed by (seed, tie key).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace impactsim {

enum class MatchOrder { Largest, Smallest, Closest, Random, Data };
// The caliper's scale: standard deviations of the distance (MatchIt's
// std.caliper = TRUE, the default) or the distance's own units.
enum class CaliperScale { StandardDeviations, DistanceUnits };

// "largest", ...; nullopt for an unknown name.
std::optional<MatchOrder> parse_match_order(const std::string& name);
const char* to_string(MatchOrder order);

struct NearestNeighborOptions {
  int ratio = 1;          // controls per treated unit (MatchIt ratio)
  bool replace = false;   // MatchIt replace
  // Caliper on the distance; none by default. In standard deviations of the
  // distance over the units not discarded (MatchIt's default), or in the
  // distance's own units.
  std::optional<double> caliper;
  CaliperScale caliper_scale = CaliperScale::StandardDeviations;
  // MatchIt's default for a propensity-score distance and the ATT is largest.
  MatchOrder order = MatchOrder::Largest;
  uint64_t seed = 1;  // for order "random"
};

struct MatchInput {
  std::span<const double> distance;
  std::span<const uint8_t> treated;     // 1 treated, 0 control
  std::span<const uint8_t> discarded;   // empty = none; discarded units are never matched
  std::span<const int32_t> stratum;     // empty = no exact matching; codes >= 0
  std::span<const int64_t> tie_key;     // empty = row position
};

struct Matching {
  int ratio = 1;
  std::optional<double> caliper;  // in the distance's units; none without a caliper
  // Treated units (row positions) and their controls: matches[t * ratio + r]
  // is the r-th control of treated_rows[t] (row position), -1 when none.
  std::vector<int64_t> treated_rows;
  std::vector<int64_t> matches;
  // Per row, as MatchIt's match.data: weight (matched treated 1; a control
  // the sum of 1/k over the treated units it serves, where k is how many
  // controls that treated unit got, rescaled so control weights sum to the
  // number of matched controls), and subclass (1.. per treated unit with a
  // match, numbered in row order; -1 when unmatched or with replacement).
  std::vector<double> weights;
  std::vector<int64_t> subclass;
  size_t matched_treated = 0, matched_controls = 0;
};

// Throws InputError for inconsistent input (lengths, non-finite distance,
// a non-positive ratio or caliper).
Matching match_nearest(const MatchInput& input, const NearestNeighborOptions& options);

}  // namespace impactsim
