// Balance diagnostics as text (laid out like MatchIt's print(summary()):
// sample sizes, then balance for all data and for the matched data) and as
// JSON with every number.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "models/balance/balance.hpp"

namespace impactsim {

std::string format_balance(const BalanceReport& report);
nlohmann::json balance_to_json(const BalanceReport& report);

}  // namespace impactsim
