"""Execute every chapter in a fresh kernel and record its wall time and peak memory.

    python benchmarks/chapter_times.py [--only 02_vanilla_encoder_decoder] [--gpu]

Writes ``runtimes.json`` (read by each chapter's last cell) and ``runtimes.md``
(included by ``intro.md`` as the runtime table). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
"""


def chapters() -> list[Path]:
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [ch["file"] for part in toc["parts"] for ch in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def run_one(path: Path) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of executing one notebook."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(path), str(path.parent)])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{path.name} failed to execute")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()}-core CPU, {cpu}"


def render_markdown(data: dict) -> str:
    gpu = any(c.get("gpu_seconds") for c in data["chapters"].values())
    head = "| Chapter | CPU time (s) | Peak memory (MB) |" + (" GPU time (s) |" if gpu else "")
    rule = "|---|---:|---:|" + ("---:|" if gpu else "")
    rows = [head, rule]
    for c in data["chapters"].values():
        row = f"| {c['title']} | {c['cpu_seconds']:.0f} | {c['peak_mb']:.0f} |"
        if gpu:
            row += f" {c['gpu_seconds']:.0f} |" if c.get("gpu_seconds") else " – |"
        rows.append(row)
    total = sum(c["cpu_seconds"] for c in data["chapters"].values())
    rows.append(f"| **All chapters** | **{total:.0f}** | |" + (" |" if gpu else ""))
    runs = sorted({(c.get("date", data["date"]), c.get("machine", data["machine"]), c.get("torch", data["torch"]))
                   for c in data["chapters"].values()})
    where = "; ".join(f"{n} chapter(s) on {d} ({m}, PyTorch {t})" for d, m, t in runs
                      for n in [sum((c.get("date", data["date"]), c.get("machine", data["machine"]),
                                     c.get("torch", data["torch"])) == (d, m, t) for c in data["chapters"].values())])
    note = (f"\nMeasured by `benchmarks/chapter_times.py` on {runs[0][0]} ({runs[0][1]}, PyTorch {runs[0][2]}).\n"
            if len(runs) == 1 else f"\nMeasured by `benchmarks/chapter_times.py`: {where}.\n")
    return "\n".join(rows) + "\n" + note


def title_of(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for line in "".join(cell["source"]).splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.stem


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="chapter stems to (re)measure")
    ap.add_argument("--gpu", action="store_true", help="record the times in the GPU column")
    args = ap.parse_args()
    import torch

    out = ROOT / "runtimes.json"
    data = json.loads(out.read_text()) if out.exists() else {"chapters": {}}
    key = "gpu_seconds" if args.gpu else "cpu_seconds"
    for path in chapters():
        if args.only and path.stem not in args.only:
            continue
        seconds, peak = run_one(path)
        entry = data["chapters"].setdefault(path.stem, {})
        entry.update({"title": title_of(path), key: seconds})
        if not args.gpu:  # each chapter keeps when and where it was measured (--only re-measures a few)
            entry.update(peak_mb=peak, date=datetime.date.today().isoformat(), machine=machine(),
                         torch=torch.__version__)
        print(f"{path.stem}: {seconds:.1f} s, peak {peak:.0f} MB", flush=True)
    order = [p.stem for p in chapters()]
    data["chapters"] = {k: data["chapters"][k] for k in order if k in data["chapters"]}
    if args.gpu:
        data["gpu_machine"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "GPU"
    elif not args.only:
        data.update(machine=machine(), date=datetime.date.today().isoformat(), torch=torch.__version__)
    out.write_text(json.dumps(data, indent=2) + "\n")
    (ROOT / "runtimes.md").write_text(render_markdown(data))
    print(f"wrote {out.name} and runtimes.md")


if __name__ == "__main__":
    main()
