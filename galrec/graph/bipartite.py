"""Bipartite user-item graph in CSR form, both directions (scipy.sparse)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from galrec.data.sequences import Sequences
from galrec.data.split import LeaveOneOut, SplitName


@dataclass
class BipartiteGraph:
    """Binary adjacency; row/column 0 (padding) stay empty.

    Build it from ``LeaveOneOut.train`` for training; validation and test interactions must
    never enter it (``LeaveOneOut.test_input`` may be used for test-time inputs).
    Column indices are sorted within every row of both matrices: the 2-hop samplers rely on it.
    """

    user_item: sp.csr_matrix  # [n_users + 1, n_items + 1]
    item_user: sp.csr_matrix  # [n_items + 1, n_users + 1]

    @classmethod
    def from_sequences(cls, seqs: Sequences, n_items: int) -> BipartiteGraph:
        rows = np.repeat(np.arange(seqs.n_rows), seqs.lengths)
        ui = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, seqs.items)), shape=(seqs.n_rows, n_items + 1)
        )
        ui.sum_duplicates()  # also sorts the indices of every row
        ui.data[:] = 1.0  # repeats count once
        iu = ui.T.tocsr()
        iu.sort_indices()
        return cls(ui, iu)

    @classmethod
    def from_split(cls, loo: LeaveOneOut, split: SplitName) -> BipartiteGraph:
        """The graph whose edges a model may see when predicting ``split`` targets.

        "valid" (and training) uses the training part only; "test" adds each user's validation
        item, never the test item.
        """
        return cls.from_sequences(loo.inputs(split), loo.data.n_items)

    @property
    def n_users(self) -> int:
        return self.user_item.shape[0] - 1

    @property
    def n_items(self) -> int:
        return self.user_item.shape[1] - 1

    @property
    def n_edges(self) -> int:
        return self.user_item.nnz
