"""Linking encodings across organisations: counts, blocking, keys, clustering."""

from datetime import date
from itertools import combinations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkage import linker
from linkage.encoding import Encoder, LinkageKey, Person
from linkage.synthetic import population

KEY = LinkageKey(bytes(range(32)))
OTHER_KEY = LinkageKey(bytes(range(1, 33)))
PERSONS = 400
# At a national year's size (a few hundred persons) the model counts persons within ±3 %
# (docs/linkage.md, "Quality"); the test allows 5 %.
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


def test_each_cluster_is_numbered_by_its_lowest_record(registered: tuple) -> None:
    records, clks = registered
    result = linker.link(clks, [record.organisation for record in records])

    lowest: dict[int, int] = {}
    for record, number in enumerate(result.cluster.tolist()):
        lowest.setdefault(number, record)
    # The callers take the number for a record of the cluster (its key in the store).
    assert all(number == lowest[number] for number in result.cluster.tolist())
    assert result.persons < len(records)


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


def test_records_of_one_source_link_unless_the_source_keeps_them_apart() -> None:
    clk = Encoder(KEY).encode(population(1, seed=1)[0].person)
    # An outside file listing one person twice: one person.
    assert linker.link([clk, clk], [0, 0]).persons == 1
    # Two cases of one organisation in Vern are two persons, whatever their encodings.
    kept_apart = linker.link([clk, clk, clk], [0, 0, 1], apart={0})
    assert kept_apart.persons == 2
    assert kept_apart.cluster[2] in (kept_apart.cluster[0], kept_apart.cluster[1])


def test_namesakes_with_other_birth_dates_do_not_link_nor_chain_through_a_record_without_one() -> None:
    encoder = Encoder(KEY)
    name = ("Blessing", "Okafor")
    first = Person(name, birth_date=date(1990, 4, 12), gender="female", nationality="NG")
    second = Person(name, birth_date=date(1997, 9, 25), gender="female", nationality="NG")
    undated = Person(name, gender="female", nationality="NG")
    others = [record.person for record in population(60, seed=3)]
    clks = [encoder.encode(person) for person in [first, second, undated, *others]]

    result = linker.link(clks, list(range(len(clks))))

    assert result.cluster[0] != result.cluster[1]


def test_a_missing_birth_date_weighs_nothing_and_a_disagreeing_one_weighs_against(registered: tuple) -> None:
    _records, clks = registered
    model = linker.estimate(linker.as_encodings(clks))
    weights = dict(zip((field.name for field in linker.FIELDS), model.weights(), strict=True))
    assert weights["birth_year"][-1] == weights["birth_day_month"][-1] == 0.0
    assert weights["birth_year"][0] > 0 > weights["birth_year"][2]
    assert weights["birth_day_month"][0] > 0 > weights["birth_day_month"][3]
    assert 0 < model.match_share < 0.01  # two records drawn at random are rarely one person


def test_a_common_name_agreeing_weighs_less_than_a_rare_one() -> None:
    encoder = Encoder(KEY)
    common = [Person(("Mai", "Nguyen"), birth_year=1980 + n, nationality="VN") for n in range(20)]
    rare = [Person(("Mai", "Quach"), birth_year=1990, nationality="VN")]
    frequencies = linker.name_frequencies(linker.as_encodings([encoder.encode(person) for person in common + rare]))
    assert frequencies.family_in_nationality[0] == pytest.approx(20 / 21)
    assert frequencies.family_in_nationality[-1] == pytest.approx(1 / 21)
    assert frequencies.given_overall[0] == 1.0


def test_empty_single_and_old_format_inputs() -> None:
    clk = Encoder(KEY).encode(population(1, seed=1)[0].person)
    assert linker.link([], []).persons == 0
    assert linker.link([clk], [0]).persons == 1
    with pytest.raises(ValueError, match="one source"):
        linker.link([clk], [])
    with pytest.raises(linker.EncodingFormatError, match="older `vern encode`"):
        linker.link([bytes(128), clk], [0, 1])


def test_blocking_is_a_small_share_of_all_pairs_and_keeps_the_true_ones(registered: tuple) -> None:
    records, clks = registered
    left, right = linker.candidate_pairs(linker.as_encodings(clks))
    candidates = set(zip(left.tolist(), right.tolist(), strict=True))
    assert len(candidates) < 0.05 * len(records) * (len(records) - 1) / 2
    true_pairs = [
        (i, j) for i, j in combinations(range(len(records)), 2) if records[i].person_id == records[j].person_id
    ]
    assert sum(pair in candidates for pair in true_pairs) >= 0.95 * len(true_pairs)


@given(st.lists(st.integers(0, 5), max_size=40))
def test_pairs_within_equal_keys_are_all_and_only_the_equal_pairs(values: list[int]) -> None:
    keys = np.array(values, dtype=np.uint64)
    records = np.arange(len(values), dtype=np.int64) * 10
    left, right = linker._pairs_within_equal_keys(keys, records)
    expected = {(10 * i, 10 * j) for i, j in combinations(range(len(values)), 2) if values[i] == values[j]}
    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == sorted(expected)


def test_a_name_bucket_of_more_records_than_the_cap_gives_no_pairs() -> None:
    keys = np.array([7] * (linker.MAX_BUCKET + 1) + [9] * 3, dtype=np.uint64)
    records = np.arange(len(keys), dtype=np.int64)

    n = linker.MAX_BUCKET + 1
    left, right = linker._pairs_within_equal_keys(keys, records, linker.MAX_BUCKET)
    across_left, _ = linker._pairs_across_equal_keys(keys[:1], records[:1], keys, records, linker.MAX_BUCKET)

    assert sorted(zip(left.tolist(), right.tolist(), strict=True)) == [(n, n + 1), (n, n + 2), (n + 1, n + 2)]
    assert len(across_left) == 0  # the other records of key 7 are more than the cap
