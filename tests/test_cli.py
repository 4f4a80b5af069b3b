import io
import json
import subprocess
import sys

import pytest

from seq2seq_lib.cli import main

TINY = ["--epochs", "2", "--hidden-size", "16", "--emb-dim", "8", "--batch-size", "32"]


def last_json(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_then_evaluate_reversal(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--task", "reversal", "--model", "gru", "--train-size", "300", "--max-len", "6",
                 "--out", str(out), "--quiet", *TINY]) == 0
    summary = last_json(capsys)
    assert summary["epochs"] == 2 and "valid_exact_match" in summary
    assert main(["evaluate", "--checkpoint", str(out), "--task", "reversal", "--test-size", "50",
                 "--predictions", str(tmp_path / "pred.txt")]) == 0
    scores = last_json(capsys)
    assert {"n", "exact_match", "token_accuracy", "perplexity"} <= set(scores)
    assert scores["n"] == 50
    assert len((tmp_path / "pred.txt").read_text().splitlines()) == 50


def test_train_then_evaluate_tsv(tmp_path, capsys):
    lines = ["the cat sleeps .\tle chat dort .\textra column", "a dog runs .\tun chien court ."] * 30
    (tmp_path / "train.tsv").write_text("\n".join(lines) + "\n")
    (tmp_path / "test.tsv").write_text("the cat runs .\tle chat court .\nthe dog ?\tle chien ?\n")
    out = tmp_path / "mt"
    assert main(["train", "--data", str(tmp_path / "train.tsv"), "--model", "lstm", "--out", str(out),
                 "--quiet", *TINY]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out), "--data", str(tmp_path / "test.tsv"),
                 "--predictions", str(tmp_path / "p.txt")]) == 0
    scores = last_json(capsys)
    assert scores["n"] == 2 and scores["beam"] == 1
    assert 0 <= scores["bleu"] <= 100 and 0 <= scores["chrf"] <= 100
    assert scores["bleu_signature"].startswith("nrefs:1|") and scores["chrf_signature"].startswith("nrefs:1|")
    assert len((tmp_path / "p.txt").read_text().splitlines()) == 2
    assert main(["evaluate", "--checkpoint", str(out), "--data", str(tmp_path / "test.tsv"), "--beam", "3"]) == 0
    assert last_json(capsys)["beam"] == 3


