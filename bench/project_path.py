"""Imported first by every bench script (`python bench/<name>.py`): puts the project's root
on the import path and takes this folder off it, since bench/queue.py would otherwise stand
in for the standard library's `queue` module, which psycopg and asgiref import."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(ROOT))
