"""Every combination of values in a k-anonymised release occurs at least k times; generalisation comes first."""

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from disclosure.kanonymity import Hierarchy, KAnonymised, Level, k_anonymise

BANDS = [(0, 8, "0–8"), (9, 17, "9–17"), (18, 29, "18–29"), (30, 47, "30–47"), (48, 120, "48+")]
AGE = Hierarchy(
    "age",
    (
        Level("age band", {age: band for low, high, band in BANDS for age in range(low, high + 1)}, "unknown"),
        Level(
            "minor or adult",
            {"0–8": "minor", "9–17": "minor", "18–29": "adult", "30–47": "adult", "48+": "adult"},
            "unknown",
        ),
    ),
)
REGIONS = {"NG": "Africa", "ER": "Africa", "RO": "Europe", "BG": "Europe", "AL": "Europe", "VN": "Asia", "TH": "Asia"}
NATIONALITY = Hierarchy(
    "nationality",
    (Level("region", REGIONS, "other"), Level("all", {}, "other")),
)
HIERARCHIES = (AGE, NATIONALITY)

records = st.lists(
    st.fixed_dictionaries(
        {
            "year": st.sampled_from([2025, 2026]),
            "age": st.integers(0, 70),
            "nationality": st.sampled_from([*REGIONS, "UA"]),
        }
    ),
    max_size=120,
)

# Labels and footnotes are checked in their English source text.
pytestmark = pytest.mark.usefixtures("english")


def combinations(release: KAnonymised) -> Counter[tuple[Hashable, ...]]:
    return Counter(tuple(sorted(record.items())) for record in release.records)


def generalised(record: Mapping[str, Hashable], release: KAnonymised) -> dict[str, Hashable]:
    return {
        column: next(
            (h.generalise(value, release.levels[h.column]) for h in release.hierarchies if h.column == column), value
        )
        for column, value in record.items()
    }


def rare(data: Sequence[Mapping[str, Hashable]], k: int) -> int:
    counts = Counter(tuple(sorted(record.items())) for record in data)
    return sum(n for n in counts.values() if n < k)


@settings(max_examples=80, deadline=None)
@given(records, st.integers(1, 12))
def test_every_combination_occurs_at_least_k_times(data: list[dict[str, Hashable]], k: int) -> None:
    release = k_anonymise(data, hierarchies=HIERARCHIES, k=k)
    assert all(count >= k for count in combinations(release).values())
    assert len(release.records) + release.suppressed == len(data)


@settings(max_examples=80, deadline=None)
@given(records, st.integers(1, 12))
def test_the_release_is_the_records_generalised_alike_in_their_order(data: list[dict[str, Hashable]], k: int) -> None:
    release = k_anonymise(data, hierarchies=HIERARCHIES, k=k)
    everyone = iter(generalised(record, release) for record in data)
    assert all(record in everyone for record in release.records), "a subsequence of the generalised records"


@settings(max_examples=80, deadline=None)
@given(records, st.integers(1, 12))
def test_generalisation_comes_before_suppression(data: list[dict[str, Hashable]], k: int) -> None:
    release = k_anonymise(data, hierarchies=HIERARCHIES, k=k)
    assert release.suppressed <= rare(data, k), "generalising never leaves more to suppress"
    fully = [generalised(record, KAnonymised((), k, {"age": 2, "nationality": 2}, HIERARCHIES, 0)) for record in data]
    if rare(fully, k) == 0:
        assert release.suppressed == 0, "what generalisation can protect is not suppressed"


def test_it_generalises_age_to_bands_when_that_is_enough() -> None:
    data = [{"year": 2026, "age": age, "nationality": "RO"} for age in [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]]
    data += [{"year": 2026, "age": age, "nationality": "RO"} for age in [31, 33, 35, 37, 39, 41, 43, 45, 46, 47, 40]]
    release = k_anonymise(data, hierarchies=HIERARCHIES, k=11)
    assert release.levels == {"age": 1, "nationality": 0}
    assert release.suppressed == 0
    assert {record["age"] for record in release.records} == {"18–29", "30–47"}
    assert release.describe() == ["age: generalised to age band", "0 of 22 records left out to reach k = 11"]


def test_it_suppresses_what_no_hierarchy_can_protect_and_generalises_nothing_for_it() -> None:
    data = [{"year": 2026, "age": 30, "nationality": "RO"}] * 11 + [{"year": 2019, "age": 30, "nationality": "RO"}]
    release = k_anonymise(data, hierarchies=HIERARCHIES, k=11)
    assert release.levels == {"age": 0, "nationality": 0}, "the year cannot be generalised, so nothing else is"
    assert release.suppressed == 1
    assert release.describe() == ["1 of 12 records left out to reach k = 11"]


def test_a_budget_lets_a_few_records_go_rather_than_generalise_everyone() -> None:
    data = [{"year": 2026, "age": 30, "nationality": "RO"}] * 11 + [{"year": 2026, "age": 30, "nationality": "VN"}]
    assert k_anonymise(data, hierarchies=HIERARCHIES, k=11).levels == {"age": 0, "nationality": 2}
    lenient = k_anonymise(data, hierarchies=HIERARCHIES, k=11, suppression_budget=1)
    assert lenient.levels == {"age": 0, "nationality": 0}
    assert lenient.suppressed == 1


def test_too_few_records_are_all_left_out() -> None:
    release = k_anonymise([{"year": 2026, "age": 30, "nationality": "RO"}] * 10, hierarchies=HIERARCHIES)
    assert release.k == 11
    assert release.records == ()
    assert release.suppressed == 10


@pytest.mark.parametrize(
    ("data", "hierarchies", "k", "message"),
    [
        ([{"year": 1}, {"year": 1, "age": 3}], (), 2, "Record 2 has the columns"),
        ([{"year": 1}], (AGE,), 2, "columns the records do not have: age"),
        ([{"year": 1}], (), 0, "at least 1"),
    ],
)
def test_bad_input_is_refused_with_a_reason(data: list, hierarchies: tuple, k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        k_anonymise(data, hierarchies=hierarchies, k=k)
