"""Leave-one-out split (METHOD.md): last item = test, second to last = validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from galrec.data.dataset import Interactions
from galrec.data.sequences import Sequences

SplitName = Literal["valid", "test"]


@dataclass
class LeaveOneOut:
    """Training part, evaluation inputs and targets for every user (rows indexed by user id).

    - ``train``: each sequence without its last two items. Only this may build graphs or train
      the external-embedding models.
    - valid: input ``train``, target the second-to-last item.
    - test: input ``train`` + the validation item, target the last item.
    """

    data: Interactions
    train: Sequences
    test_input: Sequences
    valid_target: np.ndarray  # [n_users + 1], 0 for the padding row
    test_target: np.ndarray  # [n_users + 1]

    @classmethod
    def from_interactions(cls, data: Interactions) -> LeaveOneOut:
        seqs = data.sequences
        short = np.flatnonzero(seqs.lengths[1:] < 3) + 1
        if len(short):
            raise ValueError(f"{data.name}: users {short[:5].tolist()} have fewer than 3 interactions")
        test_input = seqs.drop_last(1)
        return cls(
            data=data,
            train=seqs.drop_last(2),
            test_input=test_input,
            valid_target=test_input.last(),
            test_target=seqs.last(),
        )

    def inputs(self, split: SplitName) -> Sequences:
        return self.train if split == "valid" else self.test_input

    def targets(self, split: SplitName) -> np.ndarray:
        return self.valid_target if split == "valid" else self.test_target

    def eval_users(self) -> np.ndarray:
        """Users that are evaluated: every real user (all have >= 3 interactions). [n_users]"""
        return np.arange(1, self.data.n_users + 1, dtype=np.int64)
