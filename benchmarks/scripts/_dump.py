"""The observations ``benchmarks/real_photos.py --dump FILE`` pickles, read back by the scripts
that replay rules offline on them (one reader, so they agree on what the file holds)."""

from __future__ import annotations

import pickle
from typing import NamedTuple

from vitrina.search.calibration import Observation
from vitrina.search.thresholds import Thresholds

HELP = "the file real_photos.py --dump wrote"


class Dump(NamedTuple):
    calibrate: list[Observation]  # the calibration half's observations
    held_out: list[Observation]
    colours: dict[int, str]  # product id -> its labelled colour
    group: dict[int, int]  # product id -> its bouquet (a product and its colour variants)
    shipped: Thresholds  # the thresholds the run searched with


def read_dump(path: str) -> Dump:
    with open(path, "rb") as handle:
        return Dump(*pickle.load(handle))
