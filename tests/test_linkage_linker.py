"""Linking encodings across organisations: counts, blocking, keys, clustering."""

from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage import linker
from linkage.encoding import Encoder, LinkageKey
from linkage.synthetic import population

KEY = LinkageKey(bytes(range(32)))
OTHER_KEY = LinkageKey(bytes(range(1, 33)))
PERSONS = 400
# At a national year's size (a few hundred persons) the calibrated threshold counts
# persons within ±3 % (docs/linkage.md, "Calibration"); the test allows 5 %.
TOLERANCE = 0.05


@pytest.fixture(scope="module")
def registered() -> tuple[list, list[bytes]]:
    records = population(PERSONS, organisations=3, seed=2026)
    encoder = Encoder(KEY)
    return records, [encoder.encode(record.person) for record in records]


def test_a_population_across_three_organisations_counts_each_person_once(registered: tuple) -> None:
    records, clks = registered
    duplicates = len(records) - PERSONS
    assert duplicates > 80  # typos, romanisations, swapped names, missing dates of birth
    assert {record.organisation for record in records} == {0, 1, 2}

    result = linker.link(clks, [record.organisation for record in records])

    assert abs(result.persons - PERSONS) <= TOLERANCE * PERSONS
    same_cluster = {(i, j) for i, j in combinations(range(len(records)), 2) if result.cluster[i] == result.cluster[j]}
    same_person = {
        (i, j) for i, j in combinations(range(len(records)), 2) if records[i].person_id == records[j].person_id
    }
    assert len(same_cluster & same_person) >= 0.85 * len(same_person)  # recall of the true duplicates
    assert len(same_cluster & same_person) >= 0.9 * len(same_cluster)  # precision


def test_encodings_made_with_another_key_link_nothing(registered: tuple) -> None:
    records, clks = registered
    foreign = Encoder(OTHER_KEY)
    mixed = [
        foreign.encode(record.person) if record.organisation == 2 else clk
        for record, clk in zip(records, clks, strict=True)
    ]

    result = linker.link(mixed, [record.organisation for record in records])

    other_key = {result.cluster[i] for i, record in enumerate(records) if record.organisation == 2}
    own_key = {result.cluster[i] for i, record in enumerate(records) if record.organisation != 2}
    assert not other_key & own_key


def test_a_cluster_holds_one_record_per_source() -> None:
    clk = Encoder(KEY).encode(population(1, seed=1)[0].person)
    result = linker.link([clk, clk, clk], [0, 0, 1])
    assert result.persons == 2
    assert result.cluster[2] in (result.cluster[0], result.cluster[1])


def test_empty_and_single_inputs() -> None:
    assert linker.link([], []).persons == 0
    assert linker.link([bytes(128)], [0]).persons == 1
    with pytest.raises(ValueError, match="one source"):
        linker.link([bytes(128)], [])


def test_blocking_keeps_the_true_pairs_above_the_threshold(registered: tuple) -> None:
    records, clks = registered
    matrix = linker.as_matrix(clks)
    left, right = linker.candidate_pairs(matrix)
    candidates = set(zip(left.tolist(), right.tolist(), strict=True))
    assert len(candidates) < 0.05 * len(records) * (len(records) - 1) / 2
    true_pairs = [
        (i, j)
        for i, j in combinations(range(len(records)), 2)
        if records[i].person_id == records[j].person_id and linker.dice(clks[i], clks[j]) >= linker.DEFAULT_THRESHOLD
    ]
    kept = sum(pair in candidates for pair in true_pairs)
    assert kept >= 0.98 * len(true_pairs)


def test_dice_of_pairs_matches_the_scalar_dice(registered: tuple) -> None:
    _, clks = registered
    matrix = linker.as_matrix(clks[:30])
    left, right = (np.array(side, dtype=np.int64) for side in zip(*combinations(range(30), 2), strict=True))
    vectorised = linker.dice_of_pairs(matrix, linker.popcounts(matrix), left, right)
    assert vectorised == pytest.approx([linker.dice(clks[i], clks[j]) for i, j in zip(left, right, strict=True)])


@given(st.lists(st.integers(0, 5), max_size=40))
def test_pairs_within_equal_keys_are_all_and_only_the_equal_pairs(values: list[int]) -> None:
    keys = np.array(values, dtype=np.uint64)
    records = np.arange(len(values), dtype=np.int64) * 10
    left, right = linker._pairs_within_equal_keys(keys, records)
    expected = {(10 * i, 10 * j) for i, j in combinations(range(len(values)), 2) if values[i] == values[j]}
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == sorted(expected)
