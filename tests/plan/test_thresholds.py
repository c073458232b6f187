"""A refusal that ``--force`` lifts says what forcing it would do."""

from __future__ import annotations

from sessconf.plan.thresholds import Threshold, ThresholdExceeded, TooMuchChange


def test_the_refusal_names_what_force_applies() -> None:
    refused = TooMuchChange([ThresholdExceeded(Threshold.DELETE, 7, 19, 0.3)])
    assert "7 of 19 sessions would be deleted or archived" in refused.message
    assert "use --force to apply anyway, with 7 sessions deleted or archived" in refused.message
