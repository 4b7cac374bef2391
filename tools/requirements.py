"""Print the requirements in settings.ini (run-time and dev), one per line: what `make setup` installs into a shared `.venv`.

A `.venv` that is a link to another checkout's environment gets these, never `pip install -e` of this checkout (that
would re-point the other checkout's editable install here); the Makefile puts this checkout first on PYTHONPATH instead.
"""
import configparser, shlex
from pathlib import Path

cfg = configparser.ConfigParser(delimiters=["="])
cfg.read(Path(__file__).resolve().parents[1] / "settings.ini", encoding="utf-8")
d = cfg["DEFAULT"]
print("\n".join(shlex.split(d.get("requirements", "")) + shlex.split(d.get("pip_requirements", "")) + d.get("dev_requirements", "").split()))
