import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))   # tests/factories.py
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def sample_copy(tmp_path):
    """A private copy of the sample centre folder that a test may break."""
    dst = tmp_path / "centre"
    shutil.copytree(SAMPLE, dst)
    return dst
