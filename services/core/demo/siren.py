"""Made-up SIREN numbers that pass the Luhn check (the demo's, the benchmarks', the tests')."""

from services.core.organisations.schemas import luhn_sum


def siren(first_eight: str) -> str:
    """A SIREN number: the 8 given digits and the Luhn check digit that completes them."""
    # With a 0 in the check digit's place, the sum is short of a multiple of 10 by that digit.
    return first_eight + str((10 - luhn_sum(first_eight + "0") % 10) % 10)
