"""Share links (vae/latent/share_link.py): what the browser writes reads back, and a link that cannot be read says why."""

from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest

from vae.latent.share_link import decode_numbers, encode_numbers, read_link


def params(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)


def test_a_view_reads_back_from_its_link_with_the_code_in_fp16():
    code = np.random.default_rng(0).normal(0, 2, 128).tolist()
    query = urlencode(
        [
            ("model", "beta-128"),
            ("axes", "single"),
            ("code", encode_numbers(code)),
            ("sliders", "0.5,-1.25,3"),
            ("more", "0,1.5"),
            ("own", f"fresh snow~{encode_numbers([0.1] * 128)}"),
        ]
    )  # as the browser writes it
    read = read_link(params(query))
    assert (read.model, read.axes, read.sliders, read.more) == ("beta-128", "single", [0.5, -1.25, 3.0], [0.0, 1.5])
    assert read.own[0][0] == "fresh snow" and read.own[0][1] == pytest.approx([0.1] * 128, rel=1e-3)
    assert read.code == pytest.approx(code, rel=1e-3, abs=1e-4)
    assert len(encode_numbers(code)) == 342  # 256 bytes, no padding


def test_a_plain_address_is_not_a_share_link():
    assert read_link(params("")) is None
    assert read_link(params("model=beta-1&sliders=1,2")) is None


@pytest.mark.parametrize(
    "query, problem",
    [
        ("model=beta-1&code=not*base64", "not base64url"),
        ("model=beta-1&code=AA", "whole number of fp16"),  # one byte
        (f"model=beta-1&code={encode_numbers([1.0, float('nan')])}", "beyond"),
        (f"model=beta-1&code={encode_numbers([1.0, 30.0])}", "beyond"),
        ("model=beta-1&code=AAAAAA&sliders=1,two", "slider values are not numbers"),
        ("model=beta-1&code=AAAAAA&more=inf", "not all finite"),
        ("model=beta-1&model=beta-128&code=AAAAAA", "2 values for 'model'"),
        ("code=AAAAAA", "0 values for 'model'"),
        ("model=beta-1&code=AAAAAA&own=AAAA", "no name"),
    ],
)
def test_a_link_that_cannot_be_read_names_the_problem(query, problem):
    with pytest.raises(ValueError, match=problem):
        read_link(params(query))


def test_numbers_round_to_the_nearest_fp16():
    assert decode_numbers(encode_numbers([1.0, -2.5, 1 / 3]), "code") == [1.0, -2.5, pytest.approx(1 / 3, abs=2e-4)]
