import itertools

from dozor.lib.svg import (
    axis_max,
    fitted,
    labelled_bar,
    points,
    spaced_labels,
    svg_open,
    text_width,
    thin_number,
    ticks,
)


def test_a_chart_label_is_escaped_in_the_aria_label_and_the_title():
    tag = svg_open(100, 50, css_class="chart", label='<script>"x"</script>')
    assert "<script>" not in tag
    assert 'aria-label="&lt;script&gt;&quot;x&quot;&lt;/script&gt;"' in tag
    assert tag.endswith("<title>&lt;script&gt;&quot;x&quot;&lt;/script&gt;</title>")


def test_a_bar_label_and_value_are_escaped():
    bar = labelled_bar(left=10, y=0, length=5, height=10, fill="#000", label="<b>", value="&")
    assert "<b>" not in bar
    assert "&lt;b&gt;" in bar
    assert ">&amp;</text>" in bar


def test_an_empty_bar_keeps_its_minimum_length_but_the_value_sits_where_the_count_says():
    bar = labelled_bar(
        left=10, y=0, length=0, height=10, fill="#000", label="a", value="0", min_length=1
    )
    assert 'width="1.0"' in bar
    assert '<text x="15.0"' in bar


def test_an_axis_ends_at_the_next_round_number():
    assert [axis_max(v) for v in (0, 7, 12, 23, 240, 1000)] == [1.0, 10, 20, 25, 250, 1000]


def test_ticks_include_both_ends():
    assert ticks(10, 2) == [0, 5, 10]


def test_points_are_written_to_a_tenth():
    assert points([(1, 2.25), (3.04, 4)]) == "1.0,2.2 3.0,4.0"


def test_thousands_are_separated_by_thin_spaces():
    assert thin_number(1234567.4) == "1\u202f234\u202f567"


def test_year_labels_that_fit_are_all_drawn():
    years = [str(year) for year in range(2015, 2021)]
    assert spaced_labels(years, span=520, font_size=11) == [0, 1, 2, 3, 4, 5]


def test_year_labels_too_close_to_fit_are_thinned_and_never_overlap():
    years = [str(year) for year in range(1991, 2027)]
    drawn = spaced_labels(years, span=520, font_size=11)
    spacing = 520 / (len(years) - 1)
    widths = [text_width(years[index], 11) for index in drawn]
    assert len(drawn) < len(years)
    for left, right in itertools.pairwise(drawn):
        assert (right - left) * spacing >= max(widths)


def test_the_latest_year_is_always_labelled():
    for count in range(2, 60):
        years = [str(2030 - count + n) for n in range(count)]
        assert spaced_labels(years, span=520, font_size=11)[-1] == count - 1


def test_one_label_or_none_is_drawn_as_it_is():
    assert spaced_labels(["2008"], span=520, font_size=11) == [0]
    assert spaced_labels([], span=520, font_size=11) == []


def test_a_label_that_fits_is_kept_whole():
    assert fitted("Москва", 230, 11) == "Москва"


def test_a_label_too_wide_is_cut_with_an_ellipsis_to_fit():
    label = "Потерпевшие по группе, к которой их отнёс нападавший, и ещё"
    cut = fitted(label, 220, 11)
    assert cut.endswith("…") and label.startswith(cut[:-1])
    assert text_width(cut, 11) <= 220
