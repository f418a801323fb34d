#!/usr/bin/env python3
"""Writes a claims-like CSV for the peer comparison of CSV readers:
  make_claims_csv.py OUT.csv ROWS
Columns as bench/engine_bench.cpp's BM_CsvParse (ids, ages, sex, department,
counts, flags, spending). Deterministic."""
import random
import sys

out, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(1)
depts = ["13", "2A", "33", "59", "69", "75", "974"]
with open(out, "w") as f:
    f.write("id,age,sex,dept,stays,days,fundus,dental,spending,hba1c\n")
    for i in range(rows):
        f.write("%d,%.1f,%s,%s,%d,%d,%s,%s,%.2f,%d\n" % (
            i + 1, 30 + 60 * rng.random(), "M" if rng.random() < 0.54 else "F", rng.choice(depts),
            min(9, int(rng.expovariate(2.5))), min(60, int(rng.expovariate(0.5))),
            "TRUE" if rng.random() < 0.62 else "FALSE", "TRUE" if rng.random() < 0.36 else "FALSE",
            1000 * rng.gammavariate(2.0, 3.0), min(9, int(rng.expovariate(0.4)))))
