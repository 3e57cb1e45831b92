"""Tracking codes: easy to read aloud, hard to guess, found however a person types them."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from portal.reports import codes

CODE = st.text(alphabet=codes.ALPHABET, min_size=codes.LENGTH, max_size=codes.LENGTH).map(
    lambda symbols: codes.format_code("BKS", symbols))


def test_codes_have_the_documented_shape_and_no_ambiguous_symbols():
    for _ in range(500):
        code = codes.new_code("BKS")
        prefix, first, second = code.split("-")
        assert prefix == "BKS" and len(first) == len(second) == 4
        assert not set(first + second) & set("01OILU")


def test_codes_spread_over_the_whole_alphabet():
    """secrets draws every symbol: in 2,000 codes each of the 30 symbols shows up often."""
    counts = Counter("".join(codes.new_code("BKS")[4:].replace("-", "") for _ in range(2000)))
    assert set(counts) == set(codes.ALPHABET)
    assert min(counts.values()) > 16000 / 30 * 0.7
    assert len({codes.new_code("BKS") for _ in range(5000)}) == 5000


@given(CODE, st.sampled_from([str.lower, str.upper, lambda c: c.replace("-", ""),
                              lambda c: c.replace("-", " "), lambda c: c[4:], lambda c: f"  {c.lower()} ",
                              lambda c: c[4:].replace("-", "").lower()]))
def test_a_code_is_found_whatever_the_case_spaces_dashes_or_prefix(code, typed):
    assert codes.normalize(typed(code), "BKS") == code


def test_what_cannot_be_a_code_is_refused():
    for typed in ("", "BKS", "BKS-7K4Q-2M9", "BKS-7K4Q-2M9DD", "BKS-0K4Q-2M9D", "BKS-IK4Q-2M9D",
                  "XYZ-7K4Q-2M9D-1", "<script>", "B" * 100, "BKS-7K4Q-2M9Ü"):
        assert codes.normalize(typed, "BKS") is None, typed
