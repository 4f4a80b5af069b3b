import pytest
import torch

from seq2seq_lib import Seq2SeqDataset, build_model, make_loader, make_pairs, seed_everything, task_vocab


@pytest.fixture(autouse=True)
def _deterministic():
    seed_everything(0)
    torch.set_num_threads(1)
    yield


@pytest.fixture
def vocab():
    return task_vocab(10)


@pytest.fixture
def pairs():
    return make_pairs(64, vocab_size=10, min_len=2, max_len=7, seed=3)


@pytest.fixture
def batch(pairs, vocab):
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), batch_size=16)
    return next(iter(loader))


def small_model(name="gru", vocab_size=14, **kw):
    return build_model(name, vocab_size, vocab_size, emb_dim=8, hidden_size=16, **kw).eval()
