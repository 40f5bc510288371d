"""Organisation numbers (organisasjonsnummer): the modulus-11 check digit."""

from __future__ import annotations

WEIGHTS: tuple[int, ...] = (3, 2, 7, 6, 5, 4, 3, 2)


def orgnr_check_digit(first8: str) -> int | None:
    """The check digit for the first eight digits, or None when no valid number can end them.

    Parameters
    ----------
    first8 : the first eight digits as a string.

    Returns
    -------
    int or None
        ``11 - (weighted sum mod 11)``, with 11 -> 0; None when the remainder is 1 (10 is not a digit,
        so Brønnøysund never issues such a number) or when ``first8`` is not eight digits.

    References
    ----------
    Brønnøysundregistrene, "Organisasjonsnummeret": weights 3, 2, 7, 6, 5, 4, 3, 2 (modulus 11).
    """
    if len(first8) != 8 or not first8.isascii() or not first8.isdigit():
        return None
    remainder = sum(int(d) * w for d, w in zip(first8, WEIGHTS)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def nine_digits_valid(s: str) -> bool:
    """The mod-11 check of a string already known to be nine ASCII digits (the loaders' hot path).

    The arithmetic of :func:`orgnr_check_digit` on the byte values: the weights sum to 32, hence
    ``- 48 * 32`` for the ASCII offset of the digits; remainder 1 has no valid check digit.
    """
    b = s.encode("ascii")
    rem = (3 * b[0] + 2 * b[1] + 7 * b[2] + 6 * b[3] + 5 * b[4] + 4 * b[5] + 3 * b[6] + 2 * b[7] - 1536) % 11
    if rem == 1:
        return False
    return (0 if rem == 0 else 11 - rem) == b[8] - 48


def is_valid_orgnr(s: object) -> bool:
    """True when ``s`` is a 9-digit organisation number with a correct check digit.

    Parameters
    ----------
    s : a string (surrounding whitespace is ignored) or an int.

    Returns
    -------
    bool
        False for anything that is not exactly nine ASCII digits, and for a wrong check digit.

    Notes
    -----
    Spaces inside the number (``"923 609 016"``) are not accepted: normalise display formats first.
    ``bool`` is rejected even though it is an int.
    """
    if isinstance(s, bool):
        return False
    if isinstance(s, int):
        s = str(s)
    if not isinstance(s, str):
        return False
    s = s.strip()
    if len(s) != 9 or not s.isascii() or not s.isdigit():
        return False
    return nine_digits_valid(s)
