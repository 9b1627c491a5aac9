"""Tables of the task-trained experiment: ``results/tables/trained.csv`` and
``trained_intervals.parquet``, from the JSON files of the probe and reduction jobs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from noiseprune.trained import reducers
from noiseprune.trained.experiment import ID_COLUMNS, METRIC_COLUMNS, ORIGINAL


def frames(docs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, intervals) from documents ``{"rows": [...], "produced": [[...]], "interval": [...]}``.

    Rows are sorted by seed, reducer (the original first, then registry order),
    covariance, rescale, keep fraction (descending), pruning seed, retrained.
    """
    rows, per_trial = [], []
    for doc in docs:
        for r, produced in zip(doc["rows"], doc["produced"]):
            rows.append(r)
            ids = {k: r[k] for k in ID_COLUMNS}
            per_trial.append(pd.DataFrame({**ids, "interval": doc["interval"], "produced": produced}))
    table = pd.DataFrame(rows, columns=[*ID_COLUMNS, *METRIC_COLUMNS])
    order = {name: i for i, name in enumerate((ORIGINAL, *reducers.names()))}
    key = table["reducer"].map(lambda r: order.get(r, len(order)))
    table = table.assign(_order=key).sort_values(
        ["seed", "_order", "covariance", "rescale", "keep_fraction", "prune_seed", "retrained"],
        ascending=[True, True, True, True, False, True, True], kind="stable",
    ).drop(columns="_order").reset_index(drop=True)
    if not np.isfinite(table[list(METRIC_COLUMNS)].to_numpy(dtype=float)).all():
        raise ValueError("trained table: a metric is not finite")
    intervals = pd.concat(per_trial, ignore_index=True) if per_trial else pd.DataFrame(columns=[*ID_COLUMNS, "interval", "produced"])
    return table, intervals
