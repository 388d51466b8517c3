"""Retries of webhook deliveries are spread (equal jitter) so that a receiver that comes back
is not hit by every pending delivery in the same second."""

import pytest

from services.core.webhooks.delivery import MAX_ATTEMPTS, RETRY_DELAYS, retry_delay

SAMPLES = 2000


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS))
def test_a_retry_comes_between_half_and_all_of_the_scheduled_delay(attempt):
    scheduled = RETRY_DELAYS[attempt - 1]
    delays = [retry_delay(attempt) for _ in range(SAMPLES)]
    assert all(scheduled / 2 <= delay <= scheduled for delay in delays)


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS))
def test_retry_delays_fill_their_whole_window(attempt):
    scheduled = RETRY_DELAYS[attempt - 1]
    low = scheduled / 2
    quarters = [0, 0, 0, 0]
    for _ in range(SAMPLES):
        position = (retry_delay(attempt) - low) / (scheduled - low)
        quarters[min(int(position * 4), 3)] += 1
    # Uniform: each quarter of the window gets about 500 of 2000; below 350 would be a
    # deviation of more than 8 standard deviations.
    assert min(quarters) > 350, quarters
    assert len({retry_delay(attempt) for _ in range(100)}) > 90
