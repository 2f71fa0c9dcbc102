"""The fictional populations: the realistic one has real name concentrations, the stress one far more namesakes."""

from collections import Counter

import pytest

from linkage.encoding import Person, normalise_name
from linkage.synthetic import stress_population, vern_population, zipf_exponent


def _identities(records: list) -> dict[int, Person]:
    """One record per person: the first one listed."""
    first: dict[int, Person] = {}
    for record in records:
        first.setdefault(record.person_id, record.person)
    return first


def test_vietnamese_family_names_are_as_concentrated_as_in_vietnam() -> None:
    vietnamese = [p for p in _identities(vern_population(3000, seed=1)).values() if p.nationality == "VN"]
    nguyen = normalise_name("Nguyễn")[0]
    share = sum(nguyen in normalise_name(" ".join(person.names)) for person in vietnamese) / len(vietnamese)
    # 38 % in Vietnam; a typo in the family name (15 % of records) hides a few.
    assert 0.3 <= share <= 0.42


def test_the_stress_population_has_far_more_namesakes_than_the_realistic_one() -> None:
    def largest_namesake_group(records: list) -> int:
        names = Counter(
            (person.names, person.nationality) for person in _identities(records).values() if person.nationality
        )
        return names.most_common(1)[0][1]

    assert largest_namesake_group(stress_population(3000, seed=1)) > 5 * largest_namesake_group(
        vern_population(3000, seed=1)
    )


def test_the_zipf_exponent_gives_the_most_common_name_its_share() -> None:
    exponent = zipf_exponent(500, 0.05)
    weights = [rank**-exponent for rank in range(1, 501)]
    assert weights[0] / sum(weights) == pytest.approx(0.05, rel=1e-3)
