#include "models/sensitivity/rosenbaum_bounds.hpp"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>

namespace impactsim {

double rosenbaum_upper_p(size_t discordant, size_t in_direction, double gamma) {
  if (in_direction == 0) return 1.0;
  if (in_direction > discordant || !(gamma >= 1)) return NAN;
  const double q = gamma / (1 + gamma);
  return boost::math::ibeta(static_cast<double>(in_direction), static_cast<double>(discordant - in_direction + 1), q);
}

RosenbaumBound rosenbaum_bound(size_t pairs, size_t member_only, size_t control_only, double alpha) {
  RosenbaumBound r;
  r.pairs = pairs;
  r.discordant = member_only + control_only;
  r.in_direction = std::max(member_only, control_only);
  r.member_more = member_only > control_only;
  r.alpha = alpha;
  if (r.discordant == 0) return r;
  r.p_value = rosenbaum_upper_p(r.discordant, r.in_direction, 1.0);
  if (r.p_value >= alpha) {
    r.gamma = 1.0;
    return r;
  }
  const double a = static_cast<double>(r.in_direction), b = static_cast<double>(r.discordant - r.in_direction + 1);
  const double q = boost::math::ibeta_inv(a, b, alpha);
  r.gamma = q >= 1 ? INFINITY : q / (1 - q);
  return r;
}

}  // namespace impactsim
