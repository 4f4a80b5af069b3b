import pytest
import torch

from seq2seq_lib import (
    check_shape,
    count_parameters,
    exact_match,
    pick_device,
    seed_everything,
    token_accuracy,
)
from seq2seq_lib.metrics import exact_match_by_length


def test_check_shape_binds_names_and_reports_mismatches():
    assert check_shape(torch.zeros(2, 5), ("B", "S")) == {"B": 2, "S": 5}
    with pytest.raises(ValueError, match=r"src should have shape \[B, 3\], got \[2, 5\]"):
        check_shape(torch.zeros(2, 5), ("B", 3), "src")
    with pytest.raises(ValueError, match="dimension B is 2 and 5"):
        check_shape(torch.zeros(2, 5), ("B", "B"))
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        check_shape([1, 2], ("B",))


def test_seed_everything_makes_runs_repeat():
    seed_everything(7)
    a = torch.rand(3)
    seed_everything(7)
    assert torch.equal(a, torch.rand(3))


def test_pick_device_prefers_explicit_and_falls_back_to_cpu():
    assert pick_device("cpu").type == "cpu"
    assert pick_device().type in {"cpu", "cuda", "mps"}


def test_count_parameters():
    assert count_parameters(torch.nn.Linear(3, 2)) == 8


def test_exact_match_and_token_accuracy():
    preds, refs = [[1, 2, 3], [1, 2], [4]], [[1, 2, 3], [1, 2, 3], [5]]
    assert exact_match(preds, refs) == pytest.approx(1 / 3)
    # 3 + 2 hits over 3 + 3 + 1 positions: stopping early costs accuracy
    assert token_accuracy(preds, refs) == pytest.approx(5 / 7)
    with pytest.raises(ValueError, match="2 predictions but 3 references"):
        exact_match(preds[:2], refs)


def test_exact_match_by_length():
    assert exact_match_by_length([[1], [2, 2], [3, 3]], [[1], [2, 2], [3, 4]]) == {1: 1.0, 2: 0.5}
