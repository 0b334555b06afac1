"""Number formatting shared by the pages."""


def pct(value: float, digits: int = 1) -> str:
    return f"{100 * value:.{digits}f}%"


def ms(value: float) -> str:
    return f"{value:.1f} ms" if value >= 10 else f"{value:.2f} ms"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"
