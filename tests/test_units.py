"""Parsing and formatting of durations and sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prodbench.errors import BudgetError
from prodbench.units import (
    format_bytes,
    format_duration,
    format_ratio,
    parse_duration,
    parse_size,
    say_speed,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("250us", 250e-6),
        ("250µs", 250e-6),
        ("5ms", 5e-3),
        ("5 ms", 5e-3),
        ("1.5s", 1.5),
        ("100ns", 1e-7),
        ("2", 2.0),
        ("1e-3s", 1e-3),
        ("1min", 60.0),
        (0.25, 0.25),
        (3, 3.0),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "fast", "5 parsecs", "-1ms", "0ms", math.inf, True, None, [1]])
def test_parse_duration_errors(bad):
    with pytest.raises(BudgetError):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("text", "size"),
    [("10MB", 10_000_000), ("1KiB", 1024), ("512kb", 512_000), ("2GiB", 2 * 1024**3), (100, 100)],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("bad", ["10XB", "big", "-5MB", 0])
def test_parse_size_errors(bad):
    with pytest.raises(BudgetError):
        parse_size(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.00621, "6.21 ms"),
        (2.5e-7, "250 ns"),
        (0.000123, "123 µs"),
        (1.5, "1.50 s"),
        (0.0, "0 s"),
        (math.inf, "inf"),
        (math.nan, "n/a"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_format_trim_and_bytes():
    assert format_duration(0.005, trim=True) == "5 ms"
    assert format_duration(0.0015, trim=True) == "1.5 ms"
    assert format_bytes(1_530_000) == "1.53 MB"
    assert format_bytes(512) == "512 B"
    assert format_bytes(10_000_000, trim=True) == "10 MB"


def test_numpy_numbers_are_read_like_python_numbers():
    assert parse_duration(np.int64(2)) == 2.0
    assert parse_duration(np.float32(0.5)) == pytest.approx(0.5)
    assert parse_size(np.int64(1000)) == 1000
    with pytest.raises(BudgetError):
        parse_duration(np.bool_(True))


def test_a_unit_can_be_required():
    assert parse_duration("5 ms", require_unit=True) == pytest.approx(0.005)
    assert parse_duration(5, require_unit=True) == 5.0  # numbers are seconds
    with pytest.raises(BudgetError, match="'5' has no unit"):
        parse_duration("5", require_unit=True)
    with pytest.raises(BudgetError, match="'10' has no unit"):
        parse_size("10", require_unit=True)
    with pytest.raises(BudgetError, match="Unknown time unit 'parsecs'"):
        parse_duration("5 parsecs", require_unit=True)


@pytest.mark.parametrize(
    ("ratio", "text"),
    [
        (0.0023, "0.0023x"),
        (0.0999, "0.1x"),
        (0.76, "0.76x"),
        (6.1, "6.10x"),
        (19.94, "19.9x"),
        (435.2, "435x"),
        (float("inf"), "inf"),
        (float("nan"), "n/a"),
    ],
)
def test_format_ratio_never_reads_zero(ratio: float, text: str) -> None:
    assert format_ratio(ratio) == text


def test_say_speed_is_right_both_ways() -> None:
    assert say_speed(3.23 / 0.53, "p50") == "6.09x slower p50"
    assert say_speed(1 / 435) == "435x faster"
    assert say_speed(1.001) == "as fast (1.00x)"
