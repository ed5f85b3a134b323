"""Evidence helpers: a false claim fails loudly with the measured numbers, a true one prints one
CPU-independent line; verdicts never print float noise; spreads summarise seeds exactly."""

from __future__ import annotations

import pytest
import torch

from course_lib.evidence import ClaimFailed, claim, seed_table, spread, verdict


def test_claim_prints_the_statement_when_it_holds(capsys):
    claim("the RNN beats both DNNs at every seed", min([0.9, 0.95]) > max([0.5, 0.6]))
    assert capsys.readouterr().out == "✓ the RNN beats both DNNs at every seed\n"


def test_a_false_claim_raises_an_assertion_error_naming_what_was_measured():
    with pytest.raises(
        ClaimFailed, match=r"'GRU is faster'.*gru=\[3\.8, 4\.1\], lstm=0\.5"
    ) as info:
        claim("GRU is faster", False, gru=[3.8, 4.1], lstm=0.5)
    assert isinstance(info.value, AssertionError)  # nbgrader and nbval count it as a failure


def test_verdict_prints_the_tolerance_not_the_difference(capsys):
    a = torch.tensor([1.0, 2.0], dtype=torch.float64)
    verdict("course RNN vs nn.RNN", a, a + 5.6e-17, atol=1e-12)
    out = capsys.readouterr().out
    assert out == "course RNN vs nn.RNN: equal within 1e-12\n" and "e-17" not in out


def test_verdict_fails_on_a_real_difference_or_a_shape_mismatch():
    a = torch.zeros(3)
    with pytest.raises(ClaimFailed, match="largest difference 0.001"):
        verdict("x", a, a + 1e-3, atol=1e-6)
    with pytest.raises(ClaimFailed, match=r"shapes differ, \(3,\) against \(1, 3\)"):
        verdict("x", a, a[None], atol=1e-6)


def test_spread_summarises_seeds_and_formats_at_the_asked_precision():
    s = spread([0.5, 0.53, 0.57])
    assert (s.lo, s.hi) == (0.5, 0.57) and s.mean == pytest.approx(1.6 / 3)
    assert f"{s:.2f}" == "0.53 (0.50-0.57)"
    assert f"{s:.0f}" == "1 (0-1)"
    with pytest.raises(ValueError, match="finite"):
        spread([0.1, float("nan")])
    with pytest.raises(ValueError, match="at least one"):
        spread([])


def test_seed_table_prints_one_aligned_row_per_model(capsys):
    seed_table({"bag of words": {"acc": spread([0.5, 0.6])}, "RNN": {"acc": spread([1.0, 1.0])}})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["model", "acc"]
    assert lines[1].split() == ["bag", "of", "words", "0.55", "(0.50-0.60)"]
    assert lines[2].split() == ["RNN", "1.00", "(1.00-1.00)"]
    assert len({len(line) for line in lines}) == 1
