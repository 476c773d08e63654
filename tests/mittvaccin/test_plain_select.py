"""`PlainSelect` draws a select's options in Python: the same bytes as Django's Select templates."""

from __future__ import annotations

import random

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from mittvaccin.html_rows import PlainSelect

TEXTS = [
    "Alla vacciner",
    "TBE <barn> & vuxna",
    'Enhet "Norr"',
    "Åre – Östersund",
    "",
    "x' onmouseover='y",
    "1000",
]


def _choices(rng: random.Random) -> list:
    choices = []
    for i in range(rng.randint(0, 12)):
        value = rng.choice([str(i), i, "", f"<{i}>", f'"{i}"'])
        label = rng.choice(
            [
                rng.choice(TEXTS),
                gettext_lazy("Alla enheter"),
                mark_safe("<b>säker</b>"),
                f"Vaccin {i} ({rng.choice(TEXTS)})",
            ]
        )
        choices.append((value, label))
    return choices


@pytest.mark.parametrize("language", ["sv", "en"])
def test_plain_select_draws_the_bytes_of_djangos_select_templates(language):
    rng = random.Random(f"plain-select-{language}")
    with override(language):
        for _round in range(300):
            choices = _choices(rng)
            attrs = rng.choice(
                [None, {"id": "id_x"}, {"id": "id_<y>", "required": True, "disabled": False, "data-n": 3}]
            )
            name = rng.choice(["unit", "product", 'na"me'])
            value = rng.choice([None, "", *(str(value) for value, _label in choices[:3]), ["1", "2"]])
            multiple = rng.random() < 0.2
            plain = forms.SelectMultiple if multiple else forms.Select
            ours = type("Ours", (PlainSelect,), {"allow_multiple_selected": multiple})
            expected = plain(choices=choices).render(name, value, attrs)
            assert ours(choices=choices).render(name, value, attrs) == expected, (choices, attrs, name, value)


def test_plain_select_leaves_option_groups_and_number_labels_to_the_templates():
    grouped = [("Grupp <1>", [("a", "A"), ("b", "B")]), ("c", "C")]
    numbers = [("1", 1000), ("2", 2.5)]
    for choices in (grouped, numbers):
        assert PlainSelect(choices=choices).render("f", "a") == forms.Select(choices=choices).render("f", "a")


def test_plain_select_changes_the_byte_count_when_an_option_changes():
    # The equivalence above would pass for two empty drawings: show the drawing carries the options.
    one = PlainSelect(choices=[("1", "Ett")]).render("f", "1")
    two = PlainSelect(choices=[("1", "Två")]).render("f", "1")
    assert "selected" in one and "Ett" in one and "Två" in two and one != two
