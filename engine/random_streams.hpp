// The registry of random streams: every process of the program that draws
// random numbers has one entry here, with a name and the range of stream
// ids (the first word of Philox's counter, see RandomStream) it owns.
//
// DESIGN.md's keying rule: a draw is keyed by (seed, entity, stream id,
// substream), never by arithmetic on the seed. Two processes draw the same
// numbers only if they share a stream id, so the ranges below must not
// overlap: `kStreamRegistry` lists them all and a compile-time check
// rejects any overlap (a new process adds its entry here, with an id of its
// own). A StreamId can only be made from a registry entry, so no call site
// can invent one. The ids are those the program has always used: changing
// one changes every result drawn from it.
//
// The registry names processes but knows nothing of what they model; it
// lives in the engine because every layer that draws (generator, models,
// studies, tests, benchmarks) sits above it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace impactsim {

class StreamRange;

// A stream id taken from the registry.
class StreamId {
 public:
  constexpr uint64_t value() const { return value_; }
  friend constexpr bool operator==(StreamId, StreamId) = default;

 private:
  friend class StreamRange;
  constexpr explicit StreamId(uint64_t v) : value_(v) {}
  uint64_t value_;
};

// One registry entry: `size` consecutive ids from `first`.
class StreamRange {
 public:
  constexpr StreamRange(std::string_view name, uint64_t first, uint64_t size) : name_(name), first_(first), size_(size) {}
  // The k-th id of the range (processes indexed by a model or an effect).
  constexpr StreamId id(uint64_t k = 0) const {
    if (k >= size_) throw std::out_of_range("stream index beyond its registry range");
    return StreamId(first_ + k);
  }
  constexpr std::string_view name() const { return name_; }
  constexpr uint64_t first() const { return first_; }
  constexpr uint64_t size() const { return size_; }

 private:
  std::string_view name_;
  uint64_t first_, size_;
};

namespace streams {
// Synthetic data drawn by tests and benchmarks, and the random-stream tests' own ids.
inline constexpr StreamRange kTestData{"tests and benchmarks: synthetic data", 0, 1};
inline constexpr StreamRange kTestStreams{"tests of the random streams", 0x74657374, 16};
// The cohort generator (data/generator): entity = patient id, substream = year + 16.
inline constexpr StreamRange kGeneratorBaseline{"generator: a patient's baseline covariates", 1, 1};
inline constexpr StreamRange kGeneratorEnrolment{"generator: a patient's enrolment", 2, 1};
inline constexpr StreamRange kGeneratorYear{"generator: a patient-year's events and amounts", 3, 1};
// The microsimulation (models/microsim): entity = person id, substream = year.
inline constexpr StreamRange kMicrosimPersonYear{"microsim: a person-year's eight uniforms", 0x6d73, 1};
inline constexpr StreamRange kMicrosimOnset{"microsim: which comorbidities start in a person-year", 0x6f6e, 1};
// PSA (models/microsim): entity = draw number; one id per transition model, one per effect.
inline constexpr StreamRange kPsaCoefficients{"microsim PSA: a transition model's coefficients", 0x707361, 64};
inline constexpr StreamRange kPsaEffects{"microsim PSA: an effect of enrolment", 0x656666, 16};
// Pair (cluster) bootstrap (models/effects): entity = replicate, substream = the estimate's index.
inline constexpr StreamRange kPairBootstrap{"effects: pair bootstrap resampling", 0x626f6f74, 1};
// Matching order "random" (models/matching): entity = the unit's tie key.
inline constexpr StreamRange kMatchingOrder{"matching: random visiting order", 0x6d61746368, 1};
}  // namespace streams

inline constexpr std::array kStreamRegistry = {
    streams::kTestData,           streams::kTestStreams,        streams::kGeneratorBaseline, streams::kGeneratorEnrolment,
    streams::kGeneratorYear,      streams::kMicrosimPersonYear, streams::kMicrosimOnset,
    streams::kPsaCoefficients,    streams::kPsaEffects,         streams::kPairBootstrap,
    streams::kMatchingOrder,
};

// True when no two registry ranges share an id.
constexpr bool stream_ranges_disjoint(const auto& registry) {
  for (size_t i = 0; i < registry.size(); ++i) {
    for (size_t j = i + 1; j < registry.size(); ++j) {
      const auto& a = registry[i];
      const auto& b = registry[j];
      if (a.first() < b.first() + b.size() && b.first() < a.first() + a.size()) return false;
    }
  }
  return true;
}
static_assert(stream_ranges_disjoint(kStreamRegistry), "two random-stream registry entries share ids");

}  // namespace impactsim
