"""A generated study table with the structure of the institution's coded videos (codebook keys),
built so that fsQCA recovers configurations like the paper's (Table 6):

1. title_information * innovation * ~affective_expression   (pan-life)
2. title_information * innovation * ~interpretation_mode    (pan-life)
3. ~title_information * video_form * ~interpretation_mode * ~innovation * ~affective_expression
                                                            (pan-knowledge)

Videos in one of these configurations spread well (effect 0.6-0.95), the others poorly
(0.05-0.45); a few cases are flipped so that consistency is high but not perfect. Used by the
demo when the dissemination demo has no coded videos, and by tests as "seeded data".
"""

from __future__ import annotations

import numpy as np

from .sources import StudyTable

BINARY = {
    "title_information": ("Title information", {"0": "Statement", "1": "Exclamation or question"}),
    "video_form": ("Video form", {"0": "Horizontal", "1": "Vertical"}),
    "interpretation_mode": ("Interpretation mode", {"0": "Objective narrative", "1": "Subjective description"}),
    "innovation": ("Innovation", {"0": "Familiar theme", "1": "New and unique"}),
}
FLIP_SHARE = 0.03


def spreads_well(ti: int, vf: int, im: int, inn: int, ae_high: bool) -> bool:
    return bool((ti and inn and not ae_high) or (ti and inn and not im)
                or (not ti and vf and not im and not inn and not ae_high))


def paper_like_table(rng: np.random.Generator, n_cases: int = 200) -> StudyTable:
    columns = [{"name": key, "label": label, "kind": "binary", "levels": levels, "variable_key": key,
                "expectation": "none"} for key, (label, levels) in BINARY.items()]
    columns.append({"name": "affective_expression", "label": "Affective expression", "kind": "continuous",
                    "levels": {}, "variable_key": "affective_expression", "expectation": "none", "unit": "HIV-4 polarity"})
    columns.append({"name": "dissemination_effect", "label": "Dissemination effect", "kind": "continuous",
                    "levels": {}, "variable_key": "dissemination_effect", "expectation": "none"})
    cases, rows = [], []
    for i in range(n_cases):
        codes = [int(v) for v in rng.integers(0, 2, size=4)]
        polarity = float(np.round(rng.choice([-1, 1]) * rng.uniform(0.25, 0.9), 3))  # clearly in or out
        good = spreads_well(*codes, polarity > 0)
        if rng.random() < FLIP_SHARE:
            good = not good
        effect = float(np.round(rng.uniform(0.62, 0.95) if good else rng.uniform(0.05, 0.42), 3))
        cases.append({"id": f"demo-{i + 1:03d}", "label": f"Demo video {i + 1}"})
        rows.append([*map(float, codes), polarity, effect])
    return StudyTable(columns=columns, cases=cases, rows=rows, codebook_name="Default codebook (Table 4)",
                      codebook_version=1)
