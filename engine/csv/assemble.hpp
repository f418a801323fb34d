// Step 2 of the CSV reader, its last part: a column of the final table from
// its chunks' slots, each chunk copied (or converted: ints widened to
// doubles, R's logical tokens to TRUE/FALSE) at its row offset, in parallel;
// categorical levels merged in byte order and each chunk's codes remapped.
// The slots are released as they are copied. Internal to the CSV reader.
#pragma once

#include <string>
#include <vector>

#include "engine/column.hpp"
#include "engine/csv/chunks.hpp"
#include "engine/csv/column_slot.hpp"

namespace impactsim::csv {

// Column j of `slots` ([chunk][column]); `forced`: its type was given, not inferred.
Column assemble_column(const std::string& name, ColumnType type, bool forced, const std::vector<Chunk>& chunks,
                       std::vector<std::vector<Slot>>& slots, size_t j);

}  // namespace impactsim::csv
