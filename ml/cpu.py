"""What the CPU can do, read from /proc/cpuinfo (no TensorFlow import)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The feature flags of the first CPU, or an empty set where /proc/cpuinfo is absent."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def bf16_supported() -> bool:
    """True where the CPU runs bfloat16 matrix maths natively (AMX or AVX512-BF16)."""
    return any(flag in cpu_flags() for flag in BF16_FLAGS)