def test_translate_arguments_and_stdin(tmp_path, capsys, monkeypatch):
    lines = ["the cat sleeps .\tle chat dort .", "a dog runs .\tun chien court ."] * 30
    (tmp_path / "train.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "mt"
    assert main(["train", "--data", str(tmp_path / "train.tsv"), "--model", "gru", "--out", str(out),
                 "--quiet", *TINY]) == 0
    capsys.readouterr()
    assert main(["translate", "--checkpoint", str(out), "the cat sleeps .", "a dog runs ."]) == 0
    greedy = capsys.readouterr().out.splitlines()
    assert len(greedy) == 2
    assert main(["translate", "--checkpoint", str(out), "--beam", "1", "the cat sleeps .", "a dog runs ."]) == 0
    assert capsys.readouterr().out.splitlines() == greedy
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("the cat sleeps .\n\nunknown words here\n"))
    assert main(["translate", "--checkpoint", str(out), "--beam", "3"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(""))
    assert main(["translate", "--checkpoint", str(out)]) == 2
    assert "nothing to translate" in capsys.readouterr().err


def test_tsv_line_without_tab_names_its_line(tmp_path, capsys):
    (tmp_path / "bad.tsv").write_text("a\tb\n\nno tab here\n")
    assert main(["train", "--data", str(tmp_path / "bad.tsv"), "--model", "gru", "--out",
                 str(tmp_path / "o"), *TINY]) == 2
    assert "bad.tsv:3: no tab" in capsys.readouterr().err


def test_missing_data_file(tmp_path, capsys):
    assert main(["train", "--data", str(tmp_path / "nope.tsv"), "--model", "gru", "--out",
                 str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_model_and_task(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--task", "reversal", "--model", "rnn", "--out", "x"])
    assert exit_.value.code == 2 and "invalid choice: 'rnn'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["train", "--task", "sorting", "--model", "gru", "--out", "x"])
    assert exit_.value.code == 2


def test_evaluate_rejects_a_directory_that_is_not_a_checkpoint(tmp_path, capsys):
    assert main(["evaluate", "--checkpoint", str(tmp_path), "--task", "reversal"]) == 2
    assert "not a checkpoint directory" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    res = subprocess.run([sys.executable, "-m", "seq2seq_lib", "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "train" in res.stdout and "evaluate" in res.stdout


@pytest.mark.parametrize("model,extra", [("bahdanau", []), ("luong-general", ["--input-feeding"]),
                                         ("luong-dot", []), ("luong-concat", [])])
def test_attentional_models_train_save_and_reload(tmp_path, capsys, model, extra):
    out = tmp_path / model
    assert main(["train", "--task", "reversal", "--model", model, "--train-size", "200", "--max-len", "6",
                 "--out", str(out), "--quiet", *TINY, *extra]) == 0
    summary = last_json(capsys)
    assert summary["model"] == model
    config = json.loads((out / "model.json").read_text())["config"]
    assert config["attention"] == model.replace("luong-", "") and config["input_feeding"] == bool(extra)
    assert main(["evaluate", "--checkpoint", str(out), "--task", "reversal", "--test-size", "20"]) == 0
    assert last_json(capsys)["n"] == 20


def test_input_feeding_is_only_for_luong(tmp_path, capsys):
    assert main(["train", "--task", "reversal", "--model", "bahdanau", "--input-feeding",
                 "--out", str(tmp_path / "o")]) == 2
    assert "input feeding is Luong's" in capsys.readouterr().err
    assert main(["train", "--task", "reversal", "--model", "gru", "--input-feeding", "--out", str(tmp_path / "o")]) == 2
    assert "--input-feeding does not apply to the 'gru' model (RNNConfig has no 'input_feeding')" \
        in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_transformer_trains_with_size_options_and_reloads(tmp_path, capsys):
    out = tmp_path / "tf"
    assert main(["train", "--task", "reversal", "--model", "transformer", "--train-size", "200", "--max-len", "6",
                 "--out", str(out), "--quiet", "--epochs", "1", "--d-model", "16", "--heads", "2",
                 "--layers", "1", "--ff", "32", "--label-smoothing", "0.1", "--warmup", "3"]) == 0
    summary = last_json(capsys)
    config = json.loads((out / "model.json").read_text())["config"]
    assert (config["d_model"], config["n_heads"], config["num_layers"], config["d_ff"]) == (16, 2, 1, 32)
    meta = json.loads((out / "model.json").read_text())["meta"]
    assert meta["recipe"]["label_smoothing"] == 0.1 and meta["recipe"]["warmup"] == 3
    assert summary["parameters"] > 0
    assert main(["evaluate", "--checkpoint", str(out), "--task", "reversal", "--test-size", "20"]) == 0
    assert last_json(capsys)["n"] == 20


def test_decoder_only_trains_with_block_options_and_translates(tmp_path, capsys, monkeypatch):
    out = tmp_path / "do"
    assert main(["train", "--task", "reversal", "--model", "decoder-only", "--train-size", "200", "--max-len", "6",
                 "--out", str(out), "--quiet", "--epochs", "1", "--d-model", "16", "--heads", "4", "--layers", "1",
                 "--ff", "32", "--mask", "causal", "--norm", "rms", "--ffn", "swiglu", "--positions", "rope",
                 "--kv-heads", "2"]) == 0
    last_json(capsys)
    config = json.loads((out / "model.json").read_text())["config"]
    assert (config["prefix_lm"], config["norm"], config["ffn"], config["positions"], config["n_kv_heads"]) == \
        (False, "rms", "swiglu", "rope", 2)
    assert main(["evaluate", "--checkpoint", str(out), "--task", "reversal", "--test-size", "20", "--beam", "2"]) == 0
    assert last_json(capsys)["n"] == 20
    monkeypatch.setattr("sys.stdin", io.StringIO("1 2 3\n"))
    assert main(["translate", "--checkpoint", str(out)]) == 0
    assert capsys.readouterr().out.strip()


@pytest.mark.parametrize("model,flag", [("gru", ["--heads", "4"]), ("bahdanau", ["--d-model", "32"]),
                                        ("transformer", ["--hidden-size", "64"]),
                                        ("transformer", ["--bidirectional"]),
                                        ("transformer", ["--positions", "rope"]),
                                        ("gru", ["--mask", "causal"]),
                                        ("decoder-only", ["--input-feeding"])])
def test_size_options_of_another_architecture_are_refused(tmp_path, capsys, model, flag):
    assert main(["train", "--task", "reversal", "--model", model, *flag, "--out", str(tmp_path / "o")]) == 2
    assert f"{flag[0]} does not apply to the '{model}' model" in capsys.readouterr().err


def test_data_recipe_sizes_epochs_by_corpus_and_keeps_the_best_epoch(tmp_path, capsys):
    lines = ["the cat sleeps .\tle chat dort .", "a dog runs .\tun chien court ."] * 40
    (tmp_path / "train.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "mt"
    assert main(["train", "--data", str(tmp_path / "train.tsv"), "--model", "gru", "--out", str(out), "--quiet",
                 "--hidden-size", "16", "--emb-dim", "8", "--max-minutes", "0.02"]) == 0
    summary = last_json(capsys)
    meta = json.loads((out / "model.json").read_text())["meta"]
    assert meta["recipe"]["epochs"] == 200  # 8,000 updates of 64 over 76 pairs, capped
    assert summary["epochs"] < 200 and summary["train_seconds"] < 10  # stopped by the 1.2 s budget
    assert 1 <= summary["best_epoch"] <= summary["epochs"]


def test_translation_task_trains_and_reports_bleu(tmp_path, capsys):
    out = tmp_path / "fr"
    assert main(["train", "--task", "translation", "--model", "gru", "--train-size", "300", "--out", str(out),
                 "--quiet", "--epochs", "1", "--hidden-size", "16", "--emb-dim", "8"]) == 0
    meta = json.loads((out / "model.json").read_text())["meta"]
    assert meta["task"] == "translation" and meta["train_size"] == 300
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(out), "--task", "translation", "--batch-size", "500"]) == 0
    scores = last_json(capsys)
    assert scores["n"] == 1000 and 0 <= scores["bleu"] <= 100 and "bleu_signature" in scores
    assert main(["evaluate", "--checkpoint", str(out), "--task", "reversal"]) == 2
    assert "not trained on the reversal task" in capsys.readouterr().err
