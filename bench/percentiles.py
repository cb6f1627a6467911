"""The one percentile rule every benchmark here reports with (nearest rank, no interpolation)."""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]
