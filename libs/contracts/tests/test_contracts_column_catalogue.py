"""The column catalogue gives a column the generator its table's meaning calls for, and nothing that would make
an invalid field."""

from __future__ import annotations

from dmb_contracts.column_catalogue import suggest_generator
from dmb_contracts.fields import ChoicesGenerator, FieldSpec, RangeGenerator


def field(name: str, kind: str = "string", **extra: object) -> FieldSpec:
    return FieldSpec.model_validate(
        {"name": name, "type": kind, "max_length": 120} | extra
        if kind == "string"
        else {"name": name, "type": kind} | extra
    )


def test_a_genres_name_is_a_music_genre_not_a_persons_name() -> None:
    suggested = suggest_generator("genre", field("name"))

    assert isinstance(suggested, ChoicesGenerator)
    assert "Rock" in suggested.values


def test_a_category_is_a_film_category_among_films_and_a_product_category_in_a_shop() -> None:
    films = suggest_generator("category", field("name"), frozenset({"film", "category", "actor"}))
    shop = suggest_generator("categories", field("name"), frozenset({"products", "categories", "orders"}))

    assert isinstance(films, ChoicesGenerator)
    assert "Sci-Fi" in films.values
    assert isinstance(shop, ChoicesGenerator)
    assert "Electronics" in shop.values


def test_a_quantity_is_small_and_skewed_low() -> None:
    suggested = suggest_generator("invoice_line", field("quantity", "integer"))

    assert isinstance(suggested, RangeGenerator)
    assert (suggested.min, suggested.max, suggested.distribution) == (1, 10, "exponential")


def test_a_suggestion_that_would_break_the_field_is_not_made() -> None:
    assert suggest_generator("genre", field("name", unique=True)) is None  # choices cannot fill a unique field
    assert suggest_generator("genre", field("name", max_length=3)) is None  # longer values than the column
    assert suggest_generator("customers", field("name")) is None  # no rule: the name-and-type rules decide
