"""Queues and the representation bank: FIFO order, wrap-around, padding, buffers in state_dict."""

from __future__ import annotations

import torch

from galrec.model.queue import NodeQueue, RepresentationBank


def keys_for(ids: list[int]) -> torch.Tensor:
    return torch.tensor(ids, dtype=torch.float32)[:, None].repeat(1, 2)  # key row = its id


def test_fifo_order_and_wrap_around() -> None:
    q = NodeQueue(5, 2)
    q.enqueue(keys_for([1, 2, 3]), torch.tensor([1, 2, 3]))
    assert q.ids.tolist() == [1, 2, 3, 0, 0] and int(q.ptr) == 3
    q.enqueue(keys_for([4, 5, 6, 7]), torch.tensor([4, 5, 6, 7]))  # wraps: 6, 7 overwrite 1, 2
    assert q.ids.tolist() == [6, 7, 3, 4, 5] and int(q.ptr) == 2
    assert q.keys[:, 0].tolist() == [6, 7, 3, 4, 5]


def test_more_keys_than_slots_keeps_the_newest_and_padding_is_skipped() -> None:
    q = NodeQueue(3, 2)
    q.enqueue(keys_for([1, 0, 2, 3, 4]), torch.tensor([1, 0, 2, 3, 4]))  # 0: padding row
    assert sorted(q.ids.tolist()) == [2, 3, 4] and int(q.ptr) == 0
    q.enqueue(keys_for([5]), torch.tensor([5]))
    assert q.ids.tolist() == [5, 3, 4]  # the oldest (2) went first


def test_empty_queue_is_a_no_op() -> None:
    q = NodeQueue(0, 2)
    q.enqueue(keys_for([1]), torch.tensor([1]))
    assert q.keys.shape == (0, 2)


def test_blocked_slots() -> None:
    q = NodeQueue(4, 2)
    q.enqueue(keys_for([7, 8]), torch.tensor([7, 8]))
    blocked = q.blocked(torch.tensor([7, 9]))  # [2, 4]
    assert blocked.tolist() == [[True, False, True, True], [False, False, True, True]]


def test_buffers_are_state_and_move_with_to() -> None:
    q, bank = NodeQueue(4, 2), RepresentationBank(5, 3)
    assert set(q.state_dict()) == {"keys", "ids", "ptr"}
    assert set(bank.state_dict()) == {"vectors", "seen"}
    assert q.to(torch.float64).keys.dtype == torch.float64  # buffers follow .to like weights
    q.enqueue(keys_for([1, 2]), torch.tensor([1, 2]))
    fresh = NodeQueue(4, 2)
    fresh.load_state_dict(q.state_dict())
    assert fresh.ids.tolist() == [1, 2, 0, 0] and int(fresh.ptr) == 2


def test_bank_refresh_and_lookup() -> None:
    bank = RepresentationBank(5, 3)
    bank.refresh(torch.tensor([2, 0, 4]), torch.arange(9.0).view(3, 3))
    assert bank.seen.tolist() == [False, False, True, False, True]  # id 0 is never stored
    bank.refresh(torch.tensor([2]), torch.full((1, 3), -1.0))  # a newer encoding replaces the row
    rows, counts = bank.lookup(torch.tensor([[2, 3, 0], [4, 4, 1]]))
    assert counts.tolist() == [[True, False, False], [True, True, False]]
    assert rows[0, 0].tolist() == [-1.0, -1.0, -1.0] and rows[1, 0].tolist() == [6.0, 7.0, 8.0]
