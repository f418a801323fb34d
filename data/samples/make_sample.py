#!/usr/bin/env python3
"""Writes cohort_sample.csv: a small, made-up claims extract (one row per
patient, baseline year) used by `make demo` and the tests until the cohort
generator exists. Deterministic: the same file every run. Values are random
and only roughly shaped like the diabetes programme's population (DESIGN.md);
they carry no real information."""
import math
import random

rng = random.Random(20261122)
departments = ["13", "33", "59", "69", "75", "2A", "974"]
rows = []
for pid in range(1, 401):
    sex = rng.choice(["F", "M"]) if rng.random() > 0.005 else ""
    age = round(min(95, max(18, rng.gauss(65, 12))), 1)
    quintile = rng.randint(1, 5)
    low_income = rng.random() < 0.1 + 0.04 * quintile
    dept = rng.choice(departments)
    insulin = rng.random() < 0.2
    diabetes_type = "type1" if insulin and rng.random() < 0.3 else "type2"
    cardio = rng.random() < 0.25 + 0.004 * (age - 65)
    hba1c_tests = min(6, int(rng.expovariate(1 / 2.2)))
    fundus_2y = rng.random() < 0.62
    lin = -1.5 + 0.6 * fundus_2y + 0.15 * hba1c_tests - 0.1 * (quintile - 3)
    enrolled = rng.random() < 1 / (1 + math.exp(-lin))
    spending = round(rng.lognormvariate(8.4, 0.9), 2) if rng.random() > 0.02 else None
    rows.append([pid, sex, age, quintile, low_income, dept, diabetes_type, insulin, cardio,
                 hba1c_tests, fundus_2y, "" if spending is None else spending, enrolled])

header = ["id", "sex", "age", "deprivation_quintile", "low_income", "department", "diabetes_type",
          "insulin", "cardiovascular", "hba1c_tests", "fundus_2y", "spending", "enrolled"]
with open("cohort_sample.csv", "w", newline="\n") as f:
    f.write(",".join(header) + "\n")
    for r in rows:
        f.write(",".join("TRUE" if v is True else "FALSE" if v is False else str(v) for v in r) + "\n")
