"""Made-up SIREN numbers that pass the Luhn check (the demo's, the benchmarks', the tests')."""


def siren(first_eight: str) -> str:
    """A SIREN number: the 8 given digits and the Luhn check digit that completes them."""
    total = 0
    # Counting from the right, the check digit is position 0: the given digits start at
    # position 1, and every odd position is doubled.
    for position, char in enumerate(reversed(first_eight), start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first_eight + str((10 - total % 10) % 10)
