#include "models/survival/cox_zph.hpp"

#include <Eigen/LU>
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <iterator>
#include <numeric>

#include "engine/error.hpp"
#include "models/survival/kaplan_meier.hpp"

namespace impactsim {
namespace {

// g(t) of each subject, before centring.
std::vector<double> transformed_times(const CoxData& d, ZphTransform transform) {
  const size_t n = d.time.size();
  std::vector<double> g(n);
  switch (transform) {
    case ZphTransform::Identity: return d.time;
    case ZphTransform::Log:
      for (size_t i = 0; i < n; ++i) {
        if (!(d.time[i] > 0)) throw InputError("cox.zph: transform \"log\" needs positive times");
        g[i] = std::log(d.time[i]);
      }
      return g;
    case ZphTransform::Rank: {
      std::vector<size_t> order(n);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return d.time[a] < d.time[b]; });
      for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && d.time[order[j]] == d.time[order[i]]) ++j;
        const double average = 0.5 * static_cast<double>(i + 1 + j);  // ranks i+1..j
        for (size_t k = i; k < j; ++k) g[order[k]] = average;
        i = j;
      }
      return g;
    }
    case ZphTransform::KaplanMeier: {
      // 1 - S(t-): the unweighted Kaplan-Meier of all subjects at the last time before t.
      const KmCurve km = kaplan_meier(d.time, d.status, {}, {}, {"all"})[0];
      for (size_t i = 0; i < n; ++i) {
        const auto at = std::lower_bound(km.points.begin(), km.points.end(), d.time[i],
                                         [](const KmPoint& pt, double t) { return pt.time < t; });
        g[i] = 1 - (at == km.points.begin() ? 1.0 : std::prev(at)->surv);
      }
      return g;
    }
  }
  return g;
}

// zph1's accumulation: the score U (2p) and information I (2p x 2p) of the
// expanded model at the fitted risk scores, backwards in time within strata.
void score_and_information(const CoxData& d, const Eigen::VectorXd& eta, const std::vector<double>& gt, bool efron,
                           Eigen::VectorXd& u, Eigen::MatrixXd& imat) {
  const Eigen::MatrixXd& x0 = *d.x;
  const auto n = static_cast<size_t>(x0.rows());
  const Eigen::Index p = x0.cols();
  const Eigen::MatrixXd x = x0.rowwise() - x0.colwise().mean();  // centred, as zph1
  auto stratum = [&](size_t i) { return d.strata.empty() ? int64_t{0} : d.strata[i]; };
  auto weight = [&](size_t i) { return d.weights.empty() ? 1.0 : d.weights[i]; };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return stratum(a) != stratum(b) ? stratum(a) < stratum(b) : d.time[a] < d.time[b];
  });
  u = Eigen::VectorXd::Zero(2 * p);
  imat = Eigen::MatrixXd::Zero(2 * p, 2 * p);
  Eigen::VectorXd a(p), a2(p);
  Eigen::MatrixXd cmat(p, p), cmat2(p, p);
  double denom = 0;
  int64_t current = -1;
  bool first = true;
  // Adds one term of the information: weight wt at risk-set sums (sum, sum of squares, total).
  auto add_information = [&](double wt, double timewt, double den) {
    const Eigen::VectorXd mean = a / den;
    const Eigen::MatrixXd block = wt * (cmat - mean * a.transpose()) / den;
    imat.topLeftCorner(p, p) += block;
    imat.topRightCorner(p, p) += timewt * block;
    imat.bottomRightCorner(p, p) += timewt * timewt * block;
    u.head(p) -= wt * mean;
    u.tail(p) -= timewt * wt * mean;
  };
  for (size_t ip = n; ip-- > 0;) {
    size_t person = order[ip];
    if (first || stratum(person) != current) {
      current = stratum(person);
      first = false;
      denom = 0;
      a.setZero();
      cmat.setZero();
    }
    const double dtime = d.time[person];
    const double timewt = gt[person];
    double ndead = 0, deadwt = 0, denom2 = 0;
    a2.setZero();
    cmat2.setZero();
    for (;; --ip) {
      person = order[ip];
      if (d.time[person] != dtime || stratum(person) != current) {
        ++ip;  // not of this time: the outer loop takes it next
        break;
      }
      const double risk = std::exp(eta[static_cast<Eigen::Index>(person)]) * weight(person);
      const Eigen::VectorXd xi = x.row(static_cast<Eigen::Index>(person)).transpose();
      if (d.status[person] == 0) {
        denom += risk;
        a += risk * xi;
        cmat += risk * xi * xi.transpose();
      } else {
        ndead += 1;
        deadwt += weight(person);
        denom2 += risk;
        u.head(p) += weight(person) * xi;
        u.tail(p) += timewt * weight(person) * xi;
        a2 += risk * xi;
        cmat2 += risk * xi * xi.transpose();
      }
      if (ip == 0) break;
    }
    if (ndead == 0) continue;
    if (!efron) {
      denom += denom2;
      a += a2;
      cmat += cmat2;
      add_information(deadwt, timewt, denom);
    } else {
      const double wtave = deadwt / ndead;
      for (int k = 0; k < static_cast<int>(ndead); ++k) {
        denom += denom2 / ndead;
        a += a2 / ndead;
        cmat += cmat2 / ndead;
        add_information(wtave, timewt, denom);
      }
    }
  }
  imat.bottomLeftCorner(p, p) = imat.topRightCorner(p, p).transpose();
}

