"""One kind of refusal, shown one way: every app refuses with the core's Refusal, put on forms by one helper."""

import ast
from pathlib import Path

from django import forms

from billing.services import BillingError
from booking.services import BookingError, CallTheClinic, PatientBusy, SlotFull
from journal.services import JournalError
from mittvaccin.refusals import Refusal, refusal_to_form

ROOT = Path(__file__).resolve().parents[2]


class PriceForm(forms.Form):
    amount = forms.CharField()
    valid_from = forms.CharField()


def bound():
    form = PriceForm({"amount": "100", "valid_from": "2026-01-01"})
    assert form.is_valid()
    return form


def test_every_apps_refusal_is_the_cores():
    for refusal in (JournalError, BookingError, SlotFull, PatientBusy, CallTheClinic, BillingError):
        assert issubclass(refusal, Refusal), refusal
    error = BookingError("Tiden är stängd.", code="closed")
    assert (error.message, error.field, error.code, str(error)) == (
        "Tiden är stängd.",
        None,
        "closed",
        "Tiden är stängd.",
    )
    assert SlotFull("Full.").code == "slot_full"


def test_a_refusal_lands_on_its_field_when_the_form_has_it_and_on_the_form_otherwise():
    form = bound()
    refusal_to_form(form, BillingError("Beloppet är redan 100,00 kr.", field="amount"))
    assert form.errors["amount"] == ["Beloppet är redan 100,00 kr."]
    form = bound()
    refusal_to_form(form, JournalError("Batchen har gått ut.", field="batch"))
    assert form.non_field_errors() == ["Batchen har gått ut."]
    form = bound()
    refusal_to_form(form, JournalError("Batchen har gått ut.", field="batch"), {"batch": "valid_from"})
    assert form.errors["valid_from"] == ["Batchen har gått ut."]


def test_a_refusal_of_several_fields_shows_each_where_it_belongs():
    refusal = BillingError.on_fields({"amount": "Ange ett belopp.", "products": "Välj ett vaccin."})
    assert refusal.message == "Ange ett belopp."
    form = bound()
    refusal_to_form(form, refusal)
    assert form.errors["amount"] == ["Ange ett belopp."]
    assert form.non_field_errors() == ["Välj ett vaccin."]


def test_services_refuse_only_with_a_refusal():
    """A service that raised Django's ValidationError or a home-made exception would need a second way to show it."""
    offenders = []
    for path in sorted(ROOT.glob("*/services/*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                call = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                name = getattr(call, "id", None) or getattr(call, "attr", None)
                if name == "ValidationError":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", None) in {"Exception", "ValueError"} for base in node.bases
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} class {node.name}")
    assert len(list(ROOT.glob("*/services/*.py"))) > 15
    assert not offenders
