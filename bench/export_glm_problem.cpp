// Writes a benchmark problem as raw little-endian doubles for R and Python
// to read (bench/peers/glm_peers.sh, bench/peers/cox_peers.sh):
//   export_glm_problem ROWS binomial|poisson DIR  ->  DIR/x.bin (column-major), DIR/y.bin, DIR/offset.bin
//   export_glm_problem ROWS cox DIR               ->  DIR/x.bin (10 columns), DIR/time.bin, DIR/status.bin
#include <cstdio>
#include <string>

#include "bench/cox_problem.hpp"
#include "bench/glm_problem.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: export_glm_problem ROWS binomial|poisson|cox DIR\n");
    return 2;
  }
  const size_t n = std::stoul(argv[1]);
  const std::string family = argv[2], dir = argv[3];
  auto write = [&](const std::string& name, const double* data, size_t count) {
    FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
    if (f == nullptr || std::fwrite(data, sizeof(double), count, f) != count) {
      std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
      std::exit(1);
    }
    std::fclose(f);
  };
  if (family == "cox") {
    const impactsim::CoxProblem pr = impactsim::make_cox_problem(n);
    const std::vector<double> status(pr.status.begin(), pr.status.end());
    write("x.bin", pr.x.data(), static_cast<size_t>(pr.x.size()));
    write("time.bin", pr.time.data(), pr.time.size());
    write("status.bin", status.data(), status.size());
    return 0;
  }
  const auto kind = family == "poisson" ? impactsim::FamilyKind::Poisson : impactsim::FamilyKind::Binomial;
  const impactsim::GlmProblem pr = impactsim::make_glm_problem(n, kind);
  write("x.bin", pr.x.data(), static_cast<size_t>(pr.x.size()));
  write("y.bin", pr.y.data(), static_cast<size_t>(pr.y.size()));
  if (pr.offset.size()) write("offset.bin", pr.offset.data(), static_cast<size_t>(pr.offset.size()));
  return 0;
}
