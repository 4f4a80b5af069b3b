"""Real corpora: the Tatoeba reader and the checked download, served from a local HTTP server."""

import functools
import hashlib
import http.server
import socket
import threading
import zipfile

import pytest

from seq2seq_lib.corpus import (
    TUTORIAL_PREFIXES,
    download,
    extract,
    guess_tokenizer,
    read_tatoeba,
    strip_accents,
    tutorial_normalize,
    tutorial_pairs,
)

LINES = [
    "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272 (CM) & #1158250 (Wittydev)",
    "I'm cold.\tJ'ai froid.",
    "He is very tired today.\tIl est très fatigué aujourd'hui.\tCC-BY 2.0",
    "She's a teacher.\tElle est enseignante.",
    "We are going to the beach with all of our old friends from school.\tNous allons à la plage avec "
    "tous nos vieux amis de l'école.",
]


@pytest.fixture
def tatoeba(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def test_reader_two_and_three_columns_and_direction(tatoeba):
    pairs = read_tatoeba(tatoeba)
    assert pairs[0] == ("Go.", "Va !") and pairs[1] == ("I'm cold.", "J'ai froid.") and len(pairs) == 5
    assert read_tatoeba(tatoeba, direction="fr-en")[1] == ("J'ai froid.", "I'm cold.")
    with pytest.raises(ValueError, match="direction"):
        read_tatoeba(tatoeba, direction="de-en")


def test_tutorial_normalisation_and_filters(tatoeba):
    assert tutorial_normalize("I'm cold.") == "i m cold ."
    assert tutorial_normalize("Il est très fatigué aujourd'hui.") == "il est tres fatigue aujourd hui ."
    assert strip_accents("Là-bas, l'été") == "La-bas, l'ete"
    kept = read_tatoeba(tatoeba, normalize=True, max_words=10, prefixes=TUTORIAL_PREFIXES)
    assert kept == [("i m cold .", "j ai froid ."), ("he is very tired today .", "il est tres fatigue aujourd hui ."),
                    ("she s a teacher .", "elle est enseignante .")]
    assert read_tatoeba(tatoeba, lowercase=True, accents=False)[2][1] == "il est tres fatigue aujourd'hui."
    with pytest.raises(ValueError, match="no sentence pairs left"):
        read_tatoeba(tatoeba, prefixes=("zzz",))


def test_bad_lines_are_reported_with_their_number(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Go.\tVa !\nno tab on this line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt:2: no tab"):
        read_tatoeba(path)


def test_guess_tokenizer_follows_the_references_typography(tatoeba):
    assert guess_tokenizer(fr for _, fr in read_tatoeba(tatoeba)) == "word-fr"  # "Va !"
    assert guess_tokenizer(en for en, _ in read_tatoeba(tatoeba)) == "word"
    assert guess_tokenizer(["Où est-il ?", "Viens !", "Quoi?"]) == "word-fr"
    assert guess_tokenizer(["Where is he?", "Come here!", "What ?"]) == "word"
    assert guess_tokenizer(["No question here."]) == "word"


@pytest.fixture
def server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving a zip archive the test writes."""
    root = tmp_path / "www"
    root.mkdir()
    with zipfile.ZipFile(root / "fra-eng.zip", "w") as zf:
        zf.writestr("fra.txt", "\n".join(LINES) + "\n")
    with zipfile.ZipFile(root / "data.zip", "w") as zf:  # the PyTorch tutorial's layout: two columns
        zf.writestr("data/eng-fra.txt", "\n".join("\t".join(line.split("\t")[:2]) for line in LINES) + "\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/fra-eng.zip"
    digest = hashlib.sha256((root / "fra-eng.zip").read_bytes()).hexdigest()
    yield url, digest, httpd
    httpd.shutdown()
    httpd.server_close()


def test_download_checks_the_checksum_and_caches(server, tmp_path):
    url, digest, httpd = server
    cache = tmp_path / "cache"
    path = download(url, digest, directory=cache)
    assert path == cache / "fra-eng.zip" and path.is_file()
    pairs = read_tatoeba(extract(path, "fra.txt"))
    assert pairs[1] == ("I'm cold.", "J'ai froid.")
    httpd.shutdown()  # the cached copy is used without the network
    assert download(url, digest, directory=cache) == path


def test_checksum_mismatch_is_an_error_and_leaves_no_file(server, tmp_path):
    url, digest, _ = server
    with pytest.raises(ValueError, match="checksum mismatch .* expected sha256 0{64}"):
        download(url, "0" * 64, directory=tmp_path)
    assert not (tmp_path / "fra-eng.zip").exists()


def test_unpinned_download_is_checked_against_the_first_one(server, tmp_path):
    url, digest, _ = server
    path = download(url, None, directory=tmp_path)
    assert (tmp_path / "fra-eng.zip.sha256").read_text().strip() == digest
    path.write_bytes(b"corrupted")  # a damaged cache is noticed and fetched again
    assert download(url, None, directory=tmp_path).read_bytes()[:2] == b"PK"


def test_offline_download_says_what_to_do(tmp_path):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionError, match="Are you offline.*--data"):
        download(f"http://127.0.0.1:{port}/fra-eng.zip", None, directory=tmp_path, timeout=5)


def test_tutorial_pairs_downloads_extracts_and_filters(server, tmp_path):
    url = server[0].replace("fra-eng.zip", "data.zip")
    assert tutorial_pairs(url, directory=tmp_path) == [
        ("i m cold .", "j ai froid ."), ("he is very tired today .", "il est tres fatigue aujourd hui ."),
        ("she s a teacher .", "elle est enseignante .")]
    server[2].shutdown()  # cached from now on
    raw = tutorial_pairs(url, directory=tmp_path, normalize=False)
    assert raw == [("I'm cold.", "J'ai froid."), ("He is very tired today.", "Il est très fatigué aujourd'hui."),
                   ("She's a teacher.", "Elle est enseignante.")]
