"""bench bpe: byte-level BPE encoding through Hugging Face ``tokenizers`` vs the readable Python reference.

Both arms share the merges: learnt once by each path (``learn_merges`` and ``BPETokenizer.train``, vocabulary
2,000 = 256 bytes + 1,744 merges) on 20,000 English and French sentences of the shipped corpus's training split,
and asserted identical. Then the same 20,000 sentences are encoded by ``encode_reference`` (a Python loop per
piece) and by ``BPETokenizer.tokenize_batch`` (the library's Rust ``encode_batch``, parallel over the cores);
both must give the same tokens.

Measured on the 2-core development machine (shared, so ±30 %), two runs:

    bench bpe ratio=2.74 reference_s=1.1616 new_s=0.4247 what=encode sentences=20000 vocab_size=2000
        tokens=204099 reference_sent_per_s=17217 new_sent_per_s=47089 train_reference_s=11.26 train_new_s=0.36
    bench bpe ratio=2.31 reference_s=0.8248 new_s=0.3568 ... reference_sent_per_s=24248 new_sent_per_s=56050
        train_reference_s=8.09 train_new_s=0.28

Encoding gains only 2-3x: the sentences are short (about 10 tokens), so the library's fixed cost per sentence
(an ``Encoding`` with ids, offsets and masks, about 15 µs) dominates; the split regex is not the bottleneck
(GPT-2's built-in one is no faster). Training is where the library pays: about 30x.
"""

from __future__ import annotations

import os
import time

from common import best_time, report

from seq2seq_lib.bpe import BPETokenizer, encode_reference, learn_merges, merge_ranks
from seq2seq_lib.tatoeba import tatoeba_splits


def corpus(n_sentences: int) -> list[str]:
    """The first ``n_sentences`` texts of the training split, English and French alternating."""
    train = tatoeba_splits().train
    return [text for pair in train[: (n_sentences + 1) // 2] for text in pair][:n_sentences]


def main(n_sentences: int = 20_000, vocab_size: int = 2_000) -> None:
    texts = corpus(n_sentences)
    start = time.perf_counter()
    merges = learn_merges(texts, vocab_size)
    reference_train_s = time.perf_counter() - start
    start = time.perf_counter()
    tokenizer = BPETokenizer.train(texts, vocab_size)
    library_train_s = time.perf_counter() - start
    assert merges == tokenizer.merges(), "the reference and the library learnt different merges"

    ranks = merge_ranks(merges)
    reference_tokens = [encode_reference(text, ranks) for text in texts]
    assert reference_tokens == tokenizer.tokenize_batch(texts), "the two paths tokenise differently"
    reference = best_time(lambda: [encode_reference(text, ranks) for text in texts], repeats=2, warmup=0)
    new = best_time(lambda: tokenizer.tokenize_batch(texts), repeats=5, warmup=1)
    report("bpe", reference, new, what="encode", sentences=len(texts), vocab_size=len(tokenizer),
           tokens=sum(map(len, reference_tokens)), reference_sent_per_s=round(len(texts) / reference),
           new_sent_per_s=round(len(texts) / new), train_reference_s=round(reference_train_s, 2),
           train_new_s=round(library_train_s, 2), same_merges=True, same_tokens=True, cpus=os.cpu_count())


if __name__ == "__main__":
    main()