double chisq_p(double chisq, double df) {
  return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), std::max(chisq, 0.0)));
}

}  // namespace

ZphTransform zph_transform_from_string(const std::string& name) {
  if (name == "km") return ZphTransform::KaplanMeier;
  if (name == "identity") return ZphTransform::Identity;
  if (name == "log") return ZphTransform::Log;
  if (name == "rank") return ZphTransform::Rank;
  throw InputError("cox.zph transform \"" + name + "\": use km, identity, log or rank");
}

CoxZph cox_zph(const CoxData& d, const CoxFit& fit, const std::vector<int>& column_term, const std::vector<std::string>& term_labels,
               ZphTransform transform) {
  if (d.x == nullptr || static_cast<size_t>(d.x->rows()) != d.time.size() || column_term.size() != static_cast<size_t>(d.x->cols()) ||
      fit.coefficients.size() != d.x->cols()) {
    throw InputError("cox.zph: the data, the fit and the terms do not match");
  }
  const Eigen::Index p = d.x->cols();
  Eigen::VectorXd eta = *d.x * fit.coefficients;
  if (!d.offset.empty()) eta += Eigen::Map<const Eigen::VectorXd>(d.offset.data(), static_cast<Eigen::Index>(d.offset.size()));
  eta.array() -= eta.mean();
  std::vector<double> gt = transformed_times(d, transform);
  double sum = 0, events = 0;
  for (size_t i = 0; i < gt.size(); ++i) {
    if (d.status[i]) {
      sum += gt[i];
      events += 1;
    }
  }
  for (double& g : gt) g -= sum / events;
  Eigen::VectorXd u;
  Eigen::MatrixXd imat;
  score_and_information(d, eta, gt, fit.ties == CoxTies::Efron, u, imat);
  u.head(p).setZero();  // the score of the fitted coefficients, 0 at the estimate (cox.zph's u0)

  CoxZph out;
  out.transform = transform;
  for (size_t t = 0; t < term_labels.size(); ++t) {
    std::vector<Eigen::Index> keep;
    for (Eigen::Index j = 0; j < p; ++j) keep.push_back(j);
    for (Eigen::Index j = 0; j < p; ++j) {
      if (column_term[static_cast<size_t>(j)] == static_cast<int>(t)) keep.push_back(p + j);
    }
    const auto k = static_cast<Eigen::Index>(keep.size());
    if (k == p) continue;  // a term without columns
    Eigen::MatrixXd sub(k, k);
    Eigen::VectorXd us(k);
    for (Eigen::Index r = 0; r < k; ++r) {
      us[r] = u[keep[static_cast<size_t>(r)]];
      for (Eigen::Index c = 0; c < k; ++c) sub(r, c) = imat(keep[static_cast<size_t>(r)], keep[static_cast<size_t>(c)]);
    }
    const double chisq = us.dot(sub.partialPivLu().solve(us));
    const double df = static_cast<double>(k - p);
    out.rows.push_back({term_labels[t], chisq, df, chisq_p(chisq, df)});
  }
  const double global = u.dot(imat.partialPivLu().solve(u));
  out.rows.push_back({"GLOBAL", global, static_cast<double>(p), chisq_p(global, static_cast<double>(p))});
  return out;
}

}  // namespace impactsim
