"""The linkage quality harness runs (at a tiny scale here; docs/linkage.md has the full figures)."""

import pytest

from bench import linkage_quality


def test_the_harness_prints_both_peers_on_febrl_and_the_synthetic_population(
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = linkage_quality.main(["--persons", "120", "--febrl", "150", "--records", "400"])

    out = capsys.readouterr().out
    assert set(results) == {"FEBRL 1", "FEBRL 3", "FEBRL 4", "synthetic, 120 persons", "stress, 120 persons"}
    assert "encoded (Vern)" in out
    assert "plaintext (ECM)" in out
    assert "count error" in out
    assert "persons, synthetic):" in out
    assert "persons, stress):" in out
    for vern, peer in results.values():
        assert 0 <= vern.f1 <= 1
        assert 0 <= peer.f1 <= 1
        assert abs(vern.count_error) < 0.25  # a tiny sample; the goal of ±3 % is for the full sizes


def test_pair_quality_counts_pairs_without_listing_them() -> None:
    figures = linkage_quality.quality([0, 0, 0, 1], [5, 5, 6, 6], seconds=0.0)
    # Predicted pairs (0,1) (0,2) (1,2); true pairs (0,1) (2,3): one hit.
    assert (figures.precision, figures.recall) == pytest.approx((1 / 3, 1 / 2))
    assert (figures.persons, figures.true_persons, figures.count_error) == (2, 2, 0.0)
