"""The repository root, for tests that run commands or read committed files from it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
