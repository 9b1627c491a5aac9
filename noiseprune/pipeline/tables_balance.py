"""The excitatory/inhibitory balance table of the networks that obey Dale's law
(network kind ``dale``; docs/method.md, "Excitatory and inhibitory input").

``results/tables/balance.csv``: one row per pruned network (columns
:data:`BALANCE_TABLE_COLUMNS`), the mean excitatory and inhibitory input per neuron before
and after pruning and how much each neuron's inputs changed
(:func:`noiseprune.pipeline.draw_rows.balance_row`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from noiseprune import io
from noiseprune.pipeline.draw_rows import BALANCE_COLUMNS, ID_COLUMNS, balance_row

BALANCE_TABLE_COLUMNS = ID_COLUMNS + BALANCE_COLUMNS


def balance_table(draws: Iterable[Mapping]) -> pd.DataFrame:
    """balance.csv from ``draws``: mappings with ``ids`` (the :data:`ID_COLUMNS`),
    ``network`` (path of A) and ``pruned`` (path of the pruned network); each original
    network is loaded once."""
    rows, loaded = [], {}
    for draw in draws:
        path = str(draw["network"])
        if path not in loaded:
            loaded.clear()  # one network in memory at a time (draws come grouped by network)
            loaded[path] = io.load_dense(path)
        rows.append(balance_row(draw["ids"], loaded[path], io.load_sparse(draw["pruned"])))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in BALANCE_TABLE_COLUMNS})
    frame = pd.DataFrame(rows)[BALANCE_TABLE_COLUMNS]
    return frame.sort_values(ID_COLUMNS, kind="stable").reset_index(drop=True)
