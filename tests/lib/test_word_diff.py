# Russian text is the point of these cases, so Cyrillic letters that look Latin are intended.
"""Two texts compared word by word, for the pair page."""

from __future__ import annotations

from dozor.lib.word_diff import Piece, word_diff


def marked(pieces: list[Piece]) -> list[str]:
    return [piece.text for piece in pieces if piece.differs]


def test_only_the_words_that_differ_are_marked() -> None:
    left, right = word_diff(
        "Обыск в офисе «Радужный мост», изъяты компьютеры.",
        "Обыск в офисе «Северный маяк», изъяты компьютеры.",
    )
    assert marked(left) == ["Радужный мост"]
    assert marked(right) == ["Северный маяк"]


def test_each_side_reads_as_written() -> None:
    first = "Бахтиёр Нурматов избит  группой молодых людей."
    second = "В Петербурге избит приезжий!"
    left, right = word_diff(first, second)
    assert "".join(piece.text for piece in left) == first
    assert "".join(piece.text for piece in right) == second


def test_case_and_yo_do_not_make_a_word_differ() -> None:
    left, right = word_diff("Бахтиёр ИЗБИТ", "бахтиер избит")
    assert marked(left) == marked(right) == []


def test_punctuation_after_a_differing_word_is_not_marked() -> None:
    left, _ = word_diff("избит группой, ночью", "избит толпой, ночью")
    assert left == [Piece("избит ", False), Piece("группой", True), Piece(", ночью", False)]


def test_neighbouring_differing_words_are_one_mark() -> None:
    left, _ = word_diff("14 марта 2009 избит", "15 апреля 2010 избит")
    assert marked(left) == ["14 марта 2009"]


def test_a_text_against_an_empty_one_differs_whole() -> None:
    left, right = word_diff("", "Нападение на рынке")
    assert left == []
    assert right == [Piece("Нападение на рынке", True)]


def test_identical_texts_have_nothing_marked() -> None:
    left, right = word_diff("Поджог мечети.", "Поджог мечети.")
    assert left == right == [Piece("Поджог мечети.", False)]
