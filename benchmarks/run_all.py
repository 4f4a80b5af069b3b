"""Run every benchmark (``bench_*.py``) in turn; each prints ``bench NAME ratio=X.XX ...``."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).parent
status = 0
for script in sorted(here.glob("bench_*.py")):
    status |= subprocess.run([sys.executable, str(script)], cwd=here).returncode
sys.exit(status)
