import pytest
import torch

from seq2seq_lib import (
    EOS,
    PAD,
    SOS,
    BucketBatchSampler,
    Seq2SeqDataset,
    collate,
    make_loader,
    make_pairs,
    padding_fraction,
    reversal_splits,
    task_vocab,
)


def test_collate_pads_and_adds_specials():
    b = collate([([4, 5, 6], [7, 8]), ([9], [4, 5, 6])])
    assert b.src.tolist() == [[4, 5, 6], [9, PAD, PAD]]
    assert b.src_lens.tolist() == [3, 1]
    assert b.tgt_in.tolist() == [[SOS, 7, 8, PAD], [SOS, 4, 5, 6]]
    assert b.tgt_out.tolist() == [[7, 8, EOS, PAD], [4, 5, 6, EOS]]
    assert b.tgt_lens.tolist() == [3, 4]
    assert b.n_tokens == 7 and len(b) == 2


def test_batch_to_moves_every_tensor():
    b = collate([([4], [5])]).to("cpu")
    assert all(t.device.type == "cpu" for t in (b.src, b.src_lens, b.tgt_in, b.tgt_out, b.tgt_lens))


def test_empty_sequences_are_rejected_with_their_index():
    with pytest.raises(ValueError, match="example 1 has an empty source"):
        Seq2SeqDataset([([4], [5]), ([], [5])])
    with pytest.raises(ValueError, match="empty sequence"):
        collate([([4], [])])


def test_reversal_pairs_are_reversed_and_in_range():
    pairs = make_pairs(200, vocab_size=7, min_len=3, max_len=9, seed=1)
    assert all(t == s[::-1] for s, t in pairs)
    assert {len(s) for s, _ in pairs} == set(range(3, 10))
    assert {tok for s, _ in pairs for tok in s} <= {str(i) for i in range(7)}


def test_tasks_are_deterministic_and_held_out_sets_disjoint():
    assert make_pairs(50, seed=4) == make_pairs(50, seed=4)
    train, valid = reversal_splits(500, 200, vocab_size=5, min_len=2, max_len=6)
    assert not {tuple(s) for s, _ in train} & {tuple(s) for s, _ in valid}


def test_exclude_only_counts_sequences_in_the_length_range():
    train = make_pairs(500, vocab_size=3, min_len=5, max_len=6, seed=0)
    short = make_pairs(9, vocab_size=3, min_len=2, max_len=2, seed=1, exclude=train)
    assert len({tuple(s) for s, _ in short}) == 9
    with pytest.raises(ValueError, match="only 0 exist outside the excluded"):
        make_pairs(1, vocab_size=2, min_len=1, max_len=1, exclude=[(["0"], ["0"]), (["1"], ["1"])])


def test_longer_than_training_lengths_are_available():
    pairs = make_pairs(20, min_len=20, max_len=24, seed=9)
    assert min(len(s) for s, _ in pairs) >= 20


@pytest.mark.parametrize("kw, msg", [(dict(task="shuffle"), "unknown task 'shuffle'"),
                                     (dict(min_len=5, max_len=3), "min_len <= max_len"),
                                     (dict(n=10_000, vocab_size=2, min_len=1, max_len=2), "distinct")])
def test_task_errors(kw, msg):
    args = dict(n=10, vocab_size=5, min_len=1, max_len=4) | kw
    with pytest.raises(ValueError, match=msg):
        make_pairs(**args)


def test_bucketing_groups_similar_lengths_and_covers_every_example():
    lengths = [(i * 7) % 23 + 1 for i in range(500)]
    sampler = BucketBatchSampler(lengths, batch_size=20, pool_factor=5, seed=0)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(500))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches) / len(batches)
    assert spread < 6  # random batches of 20 would span most of 1..23 (about 20)
    assert len(sampler) == 25
    assert list(sampler) != batches  # reshuffled each epoch


def test_bucketing_reduces_padding():
    vocab = task_vocab(10)
    ds = Seq2SeqDataset.from_pairs(make_pairs(2000, 10, 2, 30, seed=0), vocab, vocab)
    plain = padding_fraction(make_loader(ds, 32, shuffle=True))
    bucketed = padding_fraction(make_loader(ds, 32, shuffle=True, bucket=True))
    assert bucketed < plain / 3


def test_loader_yields_batches_of_the_dataset(pairs, vocab):
    loader = make_loader(Seq2SeqDataset.from_pairs(pairs, vocab, vocab), batch_size=10)
    batches = list(loader)
    assert sum(len(b) for b in batches) == len(pairs)
    assert torch.equal(batches[0].src[0, : batches[0].src_lens[0]],
                       torch.tensor(vocab.encode(pairs[0][0])))
