from dozor.lib.svg import axis_max, labelled_bar, points, svg_open, thin_number, ticks


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
